"""The live-preview server behind ``build.py serve``.

One tornado IOLoop serves ``output/`` over HTTP and livereload's websocket
protocol on ``/livereload``.  A :class:`~engine.serve.watcher.SourceWatcher`
is scanned every ``interval`` seconds; once no new change has been seen for
``debounce`` seconds the changed paths go to the :class:`IncrementalBuilder`
on a worker thread, so the server keeps answering during a rebuild.  A save
that lands during a rebuild queues another one: the last save always wins.

"Never lie": HTML requests wait until pending rebuilds are done, every page
carries the version (hash) it was served with and the browser reports it
when it connects, so a page that was rebuilt in between is reloaded at once.
A failed build leaves output/ untouched (the last good pages stay served) and
the error text, exactly as the command line prints it, goes to every open page.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import errno
import re
import signal
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from livereload.handlers import LiveReloadHandler
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop, PeriodicCallback
from tornado.netutil import bind_sockets

from ..config import BuildOptions, config_from_data
from ..console import Console
from ..diagnostics import ContentError, Diagnostic, UsageError
from ..incremental.cache import Found, SourceWalk, input_stats, restat
from ..load.yamlsource import load_yaml_file
from ..project import Project
from ..publish.search import refresh_index
from .paths import OutputMap, Target
from .handlers import digest, make_app
from .rebuild import IncrementalBuilder, RebuildResult
from .watcher import CHANGED, DELETED, Change, SourceWatcher

#: longest the rebuild waits for a browser to fetch the page it was just told to update
EARLY_GRACE = 0.25
#: seconds without a rebuild before the search index is refreshed
SEARCH_DELAY = 1.0


def base_path_of(project: Project, override: str | None) -> str:
    """The URL path the site lives under (``/`` or e.g. ``/health/``)."""
    data: Any = {}
    if project.site_file.is_file():
        try:
            data = load_yaml_file(project.site_file, project.rel(project.site_file)).data
        except (ContentError, OSError):
            data = {}
    return config_from_data(data if isinstance(data, dict) else {}, override).base_path


HASHED = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{6,}(?P<suffix>\.css)$")


def css_renames(result: RebuildResult) -> list[tuple[str, str]]:
    """Content-hashed stylesheets that were replaced: [(old path, new path)] inside output/."""
    def key(rel: str) -> str | None:
        match = HASHED.match(rel)
        return match["stem"] + match["suffix"] if match else None
    added = {key(p): p for p in result.changed_outputs if key(p)}
    return sorted((old, added[key(old)]) for old in result.removed_outputs if key(old) in added)


def replace_all(html: bytes, renames: list[tuple[str, str]]) -> bytes:
    for old, new in renames:
        html = html.replace(old.rsplit("/", 1)[-1].encode(), new.rsplit("/", 1)[-1].encode())
    return html


def describe(changes: list[Change], project: Project, limit: int = 3) -> str:
    words = [f"{project.rel(c.path)} {c.kind}" for c in changes[:limit]]
    if len(changes) > limit:
        words.append(f"and {len(changes) - limit} more")
    return ", ".join(words) if words else "start-up"


@dataclass
class PreviewStatus:
    ok: bool = True
    errors: list[str] = field(default_factory=list)
    generation: int = 0             # successful builds
    builds: int = 0                 # all builds, failed ones too
    building: bool = False
    last_result: RebuildResult | None = None


class Preview:
    """Watches the sources, rebuilds, serves output/ and tells the browsers."""

    def __init__(self, project: Project, out: Path, console: Console, base_url: str | None = None,
                 host: str = "127.0.0.1", port: int = 8000, interval: float = 0.02,
                 debounce: float = 0.03, options: BuildOptions | None = None):
        self.project = project
        self.out = out
        self.console = console
        self.base_url = base_url
        self.host = host
        self.port = port
        self.interval = interval
        self.debounce = debounce
        # the preview indexes for search after each reload, not before it (low save-to-browser latency)
        self.options = options or BuildOptions(defer_search=True)
        self.builder = IncrementalBuilder(project, out, base_url=base_url, settle_later=True, options=self.options)
        self.base_path = base_path_of(project, base_url)
        self.state = PreviewStatus()
        self.pending: dict[Path, Change] = {}
        self.last_change = 0.0
        self.first_change = 0.0
        self.executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rebuild")
        self.watcher = SourceWatcher(project.source_dirs(),
                                     walk=self._walk, root=project.root)
        self.pages: dict[str, bytes] = {}   # output of the pages open in browsers, as they last saw it
        self.early_done: set[str] = set()   # pages the running rebuild has already put in place
        self._early_served: threading.Event | None = None   # see _run_build.early
        self._search_due: object | None = None              # IOLoop timeout of the deferred re-index
        self._settled: asyncio.Event | None = None
        self.sockets: list = []
        self.loop: IOLoop | None = None

    # -- start-up -------------------------------------------------------------
    def bind(self) -> None:
        try:
            self.sockets = bind_sockets(self.port, address=self.host)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"port {self.port} on {self.host} is already in use (is another "
                                 f"preview running?); stop it or choose another port with --port") from None
            if exc.errno == errno.EACCES:
                raise UsageError(f"not allowed to use port {self.port}; choose a port above 1023 "
                                 f"with --port") from None
            raise UsageError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from None
        self.port = self.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.base_path}"

    def initial_build(self) -> None:
        self._finish_build([], *self._run_build(None))
        self._settle()
        self._refresh_search_now()

    # -- search index: refreshed after the browser has its page -----------------
    def _search_wanted(self) -> bool:
        return self.options.defer_search and (self.out / "search" / "index.html").is_file()

    def _refresh_search_now(self) -> None:
        """Re-index output/ (Pagefind); runs on the rebuild thread, never raises."""
        if not self._search_wanted():
            return
        renderer = self.builder.state.renderer
        language = renderer.site.config.language if renderer is not None else "en"
        try:
            refresh_index(self.out, language)
        except (UsageError, OSError) as exc:
            self.console.error(f"search index not refreshed: {exc}")

    def _refresh_search_later(self) -> None:
        """Re-index once the preview has been quiet for SEARCH_DELAY seconds.

        Pagefind reads every page and keeps a core busy for about 200 ms: run
        straight after a rebuild it slowed the browser's fetch of the new page
        or stylesheet, and it held the rebuild thread when the next save came.
        Each rebuild pushes it back; the index catches up when the writer pauses.
        """
        if self.loop is None or not self._search_wanted():
            return
        if self._search_due is not None:
            self.loop.remove_timeout(self._search_due)
        self._search_due = self.loop.call_later(SEARCH_DELAY, self._search_if_quiet)

    def _search_if_quiet(self) -> None:
        self._search_due = None
        if self.pending or self.state.building:
            self._refresh_search_later()
        else:
            self.executor.submit(self._refresh_search_now)

    def run(self, open_browser: bool = False) -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        self.loop = IOLoop.current()
        self._settled = asyncio.Event()
        self._settled.set()
        app = make_app(self)
        # request heads up to 1 MB are read, so an over-long URL gets a 414 rather than a closed
        # connection (tornado's default limit is 64 KB)
        server = HTTPServer(app, xheaders=False, max_header_size=1 << 20)
        server.add_sockets(self.sockets)
        poller = PeriodicCallback(self._poll, self.interval * 1000)
        poller.start()
        signal.signal(signal.SIGTERM, lambda *_: self.loop.add_callback(self.loop.stop))
        self.console.info(f"Serving {self.url}  (watching content/, data/, templates/, static/, "
                          f"schemas/; Ctrl+C to stop)")
        if open_browser:
            self.loop.add_callback(lambda: webbrowser.open(self.url))
        try:
            self.loop.start()
        except KeyboardInterrupt:
            pass
        finally:
            poller.stop()
            self.watcher.close()
            server.stop()
            self.executor.shutdown(wait=True, cancel_futures=True)
            if self.builder.state.unsaved:   # its settle was cancelled
                self._settle()
            self.console.info("stopped")

    def log_request(self, handler: web.RequestHandler) -> None:
        if self.console.verbosity >= 2:
            request = handler.request
            self.console.debug(f"{handler.get_status()} {request.method} {request.uri} "
                               f"{request.request_time() * 1000:.1f} ms")

    # -- watching and rebuilding ----------------------------------------------
    def _walk(self, written: set[str] | None) -> tuple[dict[str, Any], SourceWalk] | None:
        """The watcher's walk is the one a build makes (cache.input_stats): the rebuild that
        follows takes it rather than stat-ing every source again.  After writes in place,
        only the written files are stat-ed (cache.restat), when the watcher says which."""
        if written is not None:
            walked = restat(self.watcher.latest, self.project.root, written)
            return None if walked is None else (walked[0], walked)
        found: Found = {}
        stats = input_stats(self.project, found)
        return stats, (stats, found)

    def _poll(self) -> None:
        now = time.monotonic()
        changes = self.watcher.scan()
        if changes:
            if not self.pending:
                self.first_change = now
            for change in changes:
                earlier = self.pending.get(change.path)
                if earlier is not None and earlier.kind == "added" and change.kind != DELETED:
                    change = earlier
                self.pending[change.path] = change
            self.last_change = now
            self._settled.clear()
        if (self.pending and not self.state.building
                and (now - self.last_change >= self.debounce or now - self.first_change >= 1.0)):
            self._start_build()

    def _start_build(self) -> None:
        batch = sorted(self.pending.values(), key=lambda c: str(c.path))
        self.pending = {}
        self.state.building = True
        self._settled.clear()
        self.early_done = set()
        open_pages = {w.rel for w in list(LiveReloadHandler.waiters) if getattr(w, "rel", "")}
        future = self.executor.submit(self._run_build, {c.path for c in batch}, open_pages, self.watcher.latest)
        self.loop.add_future(future, lambda f: self._finish_build(batch, *f.result()))

    def _run_build(self, changed: set[Path] | None, open_pages: set[str] | None = None,
                   walk: SourceWalk | None = None) -> tuple[str, Any, float]:
        """On the worker thread: never raises."""
        started = time.perf_counter()

        def early(rels: list[str]) -> None:
            """The open pages are in place: show them now, and let the browser fetch them
            before the rest of the rebuild takes the processor (and Python's lock) back."""
            if self.loop is None:
                return
            served = self._early_served = threading.Event()
            self.loop.add_callback(self._notify_early, rels)
            served.wait(EARLY_GRACE)
            self._early_served = None
        try:
            outcome: tuple[str, Any] = ("ok", self.builder.rebuild(changed, open_pages, early, walk))
        except ContentError as exc:
            outcome = ("error", exc.diagnostics)
        except UsageError as exc:
            outcome = ("error", [Diagnostic("build.py serve", 0, 0, "error", str(exc))])
        except Exception as exc:  # a bug in the tool: keep serving, say so
            outcome = ("error", [Diagnostic("build.py serve", 0, 0, "error",
                                            f"internal error: {type(exc).__name__}: {exc}")])
        return outcome[0], outcome[1], time.perf_counter() - started

    def _finish_build(self, batch: list[Change], kind: str, value: Any, seconds: float) -> None:
        state = self.state
        state.building = False
        state.builds += 1
        stamp = time.strftime("%H:%M:%S")
        what = describe(batch, self.project)
        was_ok = state.ok
        if kind == "ok":
            result: RebuildResult = value
            state.ok, state.errors, state.last_result = True, [], result
            state.generation += 1
            if not batch or any(c.path == self.project.site_file for c in batch):
                self.base_path = base_path_of(self.project, self.base_url)
            self.console.diagnostics(result.warnings)
            written = len(result.changed_outputs) + len(result.removed_outputs)
            fixed = "" if was_ok else " (errors fixed)"
            self.console.info(f"{stamp} {what} -> {result.pages_rendered} pages rebuilt, "
                              f"{written} written in {seconds * 1000:.0f} ms{fixed}")
            self._notify(result)
            if result.changed_outputs or result.removed_outputs:
                self._refresh_search_later()
        else:
            diagnostics: list[Diagnostic] = value
            state.ok = False
            state.errors = [d.format() for d in diagnostics if d.is_error] or \
                [d.format() for d in diagnostics]
            count = len([d for d in diagnostics if d.is_error])
            self.console.info(f"{stamp} {what} -> build failed with {count} error"
                              f"{'s' if count != 1 else ''}; still serving the last good pages")
            self.console.diagnostics(diagnostics)
        self.early_done = set()
        self._broadcast_status()
        if not self.pending and self._settled is not None:
            self._settled.set()
        if self.loop is not None:
            self.executor.submit(self._settle)

    def _settle(self) -> None:
        """After a build, once the browsers were told (on the rebuild thread): save the build
        cache and check output/ (IncrementalBuilder.settle); repair what something else changed."""
        try:
            repair = self.builder.settle()
        except OSError as exc:
            self.console.error(f"build cache not saved in .cache/: {exc.strerror or exc}")
            return
        if repair and self.loop is not None:
            self.console.info("a file in output/ was changed or deleted outside the preview: rebuilding")
            self.loop.add_callback(self._repair)

    def _repair(self) -> None:
        """A file in output/ was deleted or changed by something else: rebuild (every file is
        checked then, and the missing or altered ones are written again)."""
        if self.out not in self.pending:
            now = time.monotonic()
            if not self.pending:
                self.first_change = now
            self.pending[self.out] = Change(self.out, CHANGED)
            self.last_change = now
            if self._settled is not None:
                self._settled.clear()

    async def settled(self, timeout: float = 15.0) -> None:
        """Wait until no rebuild is running or queued (bounded, so a hang never blocks serving)."""
        if self._settled is None or self._settled.is_set():
            return
        try:
            await asyncio.wait_for(self._settled.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    # -- telling the browsers -------------------------------------------------
    def status(self) -> dict[str, Any]:
        return {"command": "status", "ok": self.state.ok, "errors": self.state.errors,
                "generation": self.state.generation, "builds": self.state.builds, "building": self.state.building,
                "base_path": self.base_path}

    def _broadcast_status(self) -> None:
        message = self.status()
        for waiter in list(LiveReloadHandler.waiters):
            waiter.send_message(message)

    def _notify(self, result: RebuildResult) -> None:
        """Reload exactly the open pages whose output changed; restyle in place for CSS-only changes."""
        touched = set(result.changed_outputs) | set(result.removed_outputs)
        if not touched:
            return
        styles = sorted(p for p in result.changed_outputs if p.endswith(".css"))
        renames = css_renames(result)
        scripts = any(p.endswith(".js") for p in touched)
        fresh: dict[str, bytes | None] = {}
        for waiter in list(LiveReloadHandler.waiters):
            deps = getattr(waiter, "deps", set())
            rel = getattr(waiter, "rel", "")
            if not (scripts or deps & touched):
                for style in styles:
                    waiter.send_reload(self.base_path + style)
                continue
            if rel not in fresh:
                fresh[rel] = self._read(rel)
            old, new = self.pages.get(rel), fresh[rel]
            if rel in self.early_done and deps & touched == {rel} and old == new:
                continue    # already shown by _notify_early
            if (not scripts and renames and deps & touched == {rel} and old is not None and new is not None
                    and replace_all(old, renames) == new):
                version = digest(new)
                for before, after in renames:
                    waiter.send_reload(self.base_path + after, self.base_path + before, version)
            else:
                waiter.send_reload(waiter.page_path)
        for rel, data in fresh.items():
            if data is not None:
                self.pages[rel] = data

    def _notify_early(self, rels: list[str]) -> None:
        """Pages rendered ahead of the rest of a rebuild: browsers showing them update now,
        and requests for them stop waiting for the whole rebuild."""
        told = False
        if not self.pending:      # otherwise newer saves are queued: this version is already stale
            self.early_done.update(rels)
            for waiter in list(LiveReloadHandler.waiters):
                rel = getattr(waiter, "rel", "")
                if rel in rels:
                    data = self._read(rel)
                    if data is not None and data != self.pages.get(rel):
                        self.pages[rel] = data
                        waiter.send_reload(waiter.page_path)
                        told = True
        if not told:
            self.early_served()

    def early_served(self) -> None:
        """A browser has fetched an early page (or none will): the rebuild may go on."""
        served = self._early_served
        if served is not None:
            served.set()

    def ready_early(self, raw_path: str) -> bool:
        """A request for a page already put in place by the running rebuild need not wait for it."""
        if not self.early_done or self.pending:
            return False
        return self.resolve(raw_path).rel in self.early_done

    def _read(self, rel: str) -> bytes | None:
        try:
            return (self.out / rel).read_bytes() if rel else None
        except OSError:
            return None

    # -- mapping URLs to files ------------------------------------------------
    def resolve(self, raw_path: str) -> Target:
        """Map a request path (still %-encoded) to a file inside output/ (see paths.py)."""
        return OutputMap(self.out, self.base_path).resolve(raw_path)

    def deps_of(self, url: str) -> tuple[str, str, set[str], str]:
        """For a page open in a browser: (URL path, output file, the files it shows, version served)."""
        try:
            path = urlsplit(url).path or "/"
        except ValueError:          # the browser's report is not a URL ("http://[")
            path = "/"
        target = self.resolve(path)
        deps = {target.rel} if target.rel else set()
        if target.status == 404:
            deps.add("404.html")
        data = None
        if target.file is not None:
            try:
                data = target.file.read_bytes()
            except OSError:
                data = None
        if data is not None and target.status == 200:
            self.pages[target.rel] = data
        return path, target.rel, deps, digest(data) if data is not None else "missing"
