"""The editor inside ``build.py serve``: ``/_edit/`` at the server's root, whatever the base URL.

    GET  /_edit/                      the data files (links named by file name) and the articles
    GET  /_edit/data/NAME.yaml        a form generated from schemas/NAME.schema.json (forms.py)
    POST /_edit/data/NAME.yaml        save: JSON {"base": sha256 of the file as loaded, "data": ...}
    GET  /_edit/content/PATH.md       an article: its front matter's form and its text (articles.py)
    POST /_edit/content/PATH.md       save: JSON {"base": ..., "data": front matter, "body": text}
    GET  /_edit/dashboard             the editorial dashboard (dashboard.py)
    GET  /_edit/editor.js             the form's script (collects the form, shows messages)

A save:

1. is refused with 403, writing nothing, unless both its ``Host`` and its ``Origin`` are this
   server's own (``http://127.0.0.1:PORT``, ``http://localhost:PORT`` or the ``--host`` given)
   and it is sent as JSON (which another site's page cannot send without asking first);
2. only reaches a file that the build itself reads: a ``.yaml`` file found by the build's
   own walk of ``data/`` (hidden files skipped), inside the project, not a link, and with no
   link outside the project on the way (``sources.outside_project``, the build's gate);
3. is refused with 409 when the file is no longer what the form was loaded from (someone
   saved it meanwhile): nothing is overwritten, the page offers to reload;
4. makes the new text with only the changed lines (yamledit.py, ruamel.yaml round-trip);
5. runs the build's own checks on a copy of the sources with the would-be file in place (a
   copy kept warm and rebuilt incrementally, shadow.py; or ``pipeline.check`` from scratch,
   :func:`check_with`); any error answers 422 with the messages, nothing written;
6. writes the file atomically (a hidden temporary file renamed over it).  The preview's watcher
   sees the change and rebuilds, and the open pages update as for any save.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from tornado import web
from tornado.ioloop import IOLoop

from ..diagnostics import ContentError, Diagnostic
from ..project import Project
from ..sources import outside_project, walk_files
from . import articles, forms, yamledit

EDIT_ROOT = "/_edit/"
EDITOR_JS = Path(__file__).with_name("editor.js")
STYLE = """
body{font:16px/1.45 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem}
.field{margin:.6rem 0}label,legend{font-weight:600;display:block}
input[type=text],textarea,select{width:100%;box-sizing:border-box;font:inherit;padding:.2rem}
fieldset{border:1px solid #bbb;margin:.6rem 0}.req{color:#a00;font-weight:400}
.help{display:block;color:#444}ol.array>li{border-left:3px solid #ddd;padding-left:.5rem;margin:.4rem 0}
.msg{color:#a00;margin:.2rem 0}[aria-invalid=true]{outline:2px solid #a00}
#status{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:.4rem 0;z-index:1}
#status .error{color:#a00}#status .ok{color:#060}.tools{display:inline-flex;gap:.3rem}
h3.record{margin:.4rem 0}.where{margin:.2rem 0;font-size:.9em}
"""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_files(project: Project) -> list[Path]:
    return walk_files(project.data_dir, (".yaml",)) if project.data_dir.is_dir() else []


def article_files(project: Project) -> list[Path]:
    return walk_files(project.content_dir, (".md",)) if project.content_dir.is_dir() else []


def editable_data_file(project: Project, name: str) -> Path | None:
    """The data file *name* (``nutrients.yaml``) if the editor may write it, else None."""
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


def page_urls(preview: Any) -> dict[str, str]:
    """Source file -> URL (with the base path) of the pages of the last good build."""
    renderer = getattr(getattr(preview, "builder", None), "state", None)
    renderer = getattr(renderer, "renderer", None)
    site = getattr(renderer, "site", None)
    pages = getattr(site, "pages", None) or []
    base = preview.base_path.rstrip("/")
    return {page.rel: base + page.url for page in pages if getattr(page, "source", None) is not None}


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


def check_with(project: Project, rel: str, text: str) -> list[Diagnostic]:
    """Every diagnostic ``build.py check`` would give with *text* as the file *rel*: the real
    checks, run on a copy of the sources (nothing in the project is touched)."""
    from ..pipeline import check
    with tempfile.TemporaryDirectory(prefix="cramp-guide-edit-") as tmp:
        root = Path(tmp)
        for folder in project.source_dirs():
            if folder.is_dir():
                shutil.copytree(folder, root / folder.name, ignore=shutil.ignore_patterns(".*"))
        target = root / rel
        target.write_text(text, encoding="utf-8")
        try:
            report = check(Project(root))
        except ContentError as exc:
            return list(exc.diagnostics)
        return list(report.sorted())


def checks(preview: Any, rel: str, text: str) -> list[Diagnostic]:
    """The checks of a save: on the preview's warm shadow copy (shadow.py, ~0.1 s on the real
    site), or, should that machinery itself fail, from scratch (:func:`check_with`)."""
    from .shadow import ShadowChecker
    checker = getattr(preview, "editor_checker", None)
    if checker is None:
        checker = preview.editor_checker = ShadowChecker(preview.project)
        import atexit
        atexit.register(checker.close)
    try:
        return checker.check(rel, text)
    except Exception as exc:  # noqa: BLE001 - a bug in the shadow copy: the full check still decides
        preview.console.error(f"editor: the quick check failed ({type(exc).__name__}: {exc}); "
                              f"running the full check")
        checker.close()
        return check_with(preview.project, rel, text)


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".editing", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def changed_lines(before: str, after: str) -> int:
    """Lines removed plus lines added, as ``git diff --stat`` counts them (a changed line is 1,
    shown as 1 here too: the larger of removed and added per hunk)."""
    import difflib
    count = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(),
                                                       autojunk=False).get_opcodes():
        if tag != "equal":
            count += max(i2 - i1, j2 - j1)
    return count


def own_hosts(preview: Any) -> set[str]:
    port = preview.port
    hosts = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    host = preview.host
    hosts.add(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    return hosts


def diag_json(d: Diagnostic) -> dict[str, Any]:
    return {"rel": d.path, "line": d.line, "col": d.col, "severity": d.severity, "message": d.message,
            "field": d.field, "hint": d.hint, "text": d.format()}


def page(title: str, body: str, script: bool = False) -> str:
    tag = f'<script src="{EDIT_ROOT}editor.js" defer></script>' if script else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style>{tag}'
            f'</head><body>{body}</body></html>\n')


class EditorBase(web.RequestHandler):
    def initialize(self, preview: Any) -> None:
        self.preview = preview
        self.project: Project = preview.project

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Content-Security-Policy", "frame-ancestors 'none'")
        self.clear_header("Server")

    def same_origin(self) -> bool:
        """Host and Origin both this server's own: a page of another site cannot write."""
        hosts = own_hosts(self.preview)
        host = self.request.headers.get("Host", "")
        origin = self.request.headers.get("Origin", "")
        return host in hosts and origin == f"http://{host}"

    def send_json(self, status: int, value: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(value))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")


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


class DataFileHandler(EditorBase):
    lock = threading.Lock()

    def get(self, name: str) -> None:
        path = editable_data_file(self.project, name)
        if path is None:
            raise web.HTTPError(404)
        raw = path.read_bytes()
        rel = self.project.rel(path)
        try:
            data = forms.plain(yamledit.load(raw.decode("utf-8")))
        except Exception as exc:  # noqa: BLE001 - any parse failure: say so, edit it as text
            body = (f"<h1>{html.escape(name)}</h1><p class=\"msg\">This file cannot be read as YAML ({html.escape(str(exc))}); "
                    f"fix it in a text editor (<code>build.py check</code> says where).</p>")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(page(name, body))
            return
        schema_files = forms.load_schema_files(self.project.schemas_dir)
        form = forms.form_html(schema_files, name[: -len(".yaml")] + ".schema.json", data, where_used(self.preview))
        if form is None:
            form = forms.FormBuilder(forms.SchemaResolver({}), "", data).document({})
        body = (f'<p><a href="{EDIT_ROOT}">All files</a></p><h1>{html.escape(name)}</h1>'
                f'<form id="editor" data-file="{html.escape(rel)}" data-base="{sha(raw)}" novalidate>'
                f'<div id="status" role="status" aria-live="polite"><button type="submit">Save</button> '
                f'<span class="text"></span><ul class="summary"></ul></div>{form}'
                f'<p><button type="submit">Save</button></p></form>')
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page(f"{name} - editor", body, script=True))

    async def post(self, name: str) -> None:
        if not self.same_origin():
            self.send_json(403, {"ok": False, "message": "refused: this request did not come from the editor's own page"})
            return
        if self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self.send_json(403, {"ok": False, "message": "refused: a save is sent as JSON by the editor's page"})
            return
        path = editable_data_file(self.project, name)
        if path is None:
            raise web.HTTPError(404)
        try:
            request = json.loads(self.request.body)
            base, new_data = request["base"], request["data"]
        except (ValueError, KeyError, TypeError):
            self.send_json(400, {"ok": False, "message": "the save request is not what the editor sends"})
            return
        try:
            status, answer = await IOLoop.current().run_in_executor(None, self.save, path, str(base), new_data)
        except OSError as exc:       # the file system said no: nothing (or the old file) is there
            status, answer = 500, {"ok": False, "message": f"not saved: {exc.strerror or exc}"}
        except Exception as exc:     # noqa: BLE001 - a bug in the editor: say so, write nothing more
            self.preview.console.error(f"internal error in the editor: {type(exc).__name__}: {exc}; please report it")
            status, answer = 500, {"ok": False, "message": f"not saved: internal error ({type(exc).__name__})"}
        self.send_json(status, answer)

    def save(self, path: Path, base: str, new_data: Any) -> tuple[int, dict[str, Any]]:
        rel = self.project.rel(path)
        with self.lock:
            raw = path.read_bytes()
            if sha(raw) != base:
                return 409, {"ok": False, "conflict": True,
                             "message": f"{rel} was changed on disk after this form was loaded; nothing was "
                                        f"written. Reload to edit the file as it is now (your changes here "
                                        f"are not kept)."}
            source = raw.decode("utf-8")
            try:
                text = yamledit.edited_text(source, new_data)
            except yamledit.CannotKeepFormat as exc:
                return 422, {"ok": False, "errors": [], "message": f"{rel}: not saved: {exc}; make this "
                                                                 f"change in a text editor"}
            if text == source:
                return 200, {"ok": True, "written": False, "base": base, "message": "nothing changed"}
            found = checks(self.preview, rel, text)
            errors = [d for d in found if d.is_error]
            if errors:
                return 422, {"ok": False, "errors": [diag_json(d) for d in errors],
                             "message": f"not saved: {len(errors)} error{'s' if len(errors) != 1 else ''} "
                                        f"(the same checks as build.py check)"}
            if sha(path.read_bytes()) != base:      # saved by someone else while the checks ran
                return 409, {"ok": False, "conflict": True,
                             "message": f"{rel} was changed on disk while this save was checked; nothing "
                                        f"was written. Reload to edit the file as it is now."}
            write_atomically(path, text)
            changed = changed_lines(source, text)
        warnings = [diag_json(d) for d in found if not d.is_error and d.path == rel]
        return 200, {"ok": True, "written": True, "base": sha(text.encode("utf-8")), "warnings": warnings,
                     "message": f"saved {rel} ({changed} line{'s' if changed != 1 else ''} changed); "
                                f"the preview rebuilds"}


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
        (r"/_edit/content/(.+)", articles.handler_class(), {"preview": preview}),
    ]
