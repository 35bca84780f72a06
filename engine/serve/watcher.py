"""Change detection for the live preview.

livereload's stock :class:`~livereload.watcher.Watcher` compares float mtimes,
stops at the first changed file of a folder and is polled every 0.8 s behind
a 3 s "ignore" window.  :class:`SourceWatcher` keeps its registry interface
(``watch``/``examine``) but takes a full snapshot on every scan, so it sees
every new, changed, renamed and deleted file at once (by nanosecond mtime,
size and inode, which also catches editors that save by renaming a temporary
file over the original).

The server asks every ~20 ms.  Walking a few hundred files takes well under a
millisecond, but ten thousand take 40 ms: polled that often, an idle preview
of a large site kept a core busy.  So the operating system's change
notifications (watchdog: inotify, FSEvents, ReadDirectoryChangesW) say *when*
to walk, and the walk still says *what* changed; without them (watchdog
missing, or the system refuses more watches) every poll walks, as before.  A
walk also runs every :data:`RESCAN_EVERY` seconds regardless, for changes no
notification reports (some network and container file systems).
"""

from __future__ import annotations

import os
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from livereload.watcher import Watcher

Stamp = tuple[int, int, int]  # mtime_ns, size, inode

ADDED, CHANGED, DELETED = "added", "changed", "deleted"


@dataclass(frozen=True)
class Change:
    path: Path
    kind: str  # ADDED / CHANGED / DELETED


def _skip(name: str) -> bool:
    # Same rule as engine.sources.walk_files: hidden files are never sources.
    return name.startswith(".")


#: seconds between walks when notifications say nothing changed (a safety net: see the module doc)
RESCAN_EVERY = 2.0


@dataclass
class News:
    """What the notifications since the last :meth:`Notifications.take` said."""

    #: files written in place (their names: no file appeared, vanished or was renamed)
    written: set[str]
    #: a file or folder was created, deleted or renamed: only a walk can tell what is there now
    moved: bool


class Notifications:
    """Collects what the operating system reports under the watched paths.

    An edit in place (the common save) reports the file's own name, so the
    watcher need only stat that file; anything that adds, removes or renames
    a file or folder makes the next scan walk everything.  Hidden files
    (editors' swap and temporary files) are not sources and are ignored,
    except as the old name of a rename onto a source (an atomic save).
    """

    def __init__(self, paths: list[Path]):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        flag = self._flag = threading.Event()
        lock = self._lock = threading.Lock()
        self._news = News(set(), False)
        notes = self

        def hidden(path: str) -> bool:
            return _skip(os.path.basename(path))

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                kind = event.event_type
                if kind in ("opened", "closed_no_write"):   # reads change nothing
                    return
                src = os.fsdecode(event.src_path)
                with lock:
                    news = notes._news
                    if event.is_directory:
                        if kind != "modified":    # a folder's own "modified": its files report themselves
                            news.moved = True
                    elif kind in ("modified", "closed"):
                        if not hidden(src):
                            news.written.add(src)
                    elif kind == "moved":
                        dest = os.fsdecode(event.dest_path)
                        if not hidden(src) or hidden(dest):
                            news.moved = True
                        else:   # a hidden temporary file saved over a source: a write of that source
                            news.written.add(dest)
                    elif not hidden(src):         # created, deleted
                        news.moved = True
                flag.set()

        self._observer = Observer()
        self._observer.daemon = True
        handler = Handler()
        scheduled: set[str] = set()
        for path in paths:
            # a folder and all below it; a file, or a folder not made yet: what holds it
            recursive = path.is_dir()
            where = path if recursive else next((p for p in path.parents if p.is_dir()), None)
            if where is None or str(where) in scheduled:
                continue
            scheduled.add(str(where))
            self._observer.schedule(handler, str(where), recursive=recursive)
        self._observer.start()

    def take(self) -> News | None:
        """What was reported since the last call (None: nothing)."""
        if not self._flag.is_set():
            return None
        with self._lock:     # before the caller looks: a change made meanwhile is news next time
            self._flag.clear()
            news, self._news = self._news, News(set(), False)
        return news

    def close(self) -> None:
        self._observer.stop()


def notifications(paths: list[Path]) -> Notifications | None:
    """Change notifications for *paths*, or None where watchdog is absent or refuses them."""
    try:
        return Notifications(paths)
    except Exception:  # noqa: BLE001 - ImportError, or OSError (e.g. the inotify watch limit): poll
        return None


#: a walk of the watched files: (a stamp per file, by path; anything the caller wants kept with
#: it).  Given the names of files written in place, it may stat just those and patch its last
#: result, or return None to be called again for a full walk.
Walk = Callable[["set[str] | None"], "tuple[dict[str, Any], Any] | None"]


class SourceWatcher(Watcher):
    """Watches files and folders; :meth:`scan` returns what changed since the last scan.

    With *walk*, that function lists and stats the files instead of the
    watcher's own walk of *paths* (which are still what notifications cover):
    the live preview walks with :func:`engine.incremental.cache.input_stats`, and its
    rebuild takes that walk (:attr:`latest`) instead of stat-ing ten thousand
    files a second time.  Its paths are relative to *root*.
    """

    def __init__(self, paths: list[Path] | None = None, notify: bool = True,
                 walk: Walk | None = None, root: Path | None = None):
        super().__init__()
        self._snapshot: dict[str, Any] = {}
        self._custom_walk = walk
        self.root = root
        #: what *walk* returned with its stamps on the latest walk (None without *walk*)
        self.latest: Any = None
        for path in paths or []:
            self.watch(str(path))
        self.notes = notifications([Path(p) for p in paths or []]) if notify else None
        self._snapshot = self._take()
        self._walked = time.monotonic()
        self.filepath = None

    def close(self) -> None:
        if self.notes is not None:
            self.notes.close()

    # -- livereload.Watcher interface --------------------------------------
    def watch(self, path, func=None, delay=None, ignore=None):  # noqa: D401 - livereload signature
        super().watch(str(path), func, delay, ignore)

    def examine(self):
        """livereload's polling contract: ``(a changed path or None, delay)``."""
        changes = self.scan()
        self.filepath = str(changes[0].path) if changes else None
        return self.filepath, None

    # -- our interface ------------------------------------------------------
    def _take(self) -> dict[str, Any]:
        """A full walk."""
        if self._custom_walk is not None:
            walked = self._custom_walk(None)
            assert walked is not None
            snap, self.latest = walked
            return snap
        snap: dict[str, Stamp] = {}
        for top in self._tasks:
            self._walk(top, snap, set())
        return snap

    def _walk(self, path: str, snap: dict[str, Stamp], seen: set[str]) -> None:
        try:
            st = os.stat(path)
        except OSError:
            return
        if not os.path.isdir(path):
            snap[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
            return
        real = os.path.realpath(path)
        if real in seen:  # a symlink loop
            return
        seen.add(real)
        try:
            entries = list(os.scandir(path))
        except OSError:
            return
        for entry in entries:
            if _skip(entry.name) or entry.name in self.ignored_dirs:
                continue
            try:
                if entry.is_dir():
                    self._walk(entry.path, snap, seen)
                else:
                    st = entry.stat()
                    snap[entry.path] = (st.st_mtime_ns, st.st_size, st.st_ino)
            except OSError:  # vanished between listing and stat
                continue

    def _retake(self, written: set[str]) -> dict[str, Any] | None:
        """The last snapshot with *written* (files it holds) stat-ed again; None if one is
        not in it or is no longer a file (then only a walk can say what happened)."""
        if self._custom_walk is not None:
            walked = self._custom_walk(written)
            if walked is None:
                return None
            snap, self.latest = walked
            return snap
        snap = dict(self._snapshot)
        for path in written:
            if path not in snap:
                return None
            try:
                st = os.stat(path)
            except OSError:
                return None
            if stat.S_ISDIR(st.st_mode):
                return None
            snap[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
        return snap

    def scan(self) -> list[Change]:
        """Every file added, changed or deleted since the previous scan, sorted by path.

        With notifications, nothing is looked at until one arrives; a file
        written in place is then stat-ed alone, and anything else walks the
        folders.  They are also walked :data:`RESCAN_EVERY` seconds after the
        last walk, whatever the notifications said."""
        now = time.monotonic()
        new = None
        if self.notes is not None:
            news = self.notes.take()
            due = now - self._walked >= RESCAN_EVERY
            if news is None and not due:
                return []
            if news is not None and not due and not news.moved:
                if not news.written:   # only folders' own "modified": nothing a walk would find
                    return []
                new = self._retake(news.written)
        if new is None:
            self._walked = now
            new = self._take()
        old = self._snapshot
        self._snapshot = new
        changes = [Change(self._path(p), ADDED if p not in old else CHANGED)
                   for p, stamp in new.items() if old.get(p) != stamp]
        changes += [Change(self._path(p), DELETED) for p in old if p not in new]
        return sorted(changes, key=lambda c: str(c.path))

    def _path(self, key: str) -> Path:
        return Path(key) if self.root is None else self.root / key.rstrip("/")
