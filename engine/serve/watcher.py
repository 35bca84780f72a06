"""Change detection for the live preview.

livereload's stock :class:`~livereload.watcher.Watcher` compares float mtimes,
stops at the first changed file of a folder and is polled every 0.8 s behind
a 3 s "ignore" window.  :class:`SourceWatcher` keeps its registry interface
(``watch``/``examine``) but takes a full snapshot on every scan, so it sees
every new, changed, renamed and deleted file at once (by nanosecond mtime,
size and inode, which also catches editors that save by renaming a temporary
file over the original).  Scanning the few hundred files of a site with
``os.scandir`` takes well under a millisecond, so it is polled every ~20 ms.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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


class SourceWatcher(Watcher):
    """Watches files and folders; :meth:`scan` returns what changed since the last scan."""

    def __init__(self, paths: list[Path] | None = None):
        super().__init__()
        self._snapshot: dict[str, Stamp] = {}
        for path in paths or []:
            self.watch(str(path))
        self._snapshot = self._take()
        self.filepath = None

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
        """Every file added, changed or deleted since the previous scan, sorted by path."""
        new = self._take()
        old = self._snapshot
        self._snapshot = new
        changes = [Change(Path(p), ADDED if p not in old else CHANGED)
                   for p, stamp in new.items() if old.get(p) != stamp]
        changes += [Change(Path(p), DELETED) for p in old if p not in new]
        return sorted(changes, key=lambda c: str(c.path))
