"""The persistent build cache (``.cache/``) and the fingerprints it compares.

What is stored, per output folder, in one pickle file:

* ``key``      - the cache version: format number, tool version, Python and
                 dependency versions and a hash of the engine's own code.  Any
                 difference and the whole cache is ignored (a cold build).
* ``glob``     - fingerprint of the site-wide inputs (site.yaml, base URL,
                 asset names); a change re-renders every page.
* ``pages``    - per output file: the page's own fingerprint, the fingerprint
                 of every dependency it recorded while rendering (templates,
                 records, selections, listings ...), the records it showed and
                 the references it cited (for second-pass listings), the hash of
                 the HTML it produced, and the stat of the file written.  The
                 HTML itself is not stored: the output folder holds it, and the
                 stat says whether that copy can be trusted.
* ``files``    - hash and stat of every other file written (static, site-wide outputs).
* ``site_key`` - fingerprint of what the site-wide files are made from.
* ``inputs``   - stat of every source file, for the "nothing changed" shortcut.
* ``warnings`` - the diagnostics of that build, to repeat them on a no-op.

The folder is safe to delete at any time; it is git-ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .project import Project
from .sources import walk_visible

FORMAT = 4
DEPENDENCIES = ("Jinja2", "Markdown", "MarkupSafe", "PyYAML", "jsonschema", "pagefind")

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


def _module_version(name: str) -> str:
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


_VERSION_KEY: str | None = None


def version_key() -> str:
    """Changes whenever the tool, Python or a rendering dependency changes."""
    global _VERSION_KEY
    if _VERSION_KEY is None:
        from . import __version__
        engine = Path(__file__).resolve().parent
        code = hashlib.blake2b(digest_size=12)
        for path in sorted(engine.rglob("*.py")):
            code.update(path.relative_to(engine).as_posix().encode())
            code.update(path.read_bytes())
        parts = [str(FORMAT), __version__, sys.version, platform.machine(), code.hexdigest()]
        parts += [f"{n}={_module_version(n)}" for n in DEPENDENCIES]
        _VERSION_KEY = h("|".join(parts))
    return _VERSION_KEY


@dataclass
class PageEntry:
    self_fp: str
    deps: dict[tuple[str, str], str]
    shown: frozenset[tuple[str, str]]
    cited: tuple[str, ...]
    html: str            # hash of the HTML
    stat: Stat | None = None


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
    site_key: str = ""       # fingerprint of the inputs of the site-wide files (sitemap, feed, 404)
    site_files: tuple[str, ...] = ()


def cache_file(project: Project, out: Path) -> Path:
    return project.cache_dir / f"build-{h(str(out.resolve()))}.pickle"


def load(project: Project, out: Path) -> BuildCache | None:
    """The cache for *out*, or None when absent, unreadable or from another version."""
    path = cache_file(project, out)
    try:
        with open(path, "rb") as fh:
            data = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(data, BuildCache) or data.key != version_key():
        return None
    return data


def save(project: Project, out: Path, cache: BuildCache) -> None:
    path = cache_file(project, out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        gitignore = path.parent / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("# build cache: safe to delete\n*\n", encoding="utf-8")
        tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
        with open(tmp, "wb") as fh:
            pickle.dump(cache, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass   # a cache that cannot be written only costs time next build


def source_roots(project: Project) -> list[Path]:
    return [project.content_dir, project.data_dir, project.templates_dir, project.static_dir,
            project.schemas_dir]


def input_stats(project: Project) -> dict[str, Stat | None]:
    """Stat of every visible file under the source folders (the files the build reads)."""
    stats: dict[str, Stat | None] = {}
    root = str(project.root)
    for top in source_roots(project):
        if not top.is_dir():
            stats[project.rel(top) + "/"] = None
            continue
        for dirpath, filenames in walk_visible(top):
            for name in filenames:
                full = os.path.join(dirpath, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                stats[os.path.relpath(full, root)] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return stats
