"""Articles in the preview's editor: ``/_edit/content/PATH.md``.

The front matter gets the form of ``schemas/frontmatter.schema.json`` (forms.py), the Markdown
body a plain text area, and the page a link to its live version.  A save goes through the same
gates as a data file's (editor.py: Host and Origin, JSON only, the file as loaded, the real
checks on the would-be text) and writes only the lines that changed: the front matter through
yamledit (comments and quoting kept), the body as typed.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from ..project import Project
from . import forms, yamledit

FENCE = "---"


def editable_article(project: Project, name: str) -> Path | None:
    """``content/NAME`` (``calf-cramps.md``, ``guides/x.md``) if the editor may write it."""
    from .editor import article_files
    from ..sources import outside_project
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


def handler_class() -> Any:
    """The request handler of ``/_edit/content/PATH.md`` (made here, after editor.py is loaded)."""
    import json
    import threading

    from tornado import web
    from tornado.ioloop import IOLoop

    from .editor import (EDIT_ROOT, EditorBase, changed_lines, checks, diag_json, page, page_urls, sha,
                         write_atomically)

    class ArticleHandler(EditorBase):
        lock = threading.Lock()

        def get(self, name: str) -> None:
            path = editable_article(self.project, name)
            if path is None:
                raise web.HTTPError(404)
            raw = path.read_bytes()
            rel = self.project.rel(path)
            try:
                inner = article_form(self.project, rel, raw.decode("utf-8"), page_urls(self.preview).get(rel))
            except Exception:  # noqa: BLE001 - front matter that is not YAML: edit it as text
                inner = None
            if inner is None:
                body = (f'<p><a href="{EDIT_ROOT}">All files</a></p><h1>{html.escape(rel)}</h1><p class="msg">'
                        f"The front matter cannot be read; fix it in a text editor (build.py check says where).</p>")
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.finish(page(rel, body))
                return
            body = (f'<p><a href="{EDIT_ROOT}">All files</a></p><h1>{html.escape(rel)}</h1>'
                    f'<form id="editor" data-file="{html.escape(rel)}" data-base="{sha(raw)}" novalidate>'
                    f'<div id="status" role="status" aria-live="polite"><button type="submit">Save</button> '
                    f'<span class="text"></span><ul class="summary"></ul></div>{inner}'
                    f'<p><button type="submit">Save</button></p></form>')
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(page(f"{rel} - editor", body, script=True))

        async def post(self, name: str) -> None:
            if not self.same_origin():
                self.send_json(403, {"ok": False, "message": "refused: this request did not come from the editor's own page"})
                return
            if self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
                self.send_json(403, {"ok": False, "message": "refused: a save is sent as JSON by the editor's page"})
                return
            path = editable_article(self.project, name)
            if path is None:
                raise web.HTTPError(404)
            try:
                request = json.loads(self.request.body)
                base, front, text = str(request["base"]), request["data"], request["body"]
                if not isinstance(text, str) or not isinstance(front, dict):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                self.send_json(400, {"ok": False, "message": "the save request is not what the editor sends"})
                return
            try:
                status, answer = await IOLoop.current().run_in_executor(None, self.save, path, base, front, text)
            except OSError as exc:
                status, answer = 500, {"ok": False, "message": f"not saved: {exc.strerror or exc}"}
            self.send_json(status, answer)

        def save(self, path: Path, base: str, front: Any, text: str) -> tuple[int, dict[str, Any]]:
            rel = self.project.rel(path)
            with self.lock:
                raw = path.read_bytes()
                if sha(raw) != base:
                    return 409, {"ok": False, "conflict": True,
                                 "message": f"{rel} was changed on disk after this form was loaded; nothing was "
                                            f"written. Reload to edit the file as it is now."}
                source = raw.decode("utf-8")
                try:
                    new = edited_article(source, front, text)
                except yamledit.CannotKeepFormat as exc:
                    return 422, {"ok": False, "errors": [], "message": f"{rel}: not saved: {exc}"}
                if new == source:
                    return 200, {"ok": True, "written": False, "base": base, "message": "nothing changed"}
                found = checks(self.preview, rel, new)
                errors = [d for d in found if d.is_error]
                if errors:
                    return 422, {"ok": False, "errors": [diag_json(d) for d in errors],
                                 "message": f"not saved: {len(errors)} error{'s' if len(errors) != 1 else ''} "
                                            f"(the same checks as build.py check)"}
                if sha(path.read_bytes()) != base:
                    return 409, {"ok": False, "conflict": True,
                                 "message": f"{rel} was changed on disk while this save was checked; nothing "
                                            f"was written. Reload to edit the file as it is now."}
                write_atomically(path, new)
            changed = changed_lines(source, new)
            warnings = [diag_json(d) for d in found if not d.is_error and d.path == rel]
            return 200, {"ok": True, "written": True, "base": sha(new.encode("utf-8")), "warnings": warnings,
                         "message": f"saved {rel} ({changed} line{'s' if changed != 1 else ''} changed); "
                                    f"the preview rebuilds"}

    return ArticleHandler
