"""The editor inside ``build.py serve``: ``/_edit/`` at the server's root, whatever the base URL.

    GET  /_edit/                      the data files (links named by file name) and the articles
    GET  /_edit/data/NAME.yaml        a form generated from schemas/NAME.schema.json (forms.py)
    POST /_edit/data/NAME.yaml        save: JSON {"base": sha256 of the file as loaded, "data": ...}
    GET  /_edit/content/PATH.md       an article: its front matter's form and its text (articles.py)
    POST /_edit/content/PATH.md       save: JSON {"base": ..., "data": front matter, "body": text}
    GET  /_edit/dashboard             the editorial dashboard (dashboard.py)
    GET  /_edit/editor.js             the form's script (collects the form, shows messages)

How a save is gated, checked and written: editbase.py.  Each record of a data file lists the
pages that show it (:func:`where_used`, from the build's dependency records).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from tornado import web
from tornado.ioloop import IOLoop

from ..load.sources import outside_project
from ..project import Project
from . import forms, yamledit
from .articles import ArticleHandler
from .editbase import EDIT_ROOT, EditorBase, FileEditor, article_files, data_files, page, page_urls

EDITOR_JS = Path(__file__).with_name("editor.js")


def editable_data_file(project: Project, name: str) -> Path | None:
    """The data file *name* (``faqs.yaml``) if the editor may write it, else None."""
    if "/" in name or "\\" in name or name.startswith(".") or not name.endswith(".yaml") or "\0" in name:
        return None
    path = project.data_dir / name
    if path not in data_files(project) or path.is_symlink() or not path.is_file():
        return None
    real, top = os.path.realpath(path), os.path.realpath(project.data_dir)
    if os.path.dirname(real) != top or not top.startswith(os.path.realpath(project.root) + os.sep):
        return None
    if any(d.path in (project.rel(path), project.rel(project.data_dir)) for d in outside_project(project)):
        return None
    return path


def where_used(preview: Any) -> forms.WhereUsed:
    """(collection, id) -> [(URL, source file)] of the pages that show the record (or, for a
    reference, cite it), from the dependency records of the preview's last good build (the
    build cache kept in memory: each page's ``shown`` and ``cited``)."""
    state = getattr(getattr(preview, "builder", None), "state", None)
    cache = getattr(state, "cache", None)
    site = getattr(getattr(state, "renderer", None), "site", None)
    if cache is None or site is None:
        return lambda collection, rid: None
    by_output = {page.output: page for page in list(site.pages)}
    base = preview.base_path.rstrip("/")
    shown: dict[tuple[str, str], list[tuple[str, str]]] = {}
    cited: dict[str, list[tuple[str, str]]] = {}
    for output, entry in sorted(dict(cache.pages).items()):
        page = by_output.get(output)
        if page is None:
            continue
        use = (base + page.url, page.rel)
        for item in entry.shown:
            shown.setdefault(item, []).append(use)
        for rid in set(entry.cited):
            cited.setdefault(rid, []).append(use)

    def lookup(collection: str, rid: str) -> list[tuple[str, str]]:
        found = list(shown.get((collection, rid), []))
        if collection == "references":
            found += [u for u in cited.get(rid, []) if u not in found]
        return sorted(found)
    return lookup


class IndexHandler(EditorBase):
    def get(self) -> None:
        items = "".join(f'<li><a href="{EDIT_ROOT}data/{html.escape(p.name)}">{html.escape(p.name)}</a></li>'
                        for p in data_files(self.project) if p.parent == self.project.data_dir)
        urls = page_urls(self.preview)
        rows = []
        for path in article_files(self.project):
            rel = self.project.rel(path)
            url = urls.get(rel)
            live = f' (<a href="{html.escape(url)}">live page</a>)' if url else ""
            name = rel.split("/", 1)[1]
            rows.append(f'<li><a href="{EDIT_ROOT}content/{html.escape(name)}">{html.escape(rel)}</a>{live}</li>')
        body = (f"<h1>Editor</h1><p>Site preview: <a href=\"{html.escape(self.preview.base_path)}\">"
                f"{html.escape(self.preview.base_path)}</a> &middot; <a href=\"{EDIT_ROOT}dashboard\">"
                f"Editorial dashboard</a></p><h2>Data files</h2><ul id=\"data-files\">{items}</ul>"
                f"<h2>Articles</h2>"
                f"<ul id=\"articles\">{''.join(rows)}</ul>")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page("Editor", body))


class DataFileHandler(FileEditor):
    """``/_edit/data/NAME.yaml``: the form of the file's schema; a save merges the document."""

    def target(self, name: str) -> Path | None:
        return editable_data_file(self.project, name)

    def form(self, path: Path, rel: str, raw: bytes) -> str | None:
        data = forms.plain(yamledit.load(raw.decode("utf-8")))
        schema_files = forms.load_schema_files(self.project.schemas_dir)
        form = forms.form_html(schema_files, path.name[: -len(".yaml")] + ".schema.json", data,
                               where_used(self.preview))
        return form if form is not None else forms.FormBuilder(forms.SchemaResolver({}), "", data).document({})

    def new_text(self, source: str, request: dict[str, Any]) -> str:
        return yamledit.edited_text(source, request["data"])


class DashboardHandler(EditorBase):
    async def get(self) -> None:
        from . import dashboard
        board = await IOLoop.current().run_in_executor(None, dashboard.collect, self.preview)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page("Editorial dashboard", dashboard.render(board)))


class ScriptHandler(web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "application/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(EDITOR_JS.read_bytes())


def routes(preview: Any) -> list[tuple[Any, ...]]:
    """The editor's URL routes, for make_app (before the site's catch-all)."""
    return [
        (r"/_edit/?", IndexHandler, {"preview": preview}),
        (r"/_edit/editor\.js", ScriptHandler),
        (r"/_edit/dashboard", DashboardHandler, {"preview": preview}),
        (r"/_edit/data/([^/]+)", DataFileHandler, {"preview": preview}),
        (r"/_edit/content/(.+)", ArticleHandler, {"preview": preview}),
    ]
