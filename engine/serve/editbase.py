"""What every page of the preview's editor shares (editor.py: data files; articles.py).

:class:`FileEditor` is one editable file's page: ``GET`` shows its form, ``POST`` saves it.
A save:

1. is refused with 403, writing nothing, unless both its ``Host`` and its ``Origin`` are this
   server's own (``http://127.0.0.1:PORT``, ``http://localhost:PORT`` or the ``--host`` given)
   and it is sent as JSON (which another site's page cannot send without asking first);
2. only reaches a file that the build itself reads (the subclass's :meth:`FileEditor.target`:
   found by the build's own walk, hidden files skipped, inside the project, not a link, and no
   link outside the project on the way: ``sources.outside_project``, the build's gate);
3. is refused with 409 when the file is no longer what the form was loaded from (someone
   saved it meanwhile): nothing is overwritten, the page offers to reload;
4. makes the new text with only the changed lines (:meth:`FileEditor.new_text`: yamledit.py,
   ruamel.yaml round-trip);
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

from .. import NAME
from ..diagnostics import ContentError, Diagnostic
from ..load.sources import walk_files
from ..project import Project
from . import yamledit

EDIT_ROOT = "/_edit/"
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


def page_urls(preview: Any) -> dict[str, str]:
    """Source file -> URL (with the base path) of the pages of the last good build."""
    renderer = getattr(getattr(preview, "builder", None), "state", None)
    renderer = getattr(renderer, "renderer", None)
    site = getattr(renderer, "site", None)
    pages = getattr(site, "pages", None) or []
    base = preview.base_path.rstrip("/")
    return {page.rel: base + page.url for page in pages if getattr(page, "source", None) is not None}


def check_with(project: Project, rel: str, text: str) -> list[Diagnostic]:
    """Every diagnostic ``build.py check`` would give with *text* as the file *rel*: the real
    checks, run on a copy of the sources (nothing in the project is touched)."""
    from ..pipeline import check
    with tempfile.TemporaryDirectory(prefix=f"{NAME}-edit-") as tmp:
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


class FileEditor(EditorBase):
    """One editable file's page; subclasses say which file, its form, and its new text."""

    lock = threading.Lock()      # one save at a time, whichever file

    def target(self, name: str) -> Path | None:
        """The file *name* names, if the editor may write it."""
        raise NotImplementedError

    def form(self, path: Path, rel: str, raw: bytes) -> str | None:
        """The form's fields (HTML), or None when the file cannot be read for a form."""
        raise NotImplementedError

    def new_text(self, source: str, request: dict[str, Any]) -> str:
        """The file's text after the edit *request*; raises yamledit.CannotKeepFormat, or
        KeyError/TypeError for a request that is not what the editor sends."""
        raise NotImplementedError

    def get(self, name: str) -> None:
        path = self.target(name)
        if path is None:
            raise web.HTTPError(404)
        raw = path.read_bytes()
        rel = self.project.rel(path)
        try:
            inner = self.form(path, rel, raw)
        except Exception:  # noqa: BLE001 - any parse failure: say so, edit it as text
            inner = None
        if inner is None:
            body = (f'<p><a href="{EDIT_ROOT}">All files</a></p><h1>{html.escape(rel)}</h1><p class="msg">'
                    f"This file cannot be read for a form; fix it in a text editor (<code>build.py check"
                    f"</code> says where).</p>")
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
        path = self.target(name)
        if path is None:
            raise web.HTTPError(404)
        try:
            request = json.loads(self.request.body)
            if not isinstance(request, dict) or "data" not in request:
                raise TypeError
            base = str(request["base"])
        except (ValueError, KeyError, TypeError):
            self.send_json(400, {"ok": False, "message": "the save request is not what the editor sends"})
            return
        try:
            status, answer = await IOLoop.current().run_in_executor(None, self.save, path, base, request)
        except OSError as exc:       # the file system said no: nothing (or the old file) is there
            status, answer = 500, {"ok": False, "message": f"not saved: {exc.strerror or exc}"}
        except Exception as exc:     # noqa: BLE001 - a bug in the editor: say so, write nothing more
            self.preview.console.error(f"internal error in the editor: {type(exc).__name__}: {exc}; please report it")
            status, answer = 500, {"ok": False, "message": f"not saved: internal error ({type(exc).__name__})"}
        self.send_json(status, answer)

    def save(self, path: Path, base: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
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
                text = self.new_text(source, request)
            except yamledit.CannotKeepFormat as exc:
                return 422, {"ok": False, "errors": [], "message": f"{rel}: not saved: {exc}; make this "
                                                                 f"change in a text editor"}
            except (KeyError, TypeError):
                return 400, {"ok": False, "message": "the save request is not what the editor sends"}
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
