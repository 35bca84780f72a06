"""What the source cache keeps between builds, and how it is kept on disk.

One row per source file (:class:`PageRow`, :class:`DataRow`) and the check results that
depend on them all (:class:`State`); :func:`read_state` and :func:`write_state` keep the
state in ``.cache/`` through the common store (a full file plus a delta, see store.py).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from .. import NAME
from ..diagnostics import Diagnostic
from ..load.yamlsource import YamlDoc
from ..project import Project
from ..validate.checks import DataCheck, TemplateCheck
from . import store
from .cache import version_key

FORMAT = 1
CACHE_NAME = "sources.pickle"
DELTA_NAME = "sources.delta.pickle"
#: a file modified less than this before a scan began: its stat is not recorded (see _Run.recorded)
RACY_NS = 2_000_000_000

Stat = tuple[int, int, int, int]   # size, mtime_ns, inode, ctime_ns
RowT = TypeVar("RowT", "PageRow", "DataRow")


def stat_key(st: os.stat_result) -> Stat:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


class PageRow(NamedTuple):
    """One Markdown file as the cache keeps it: enough to rebuild its SourcePage and its checks.

    Loading 10,000 of these is most of a cached build's cost, so a row holds
    few Python objects: positions and facts stay packed bytes until needed,
    and a message position for the output path is looked up only for a message.
    """

    stat: Stat | None                           # None: racy when recorded, compare the bytes
    digest: str                                 # of the file's bytes
    name: str
    meta: dict[str, Any]                        # front matter values
    meta_digest: str
    positions: bytes                            # pack_positions(front matter)
    body_line: int
    facts: bytes                                # pack_facts(PageFacts): to re-check without reading the file
    claim: tuple[str, bool]                     # the page's Claim (output path, safe) as a plain tuple
    schema: tuple[Diagnostic, ...] | None       # None: not checked yet
    problems: tuple[Diagnostic, ...] | None

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled as a plain tuple: unpickling then calls C code only (NamedTuple's default
        # calls a Python __new__ per row)
        return (tuple.__new__, (PageRow, tuple(self)))


class DataRow(NamedTuple):
    """One data file (or site.yaml) as the cache keeps it: small, so the whole parsed document."""

    stat: Stat | None
    digest: str
    doc: YamlDoc


@dataclass
class State:
    """Everything kept between builds.  Per-page results hold for ``schema_fp`` and ``ctx_fp``."""

    format: int = FORMAT
    pages: dict[str, PageRow] = field(default_factory=dict)      # by rel
    data: dict[str, DataRow] = field(default_factory=dict)       # by rel
    schema_fp: str = ""
    ctx_fp: str = ""
    schema_valid: frozenset[str] = frozenset()  # schema file digests that passed check_schema
    cited: dict[str, int] = field(default_factory=dict)           # reference id -> pages citing it
    data_check: tuple[str, DataCheck] | None = None              # (digest of its inputs, result)
    templates: tuple[str, TemplateCheck] | None = None           # (TemplateFiles.key, result)


# -- the files ------------------------------------------------------------------------

MAGIC = f"{NAME} sources\n".encode()


@dataclass
class Stored:
    """The state read from disk, and the full file it came from (so that a delta can be written)."""

    state: State
    base_id: str
    base_pages: dict[str, PageRow]


def cache_path(project: Project) -> Path:
    return project.cache_dir / CACHE_NAME


def delta_path(project: Project) -> Path:
    return project.cache_dir / DELTA_NAME


def _header() -> bytes:
    return MAGIC + version_key().encode() + b"\n"


def read_state(project: Project) -> Stored | None:
    """The stored state (the full file plus its delta, if any), or None."""
    full = store.read(cache_path(project), _header())
    if not (isinstance(full, tuple) and len(full) == 2 and isinstance(full[1], State)
            and full[1].format == FORMAT):
        return None
    base_id, base = full
    delta = store.read(delta_path(project), _header())
    if not (isinstance(delta, store.Delta) and delta.base_id == base_id and isinstance(delta.rest, State)
            and delta.rest.format == FORMAT):
        return Stored(base, base_id, base.pages)
    state = delta.rest
    state.pages = store.applied(base.pages, delta)
    return Stored(state, base_id, base.pages)


def write_state(project: Project, state: State, stored: Stored | None) -> str:
    """Write a delta against the full file *stored* came from, or a new full file.

    Returns what was written ("delta" or "full"), or "" if nothing could be.
    """
    if stored is not None:
        found = store.changes(stored.base_pages, state.pages)
        if found is not None:
            delta = store.Delta(stored.base_id, found[0], found[1], dataclasses.replace(state, pages={}))
            return "delta" if store.write(delta_path(project), delta, _header()) else ""
    base_id = store.new_base_id()
    if not store.write(cache_path(project), (base_id, state), _header()):
        return ""
    try:
        delta_path(project).unlink()
    except OSError:
        pass
    return "full"
