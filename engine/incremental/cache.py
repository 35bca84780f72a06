"""The persistent build cache (``.cache/``) and the fingerprints it compares.

What is stored, per output folder, in a pickle file (``build-*.pickle``)
plus the pages changed since it was written (``build-*.delta``, rewritten
into a new full file when it grows past a twentieth of the pages):

* ``key``      - the cache version: format number, tool version, Python and
                 dependency versions and a hash of the engine's own code.  Any
                 difference and the whole cache is ignored (a cold build).
* ``glob``     - fingerprint of the site-wide inputs (site.yaml, base URL,
                 asset names); a change re-renders every page.
* ``deps``     - every dependency pages recorded while rendering (templates,
                 records, selections, listings ...), numbered, with its
                 fingerprint at the last build (:class:`DepTable`).
* ``pages``    - per output file: the page's own fingerprint, the numbers of
                 the dependencies it recorded, the records it showed and the
                 references it cited (for second-pass listings), the hash of
                 the HTML it produced, and the stat of the file written.  The
                 output folder's copy is trusted when its stat is the recorded
                 one, or else when its bytes hash to the recorded hash; the
                 bytes themselves are kept by hash in ``build-*.files/``
                 (blobs.py), so a fresh clone with no output folder writes its
                 pages without rendering them.
* ``files``    - hash and stat of every other file written (static, site-wide outputs).
* ``site_deps``- per site-wide file (sitemap, feed, 404 ...): the numbers of
                 the dependencies it was made from, like a page's.
* ``inputs``   - stat of every source file, for the "nothing changed" shortcut
                 (stored in the stamp only, see :class:`Stamp`).
* ``warnings`` - the diagnostics of that build, to repeat them on a no-op.
* ``search``   - the search index's files (by hash) and the HTML it was made from, so that
                 a fresh clone need not run the indexer again (blobs.restore_index).

``.cache/jinja/`` holds the compiled templates (bytecode.py).

Nothing stored depends on where the project is: paths are relative to the project
root (an output folder outside the project is named by its absolute path, the one
case that does not travel), every entry is valid when the *content* it was made
from is (stats are only a shortcut: an unknown stat means reading and hashing),
and the version key hashes the engine's code, not its file times.  So ``.cache/``
copied to another folder or restored into a fresh clone (CI) is used as it is.

The folder is safe to delete at any time; it is git-ignored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import stat
import sys
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .. import NAME
from ..deps import Dep
from ..project import Project
from . import store

FORMAT = 8   # 8: named by the output folder relative to the project; output bytes kept (blobs.py)
DEPENDENCIES = ("Jinja2", "Markdown", "MarkupSafe", "PyYAML", "jsonschema", "pagefind", "nh3")

Stat = tuple[int, int, int]   # size, mtime_ns, inode


def h(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def fingerprint(value: Any) -> str:
    """Stable hash of a plain value (YAML data, front matter).

    ``repr`` keeps dict order, which templates can see, and distinguishes
    ``1`` from ``"1"`` and dates from strings.
    """
    return h(repr(value))


def stat_of(path: Path) -> Stat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _normalised(project: str) -> str:
    return re.sub(r"[-_.]+", "-", project).lower()


def _installed_versions() -> dict[str, str]:
    """Project name -> version, from the ``<name>-<version>.dist-info`` folder names on
    ``sys.path`` (the first wins, as for imports).

    A folder listing, where importlib.metadata costs 25 ms to import and query
    on every build, no-op builds included.
    """
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                project, _, version = name[:-len(".dist-info")].partition("-")
                found.setdefault(_normalised(project), version)
    return found


def _module_version(name: str, installed: dict[str, str]) -> str:
    """The installed version of project *name*; importlib.metadata when no dist-info folder
    names it (an egg or an unusual install)."""
    version = installed.get(_normalised(name))
    if version:
        return version
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


_VERSION_KEY: str | None = None


def _machine() -> str:
    """``platform.machine()``, without importing platform (a few ms of every build) where
    ``os.uname`` gives the same answer."""
    if hasattr(os, "uname"):
        return os.uname().machine
    import platform
    return platform.machine()


def version_key() -> str:
    """Changes whenever the tool, Python or a rendering dependency changes."""
    global _VERSION_KEY
    if _VERSION_KEY is None:
        from .. import __version__
        engine = Path(__file__).resolve().parent.parent   # the whole engine package
        code = hashlib.blake2b(digest_size=12)
        for path in sorted(engine.rglob("*.py")):
            code.update(path.relative_to(engine).as_posix().encode())
            code.update(path.read_bytes())
        parts = [str(FORMAT), __version__, sys.version, _machine(), code.hexdigest()]
        installed = _installed_versions()
        parts += [f"{n}={_module_version(n, installed)}" for n in DEPENDENCIES]
        _VERSION_KEY = h("|".join(parts))
    return _VERSION_KEY


def pack_ids(ids: Iterable[int]) -> bytes:
    """Dependency numbers as one bytes object (a type code, then the numbers): a page's
    40-odd numbers pickle and load as a single value, two bytes each on most sites,
    and are read back without building Python objects."""
    ordered = sorted(ids)
    code = "H" if not ordered or ordered[-1] < 1 << 16 else "I"
    return code.encode() + array(code, ordered).tobytes()


def unpack_ids(packed: bytes) -> memoryview:
    return memoryview(packed)[1:].cast(chr(packed[0]))


@dataclass
class DepTable:
    """Every dependency recorded by the pages of the last build, numbered, with its value then.

    After a successful build every page's recorded dependencies had exactly
    these values (a page kept from the cache matched them; a page rendered
    recorded them), so "is this page still clean?" is "did none of its numbers
    change?": each dependency is resolved once per build, not once per page
    that recorded it.  Numbers only grow until :meth:`compacted` renumbers.
    """

    keys: list[Dep] = field(default_factory=list)
    values: list[str] = field(default_factory=list)

    def index(self) -> dict[Dep, int]:
        return {key: i for i, key in enumerate(self.keys)}

    def changed(self, value: Callable[[Dep], str], wanted: Callable[[Dep], bool]) -> tuple[set[int], list[str]]:
        """Numbers of the *wanted* keys whose value differs now, and the current values of those keys
        (the others keep their recorded value)."""
        changed: set[int] = set()
        values = list(self.values)
        for i, key in enumerate(self.keys):
            if wanted(key):
                now = value(key)
                if now != values[i]:
                    changed.add(i)
                    values[i] = now
        return changed, values

    def compacted(self, used: set[int]) -> tuple["DepTable", dict[int, int]]:
        """A table of only the *used* numbers, and old number -> new number."""
        order = sorted(used)
        renumber = {old: new for new, old in enumerate(order)}
        return DepTable([self.keys[i] for i in order], [self.values[i] for i in order]), renumber


@dataclass(slots=True)
class PageEntry:
    self_fp: str
    deps: bytes          # numbers in BuildCache.deps (pack_ids)
    shown: frozenset[tuple[str, str]]
    cited: tuple[str, ...]
    html: str            # hash of the HTML
    stat: Stat | None = None
    #: fingerprint of the page's sources (rel, bytes, breadcrumbs) when ``meta`` was computed
    inputs: str = ""
    meta: str = ""       # pages.page_meta_fp of the page

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled as the class and its fields: 10,000 of these load in half the time of
        # the default (an empty object, then its state set field by field)
        return (PageEntry, (self.self_fp, self.deps, self.shown, self.cited, self.html, self.stat,
                            self.inputs, self.meta))


@dataclass
class BuildCache:
    key: str = ""
    glob: str = ""
    pages: dict[str, PageEntry] = field(default_factory=dict)
    files: dict[str, tuple[str, Stat | None]] = field(default_factory=dict)   # rel -> (hash, stat)
    inputs: dict[str, Stat | None] = field(default_factory=dict)
    noop_key: str = ""
    warnings: list[Any] = field(default_factory=list)
    page_count: int = 0
    started_ns: int = 0      # when the build that wrote this cache started (racy-stat guard)
    deps: DepTable = field(default_factory=DepTable)
    site_deps: dict[str, bytes] = field(default_factory=dict)   # site-wide file -> packed dep numbers
    site_files: tuple[str, ...] = ()     # the site-wide files made (a 404 page needs its template)
    listed: str = ""         # the first-pass pages, in order (pages._listed_fp)
    #: the search index in the output: what it was made from and its files' hashes (blobs.SearchIndex)
    search: tuple[str, dict[str, str]] | None = None
    #: the full file this cache's pages came from (its id and pages), for writing a delta; not stored
    origin: tuple[str, dict[str, PageEntry]] | None = field(default=None, repr=False, compare=False)


def output_key(project: Project, out: Path) -> str:
    """Which output folder a build cache describes, the same wherever the project is:
    its path relative to the project root (``output``), or its absolute path when it is
    outside the project (that cache then does not travel with the project)."""
    out = out.resolve()
    try:
        return "project:" + out.relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return "absolute:" + str(out)


def cache_file(project: Project, out: Path) -> Path:
    return project.cache_dir / f"build-{h(output_key(project, out))}.pickle"


def blobs_dir(project: Project, out: Path) -> Path:
    """Where the bytes of *out*'s files are kept by hash (see blobs.py)."""
    return cache_file(project, out).with_suffix(".files")


@dataclass
class Stamp:
    """What the "nothing changed" check needs, kept apart from the full cache so that a
    no-op build of a large site reads a small file instead of every page's records."""
    key: str
    noop_key: str
    inputs: dict[str, Stat | None]
    outputs: dict[str, Stat | None]      # every file the build wrote, with its stat
    warnings: list[Any]
    page_count: int
    started_ns: int


def stamp_file(project: Project, out: Path) -> Path:
    return cache_file(project, out).with_suffix(".stamp")


def delta_file(project: Project, out: Path) -> Path:
    return cache_file(project, out).with_suffix(".delta")


def header() -> bytes:
    """The start of every build-cache file: the cache's name and the tool's version key."""
    return f"{NAME} build cache\n".encode() + version_key().encode() + b"\n"


def load(project: Project, out: Path) -> BuildCache | None:
    """The cache for *out* (the full file plus its delta, if any), or None when absent,
    unreadable or from another version."""
    full = store.read(cache_file(project, out), header())
    if not (isinstance(full, tuple) and len(full) == 2 and isinstance(full[1], BuildCache)
            and full[1].key == version_key()):
        return None
    base_id, base = full
    cache = base
    delta = store.read(delta_file(project, out), header())
    if (isinstance(delta, store.Delta) and delta.base_id == base_id and isinstance(delta.rest, BuildCache)
            and delta.rest.key == version_key()):
        cache = delta.rest
        cache.pages = store.applied(base.pages, delta)
    cache.origin = (base_id, base.pages)
    return cache


def load_stamp(project: Project, out: Path) -> Stamp | None:
    data = store.read(stamp_file(project, out), header())
    if not isinstance(data, Stamp) or data.key != version_key():
        return None
    return data


def stamp_of(cache: BuildCache) -> Stamp:
    outputs = {rel: entry.stat for rel, entry in cache.pages.items()}
    outputs.update((rel, stat) for rel, (_digest, stat) in cache.files.items())
    return Stamp(cache.key, cache.noop_key, cache.inputs, outputs, cache.warnings, cache.page_count,
                 cache.started_ns)


def _stored(cache: BuildCache, pages: dict[str, PageEntry]) -> BuildCache:
    """What is pickled of *cache*: the input stats live in the stamp only."""
    return dataclasses.replace(cache, pages=pages, inputs={}, origin=None)


def _delta(cache: BuildCache) -> store.Delta | None:
    """*cache* as a delta against the full file it came from, or None when a full file is due."""
    if cache.origin is None:
        return None
    base_id, base = cache.origin
    found = store.changes(base, cache.pages)
    if found is None:
        return None
    return store.Delta(base_id, found[0], found[1], _stored(cache, {}))


def _write_full(project: Project, out: Path, cache: BuildCache) -> bool:
    compact(cache)
    base_id = store.new_base_id()
    if not store.write(cache_file(project, out), (base_id, _stored(cache, cache.pages)), header()):
        return False
    try:
        delta_file(project, out).unlink(missing_ok=True)
    except OSError:
        return False
    cache.origin = (base_id, cache.pages)     # the next build in this process writes a delta against it
    return True


def compact(cache: BuildCache) -> None:
    """Drop the dependency numbers no page or site-wide file uses any more (renumbering the rest),
    once they are the greater part of the table."""
    used: set[int] = set()
    for packed in [e.deps for e in cache.pages.values()] + list(cache.site_deps.values()):
        used.update(unpack_ids(packed))
    if len(cache.deps.keys) <= 2 * len(used) + store.DELTA_MIN:
        return
    cache.deps, renumber = cache.deps.compacted(used)
    for entry in cache.pages.values():
        entry.deps = pack_ids(renumber[i] for i in unpack_ids(entry.deps))
    cache.site_deps = {rel: pack_ids(renumber[i] for i in unpack_ids(packed))
                       for rel, packed in cache.site_deps.items()}


def save(project: Project, out: Path, cache: BuildCache) -> None:
    """Write *cache*: a delta when few pages changed since the full file, else a new full file."""
    try:
        stamp = stamp_file(project, out)
        stamp.unlink(missing_ok=True)      # never a stamp newer than the cache it summarises
    except OSError:
        return   # a cache that cannot be written only costs time next build
    delta = _delta(cache)
    if delta is not None:
        written = store.write(delta_file(project, out), delta, header())
    else:
        written = _write_full(project, out, cache)
    if written:
        store.write(stamp, stamp_of(cache), header())


def source_roots(project: Project) -> list[Path]:
    return project.source_dirs()


#: what :func:`input_stats` saw, per source folder ("content", "data" ...): each file's path
#: and full stat, in the order found (see Listing)
Found = dict[str, "list[tuple[str, os.stat_result]]"]
#: :func:`input_stats`'s result and what it put in *found*: a walk a build can take as its own
SourceWalk = tuple[dict[str, "Stat | None"], Found]


def input_stats(project: Project, found: Found | None = None) -> dict[str, Stat | None]:
    """Stat of every visible file under the source folders (the files the build reads).

    Plain strings and ``os.scandir`` rather than pathlib and ``os.walk``: this runs
    on every build, over every source file, and is most of a no-op build's time.
    With *found*, each file's path and full ``os.stat_result`` are put there too,
    so that loading the sources need not list and stat every file a second time
    (see :class:`Listing`).
    """
    stats: dict[str, Stat | None] = {}
    root = str(project.root)
    for top in source_roots(project):
        if not top.is_dir():
            stats[project.rel(top) + "/"] = None
            continue
        prefix = os.path.relpath(top, root).replace(os.sep, "/")
        files = None
        if found is not None:
            files = found[prefix] = []
        _scan(str(top), prefix, stats, set(), files)
    return stats


def restat(walk: SourceWalk, root: Path, paths: Iterable[str]) -> SourceWalk | None:
    """*walk* (an :func:`input_stats` result) with *paths* stat-ed again: what a new walk
    would find if those files were written in place and nothing else changed.

    None when a path is not one of *walk*'s files (new, or not a source) or is no
    longer a regular file: only a walk can say what is there then.
    """
    stats, found = walk
    new_stats, new_found = dict(stats), dict(found)
    base = str(root) + os.sep
    for path in paths:
        if not path.startswith(base):
            return None
        rel = path[len(base):].replace(os.sep, "/")
        top = rel.split("/", 1)[0]
        if stats.get(rel) is None or top not in found:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        new_stats[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
        files = new_found[top]
        if files is found[top]:
            files = new_found[top] = list(files)
        for i, (name, _) in enumerate(files):
            if name == path:
                files[i] = (name, st)
                break
        else:
            return None
    return new_stats, new_found


def _scan(folder: str, rel: str, stats: dict[str, Stat | None], seen: set[str],
          files: list[tuple[str, os.stat_result]] | None) -> None:
    real = os.path.realpath(folder)
    if real in seen:          # a symlink back up the tree: visit each real folder once
        return
    seen.add(real)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            if entry.is_dir():
                _scan(entry.path, rel + "/" + name, stats, seen, files)
                continue
            st = entry.stat()
        except OSError:
            continue
        stats[rel + "/" + name] = (st.st_size, st.st_mtime_ns, st.st_ino)
        if files is not None:
            files.append((entry.path, st))


class Listing:
    """The source files as :func:`input_stats` found them, handed to the source loader.

    ``files(top, suffixes)`` answers as :func:`engine.sources.scan_files` does
    (regular files with those suffixes, hidden entries skipped, each real folder
    once, in ``walk_files`` order), and ``stat(path)`` as ``_regular_file_stat``,
    without a second walk and ten thousand more ``stat`` calls.  A folder the
    scan did not cover is not answered (None): the caller lists it itself.
    """

    def __init__(self, project: Project, found: Found):
        self.found = found
        self.tops = {str(top): os.path.relpath(top, str(project.root)).replace(os.sep, "/")
                     for top in source_roots(project)}

    def files(self, top: Path, suffixes: tuple[str, ...]) -> list[tuple[str, os.stat_result]] | None:
        files = self.found.get(self.tops.get(str(top), ""))
        if files is None:
            return None
        regular = stat.S_ISREG
        picked = [item for item in files if item[0].endswith(suffixes) and regular(item[1].st_mode)]
        folder = str(top) + os.sep
        if any(path.rfind(os.sep) >= len(folder) for path, _ in picked):   # sub-folders: sort as Paths do
            picked.sort(key=lambda item: item[0].replace(os.sep, "\0"))
        return picked

    def stat(self, path: Path) -> tuple[bool, os.stat_result | None]:
        """(known, stat): whether the scan covered *path*'s folder, and its stat if a regular file."""
        folder, name = os.path.split(str(path))
        files = self.found.get(self.tops.get(folder, ""))
        if files is None or name.startswith("."):
            return False, None
        path_str = str(path)
        for found, st in files:
            if found == path_str:
                return True, (st if stat.S_ISREG(st.st_mode) else None)
        return True, None


def file_intact(out: Path, rel: str, stat: Stat | None, digest: str = "") -> bool:
    """Whether the output folder's *rel* is the file the cache describes: the same stat,
    or else (copied, restored, touched) bytes that hash to *digest*."""
    path = out / rel
    if stat is not None and stat_of(path) == stat:
        return True
    if not digest:
        return False
    try:
        return h(path.read_bytes()) == digest
    except OSError:
        return False


def outputs_intact(out: Path, outputs: dict[str, Stat | None]) -> bool:
    """Every file a build wrote is still there, unmodified (by stat)."""
    base = str(out) + os.sep
    try:
        for rel, stat in outputs.items():
            if stat is None:
                return False
            st = os.stat(base + rel)
            if (st.st_size, st.st_mtime_ns, st.st_ino) != stat:
                return False
    except OSError:
        return False
    return True
