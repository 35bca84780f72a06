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
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


class Notifications:
    """Sets a flag whenever the operating system reports a change under the watched paths."""

    def __init__(self, paths: list[Path]):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        flag = self._flag = threading.Event()

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                if event.event_type not in ("opened", "closed_no_write"):   # reads change nothing
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

    def changed(self) -> bool:
        """Whether anything was reported since the last call."""
        if not self._flag.is_set():
            return False
        self._flag.clear()   # before the caller walks: a change made during the walk sets it again
        return True

    def close(self) -> None:
        self._observer.stop()


def notifications(paths: list[Path]) -> Notifications | None:
    """Change notifications for *paths*, or None where watchdog is absent or refuses them."""
    try:
        return Notifications(paths)
    except Exception:  # noqa: BLE001 - ImportError, or OSError (e.g. the inotify watch limit): poll
        return None


class SourceWatcher(Watcher):
    """Watches files and folders; :meth:`scan` returns what changed since the last scan."""

    def __init__(self, paths: list[Path] | None = None, notify: bool = True):
        super().__init__()
        self._snapshot: dict[str, Stamp] = {}
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
    def _take(self) -> dict[str, Stamp]:
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

    def scan(self) -> list[Change]:
        """Every file added, changed or deleted since the previous scan, sorted by path.

        With notifications, the folders are walked only when one arrived (or
        :data:`RESCAN_EVERY` seconds after the last walk)."""
        now = time.monotonic()
        if self.notes is not None and not self.notes.changed() and now - self._walked < RESCAN_EVERY:
            return []
        self._walked = now
        new = self._take()
        old = self._snapshot
        self._snapshot = new
        changes = [Change(Path(p), ADDED if p not in old else CHANGED)
                   for p, stamp in new.items() if old.get(p) != stamp]
        changes += [Change(Path(p), DELETED) for p in old if p not in new]
        return sorted(changes, key=lambda c: str(c.path))
