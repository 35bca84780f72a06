"""Articles in the preview's editor: ``/_edit/content/PATH.md``.

The front matter gets the form of ``schemas/frontmatter.schema.json`` (forms.py), the Markdown
body a plain text area, and the page a link to its live version.  A save goes through the same
gates as a data file's (editbase.FileEditor: Host and Origin, JSON only, the file as loaded,
the build's checks on the would-be text) and writes only the lines that changed: the front matter through
yamledit (comments and quoting kept), the body as typed.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from ..load.sources import outside_project
from ..project import Project
from . import forms, yamledit
from .editbase import FileEditor, article_files, page_urls

FENCE = "---"


def editable_article(project: Project, name: str) -> Path | None:
    """``content/NAME`` (``some-page.md``, ``guides/x.md``) if the editor may write it."""
    if not name.endswith(".md") or "\0" in name or "\\" in name or any(
            part in ("", ".", "..") or part.startswith(".") for part in name.split("/")):
        return None
    path = project.content_dir / name
    if path not in article_files(project) or path.is_symlink() or not path.is_file():
        return None
    real, top = os.path.realpath(path), os.path.realpath(project.content_dir)
    if not real.startswith(top + os.sep) or not top.startswith(os.path.realpath(project.root) + os.sep):
        return None
    if any(d.path in (project.rel(path), project.rel(project.content_dir)) for d in outside_project(project)):
        return None
    return path


def split(text: str) -> tuple[str, str] | None:
    """(front matter YAML, body) of an article, or None when it has no closed front matter.
    The body is everything after the closing fence line, byte for byte."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in (FENCE, "..."):
            return "\n".join(lines[1:index]) + "\n", "\n".join(lines[index + 1:])
    return None


def joined(front: str, body: str, original: str) -> str:
    """The article's text again, with the original's fence lines."""
    lines = original.split("\n")
    closing = next(line for line in lines[1:] if line.rstrip() in (FENCE, "..."))
    return f"{lines[0]}\n{front}{closing}\n{body}"


def edited_article(source: str, new_front: Any, new_body: str) -> str:
    parts = split(source)
    if parts is None:
        raise yamledit.CannotKeepFormat("the article has no front matter between '---' lines")
    front, _body = parts
    new_body = new_body.replace("\r\n", "\n")
    return joined(yamledit.edited_text(front, new_front), new_body, source)


def article_form(project: Project, rel: str, source: str, live_url: str | None) -> str | None:
    parts = split(source)
    if parts is None:
        return None
    front, body = parts
    data = forms.plain(yamledit.load(front)) or {}
    schema_files = forms.load_schema_files(project.schemas_dir)
    form = forms.form_html(schema_files, "frontmatter.schema.json", data)
    if form is None:
        form = forms.FormBuilder(forms.SchemaResolver({}), "", data).document({})
    live = f' <a href="{html.escape(live_url)}">See the live page</a>' if live_url else ""
    return (f'<h2>Front matter</h2>{form}<h2><label for="body">Text (Markdown)</label></h2>'
            f'<p>{live}</p><textarea id="body" name="body" rows="30">\n{html.escape(body)}</textarea>')


class ArticleHandler(FileEditor):
    """``/_edit/content/PATH.md``: the front matter's form and the text; a save changes both."""

    def target(self, name: str) -> Path | None:
        return editable_article(self.project, name)

    def form(self, path: Path, rel: str, raw: bytes) -> str | None:
        return article_form(self.project, rel, raw.decode("utf-8"), page_urls(self.preview).get(rel))

    def new_text(self, source: str, request: dict[str, Any]) -> str:
        front, body = request["data"], request["body"]
        if not isinstance(front, dict) or not isinstance(body, str):
            raise TypeError("front matter and text expected")
        return edited_article(source, front, body)
