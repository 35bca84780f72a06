"""What the preview server answers: the site's files with the preview client added, the
livereload websocket (each browser hears only about its own page), the client script and
the status; the editor's routes come from ``editor.py``.

Kept apart from ``server.py``, which decides *when* to rebuild and whom to tell: these
classes only answer requests, asking the preview they are handed (:class:`Preview`, the
protocol below) for what to serve.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from livereload.handlers import LiveReloadHandler
from tornado import web
from tornado.escape import json_decode

from .. import NAME
from ..console import Console
from . import editor
from .paths import MAX_URL, Target



class Preview(Protocol):
    """What the handlers ask of the preview they are handed (``server.Preview`` is one): they
    answer requests; it decides when to rebuild and whom to tell."""

    console: Console

    def status(self) -> dict[str, Any]: ...
    def deps_of(self, url: str) -> tuple[str, str, set[str], str]: ...
    def ready_early(self, raw_path: str) -> bool: ...
    async def settled(self, timeout: float = ...) -> None: ...
    def resolve(self, raw_path: str) -> Target: ...
    def early_served(self) -> None: ...
    def log_request(self, handler: web.RequestHandler) -> None: ...

CLIENT_JS = Path(__file__).with_name("client.js")
CLIENT_URL = "/__serve__/client.js"
STATUS_URL = "/__serve__/status.json"
PROTOCOL = "http://livereload.com/protocols/official-7"
NOT_FOUND = (b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>\n'
             b"<body><h1>Not found</h1><p>There is no page at this address (yet). This preview reloads by "
             b"itself when one is built.</p></body></html>\n")
HEAD_END = re.compile(rb"</head\s*>", re.I)
BODY_END = re.compile(rb"</body\s*>", re.I)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def inject(html: bytes, tag: bytes) -> bytes:
    for pattern in (HEAD_END, BODY_END):
        match = pattern.search(html)
        if match:
            return html[:match.start()] + tag + html[match.start():]
    return html + tag


class PreviewSocket(LiveReloadHandler):
    """livereload's websocket, but each browser only hears about its own page."""

    preview: Preview

    def initialize(self, preview: Preview) -> None:
        self.preview = preview
        self.page_path = "/"
        self.rel = ""
        self.deps: set[str] = set()

    def check_origin(self, origin: str) -> bool:
        return urlsplit(origin).netloc == self.request.host

    def send_reload(self, path: str, original: str = "", version: str = "") -> None:
        message: dict[str, Any] = {"command": "reload", "path": path, "liveCSS": True, "liveImg": True}
        if original:  # protocol 7: the stylesheet the page links to now
            message["originalPath"] = original
        if version:
            message["version"] = version
        self.send_message(message)

    def on_message(self, message: str | bytes) -> None:
        try:
            msg = json_decode(message)
        except ValueError:
            return
        if not isinstance(msg, dict):
            return
        if msg.get("command") == "hello":
            self.send_message({"command": "hello", "protocols": [PROTOCOL], "serverName": NAME})
        elif msg.get("command") == "info":
            self.page_path, self.rel, self.deps, version = self.preview.deps_of(str(msg.get("url", "")))
            LiveReloadHandler.waiters.add(self)
            self.send_message(self.preview.status())
            if msg.get("version") and msg["version"] != version:  # rebuilt since it was served
                self.send_reload(self.page_path)


class ClientHandler(web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "application/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(CLIENT_JS.read_bytes())


class StatusHandler(web.RequestHandler):
    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps(self.preview.status()))


class SiteHandler(web.RequestHandler):
    """Files from output/ only; HTML gets the preview client (in the response, never on disk)."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.clear_header("Server")

    async def get(self) -> None:
        if len(self.request.uri or "") > MAX_URL:   # no page has such an address; do not even look
            self.send_error(414)
            return
        early = self.preview.ready_early(self.request.path)
        if not early:
            await self.preview.settled()
        target = self.preview.resolve(self.request.path)
        if target.status == 301:
            self.redirect(target.location, permanent=False)
            return
        self.set_status(target.status)
        if target.file is None:  # no 404.html (yet): a page that still reloads when this one appears
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.write(inject(NOT_FOUND, f'<script src="{CLIENT_URL}" data-version="missing"></script>'.encode()))
            return
        try:
            data = target.file.read_bytes()
        except OSError:
            self.set_status(404)
            self.write(b"404 Not Found\n")
            return
        ctype, encoding = mimetypes.guess_type(target.file.name)
        ctype = ctype or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json",
                                                   "image/svg+xml", "application/xml"):
            ctype += "; charset=utf-8"
        if encoding:
            self.set_header("Content-Encoding", encoding)
        if ctype.startswith("text/html"):
            version = digest(data)
            tag = f'<script src="{CLIENT_URL}" data-version="{version}"></script>'.encode()
            data = inject(data, tag)
        self.set_header("Content-Type", ctype)
        self.write(data)
        if early:
            await self.flush()
            self.preview.early_served()

    head = get

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """A bug in the preview: one line in the terminal (the traceback with --verbose), not a
        screenful per request; the browser gets a plain 500."""
        if isinstance(value, web.HTTPError):
            return
        console = self.preview.console
        console.error(f"internal error answering {self.request.method} {self.request.path[:200]}: "
                      f"{typ.__name__}: {value}; please report it")
        if console.verbosity >= 2:
            super().log_exception(typ, value, tb)


def make_app(preview: Preview) -> web.Application:
    return web.Application([
        (r"/livereload", PreviewSocket, {"preview": preview}),
        (re.escape(CLIENT_URL), ClientHandler),
        (re.escape(STATUS_URL), StatusHandler, {"preview": preview}),
        *editor.routes(preview),          # /_edit/: the data editor (editor.py)
        (r".*", SiteHandler, {"preview": preview}),
    ], compress_response=False, log_function=preview.log_request)
