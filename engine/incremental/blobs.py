"""The bytes of every file a build wrote, kept in ``.cache/`` by content: what lets a fresh
clone with only ``.cache/`` restored (CI) write its pages without rendering them.

The build cache records, per output file, the hash of its bytes (``PageEntry.html``,
``BuildCache.files``); it used to rely on the output folder to hold those bytes.  A
fresh clone has no output folder, so every page was rendered again although the
cache knew exactly what each one would be.  This store keeps one file per hash,
named by it (``.cache/build-KEY.files/HASH``), next to the build cache of that
output folder.

* Adding costs a hard link to the file just written (no second copy on disk, and
  a link per rendered page, not a write); a copy where linking is not possible.
  The output is only ever replaced by rename (staged and in-place builds alike),
  never rewritten in place, so a linked file keeps the bytes it was added with.
* Every read is checked: the bytes must hash to the name.  A truncated, damaged
  or edited file (someone wrote into the output folder in place) is removed and
  the page is rendered, never written wrong.
* :meth:`Blobs.prune` removes the files no entry of the current cache names.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable

from .cache import h

#: a blob's name: the 24 hex digits of cache.h
_NAME_LEN = 24


class Blobs:
    """The content-addressed copies of one output folder's files (see module docstring)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._names: set[str] | None = None
        self._others: list[str] = []      # anything else found there (a killed copy's temporary file)

    def names(self) -> set[str]:
        """The hashes stored (listed once per build: a lookup of a missing one costs nothing)."""
        if self._names is None:
            try:
                found = os.listdir(self.folder)
            except OSError:
                found = []
            self._names = {name for name in found if len(name) == _NAME_LEN}
            self._others = [name for name in found if len(name) != _NAME_LEN]
        return self._names

    def get(self, digest: str) -> bytes | None:
        """The bytes stored for *digest*, or None when absent or not what the name says."""
        if digest not in self.names():
            return None
        try:
            data = (self.folder / digest).read_bytes()
        except OSError:
            return None
        if h(data) != digest:
            self.drop(digest)
            return None
        return data

    def link_to(self, digest: str, target: Path) -> bool:
        """Hard-link the stored file for *digest* as *target* (a new name in a staging folder),
        after checking its bytes; False when it is absent or damaged (nothing is made then)."""
        if self.get(digest) is None:
            return False
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(self.folder / digest, target)
        except OSError:
            return False
        return True

    def drop(self, digest: str) -> None:
        self.names().discard(digest)
        try:
            (self.folder / digest).unlink()
        except OSError:
            pass

    def add(self, digest: str, path: Path) -> None:
        """Keep *path* (a file just written whose bytes hash to *digest*) under its hash."""
        names = self.names()
        if digest in names:
            return
        target = self.folder / digest
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except FileExistsError:
                pass
            except OSError:     # another file system, or no hard links: a copy, written whole
                tmp = target.with_name(f"{digest}.tmp-{os.getpid()}")
                shutil.copyfile(path, tmp)
                os.replace(tmp, target)
        except OSError:
            return              # costs a render on a fresh clone, nothing else
        names.add(digest)

    def prune(self, wanted: Iterable[str]) -> None:
        """Remove every stored file no current entry names (and leftover temporary files)."""
        names = self.names()
        stale = names.difference(wanted)
        for name in [*stale, *self._others]:
            try:
                os.unlink(self.folder / name)
            except OSError:
                pass
        names -= stale
        self._others = []


# -- the search index ------------------------------------------------------------------
#: the index a build made: (index_key, {path inside the index folder: hash of its bytes})
SearchIndex = tuple[str, dict[str, str]]


def index_key(html: Iterable[tuple[str, str]], language: str) -> str:
    """What the search index is made from: every HTML file of the output (path and hash)
    and the language (Pagefind's version is in the cache's version key)."""
    return h(repr((language, sorted(html))))


def restore_index(blobs: Blobs, stored: SearchIndex | None, key: str, folder: Path) -> bool:
    """Put the index recorded as *stored* into *folder* (new) when it was made from the
    same HTML (*key*) and every file of it is kept; False (and *folder* left absent or
    to be overwritten by the indexer) otherwise.  Indexing runs a separate program over
    every page: on a fresh clone it costs as much as the rest of the build."""
    if stored is None or stored[0] != key or not stored[1]:
        return False
    for rel, digest in sorted(stored[1].items()):
        if not blobs.link_to(digest, folder / rel):
            shutil.rmtree(folder, ignore_errors=True)
            return False
    return True


def record_index(blobs: Blobs, folder: Path, key: str) -> SearchIndex | None:
    """The index now in *folder*, each file kept by hash; None if it cannot be read."""
    files: dict[str, str] = {}
    try:
        for dirpath, _dirs, names in os.walk(folder):
            for name in names:
                path = Path(dirpath) / name
                digest = h(path.read_bytes())
                blobs.add(digest, path)
                files[path.relative_to(folder).as_posix()] = digest
    except OSError:
        return None
    return (key, files) if files else None
