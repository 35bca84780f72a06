"""The editor's checks, kept warm: a shadow copy of the sources built incrementally.

Checking a save must run the build's own rules on the would-be file (``build.py check``
does: load, validate, render every page in memory, site rules).  Run from scratch on a
temporary copy that costs the real site ~0.35-0.45 s a save.  Here one copy of the sources
is kept for the life of the preview, with its own :class:`IncrementalBuilder` (its own
output folder and cache, in the same temporary folder): before each check the copy is
brought up to date with the project (files whose size or modification time differ are
copied again, with their times; files gone are deleted), the would-be file is put in place,
and the copy is rebuilt.  Only what the file affects is rendered again (one record's
source: the 10 pages that show it), and a failing build raises the same ContentError with
the same messages.  A rebuild never touches the project or its output folder.

The result is what a build of the project with that file would say; any failure of the
machinery itself falls back to the full check (editor.check_with).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

from .. import NAME
from ..config import BuildOptions
from ..diagnostics import ContentError, Diagnostic
from ..project import Project


class ShadowChecker:
    def __init__(self, project: Project):
        self.project = project
        self.lock = threading.Lock()
        self.folder: Path | None = None
        self.builder = None

    def close(self) -> None:
        with self.lock:
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
                self.folder, self.builder = None, None

    def _sync(self, site: Path) -> set[Path]:
        """Make the copy's sources (in *site*) equal the project's; the copy's paths that changed."""
        changed: set[Path] = set()
        for top in self.project.source_dirs():
            mirror = site / top.name
            seen: set[str] = set()
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                rel_dir = os.path.relpath(dirpath, top)
                for name in filenames:
                    if name.startswith("."):
                        continue
                    rel = os.path.normpath(os.path.join(rel_dir, name))
                    seen.add(rel)
                    source, target = Path(dirpath) / name, mirror / rel
                    try:
                        st = source.stat()
                        tt = target.stat() if target.exists() else None
                    except OSError:
                        continue
                    if tt is None or tt.st_size != st.st_size or tt.st_mtime_ns != st.st_mtime_ns:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(source, target)
                        changed.add(target)
            if mirror.is_dir():
                for dirpath, _dirnames, filenames in os.walk(mirror):
                    for name in filenames:
                        rel = os.path.normpath(os.path.join(os.path.relpath(dirpath, mirror), name))
                        if rel not in seen:
                            os.unlink(os.path.join(dirpath, name))
                            changed.add(Path(dirpath) / name)
        return changed

    def check(self, rel: str, text: str) -> list[Diagnostic]:
        """Every diagnostic a build of the project would give with *text* as the file *rel*."""
        from .rebuild import IncrementalBuilder
        with self.lock:
            if self.folder is None:
                self.folder = Path(tempfile.mkdtemp(prefix=f"{NAME}-editor-"))
                self.builder = IncrementalBuilder(Project(self.folder / "site"), self.folder / "output",
                                                  options=BuildOptions(defer_search=True))
                (self.folder / "site").mkdir()
            site = self.folder / "site"
            changed = self._sync(site)
            target = site / rel
            target.write_text(text, encoding="utf-8")
            changed.add(target)
            try:
                result = self.builder.rebuild(changed)   # type: ignore[union-attr]
            except ContentError as exc:
                return list(exc.diagnostics)
            return list(result.warnings)
