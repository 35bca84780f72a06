"""The files of both caches (build cache and source cache): one way to keep them on disk.

Each cache is a *full* file plus, after small changes, a *delta* against it, so a build that
changed one page of 10,000 writes one entry rather than 10,000.  A file starts with a header
(the cache's name and the tool's version key: another version's file is simply not used) and a
CRC-32 of the payload (a truncated or damaged file is not used either); it is written to a
temporary name and renamed, so a killed build never leaves half a file.  Any file that cannot
be read means a full build, never a failed one.
"""

from __future__ import annotations

import os
import pickle
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .collector import collector_off

#: write a full file instead of a delta when the delta would hold more entries than this share
DELTA_SHARE = 20
DELTA_MIN = 64


@dataclass
class Delta:
    """The entries added or changed since the full file *base_id* was written, the entries
    removed, and everything else (small)."""

    base_id: str
    pages: dict[str, Any]
    removed: list[str]
    rest: Any


def new_base_id() -> str:
    return f"{time.time_ns()}-{os.getpid()}"


def changes(base: dict[str, Any], pages: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
    """The entries of *pages* that are not the very objects of *base*, and those gone; None when
    there are so many that a full file is due."""
    changed = {rel: entry for rel, entry in pages.items() if base.get(rel) is not entry}
    removed = [rel for rel in base if rel not in pages]
    if len(changed) + len(removed) > max(DELTA_MIN, len(pages) // DELTA_SHARE):
        return None
    return changed, removed


def applied(base: dict[str, Any], delta: Delta) -> dict[str, Any]:
    """*base*'s entries with *delta* applied."""
    pages = dict(base)
    for rel in delta.removed:
        pages.pop(rel, None)
    pages.update(delta.pages)
    return pages


def _checksum(payload: bytes | memoryview) -> bytes:
    """Eight hex digits and a newline: CRC-32 catches truncation and stray bytes, at memory speed."""
    return b"%08x\n" % zlib.crc32(payload)


def read(path: Path, header: bytes) -> Any:
    """The object stored in *path*, or None when absent, from another version, truncated or corrupt."""
    try:
        blob = path.read_bytes()
        if not blob.startswith(header):
            return None
        checksum, payload = blob[len(header):len(header) + 9], memoryview(blob)[len(header) + 9:]
        if checksum != _checksum(payload):
            return None
        with collector_off():     # many long-lived containers, no cyclic garbage
            return pickle.loads(payload)
    except Exception:  # noqa: BLE001 - any unreadable cache means a full build, never a failed one
        return None


def write(path: Path, value: Any, header: bytes) -> bool:
    """Write atomically (temporary file + rename); False if it could not be written."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        gitignore = path.parent / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("# build cache: safe to delete\n*\n", encoding="utf-8")
        with open(tmp, "wb") as fh:
            fh.write(header + _checksum(payload))
            fh.write(payload)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False
    return True
