"""Repeated builds in one process (``serve``) and across runs (the build cache).

``IncrementalBuilder.rebuild`` is the single entry point that the live
preview and the command line use.  It reports which output files changed so
that the preview reloads exactly the pages that need it.

The first version re-renders every page and compares the result with the
previous output; dependency-aware re-rendering plugs in behind the same
interface.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic
from .pipeline import build
from .project import Project


@dataclass
class RebuildResult:
    pages_rendered: int
    changed_outputs: list[str] = field(default_factory=list)   # paths inside output/, sorted
    removed_outputs: list[str] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0


def _fingerprints(out: Path) -> dict[str, str]:
    if not out.is_dir():
        return {}
    return {p.relative_to(out).as_posix(): hashlib.blake2b(p.read_bytes(), digest_size=16).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


class IncrementalBuilder:
    def __init__(self, project: Project, out: Path, base_url: str | None = None):
        self.project = project
        self.out = out
        self.base_url = base_url
        self._previous: dict[str, str] | None = None

    def rebuild(self, changed: set[Path] | None = None) -> RebuildResult:
        """Bring the output up to date; raises ContentError (output untouched) on bad sources."""
        started = time.perf_counter()
        before = self._previous if self._previous is not None else _fingerprints(self.out)
        result = build(self.project, self.out, base_url=self.base_url)
        after = _fingerprints(self.out)
        self._previous = after
        return RebuildResult(
            pages_rendered=len(result.pages),
            changed_outputs=sorted(k for k, v in after.items() if before.get(k) != v),
            removed_outputs=sorted(k for k in before if k not in after),
            warnings=result.warnings,
            seconds=time.perf_counter() - started,
        )
