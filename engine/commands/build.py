"""``build.py build``: render the site into output/ (or --output DIR)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..config import BuildOptions
from ..console import Console
from ..pipeline import Progress, build
from ..project import Project


class StderrProgress(Progress):
    """A one-line progress bar on stderr, shown only on a terminal and only after a second."""

    def __init__(self, stream=None, delay: float = 1.0):
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.delay = delay
        self.started = time.perf_counter()
        self.total = 0
        self.done = 0
        self.last = 0.0
        self.shown = False

    def start(self, total: int) -> None:
        self.total, self.done = total, 0

    def advance(self, count: int) -> None:
        self.done += count
        if not self.enabled or self.total <= 0:
            return
        now = time.perf_counter()
        if now - self.started < self.delay or (now - self.last < 0.1 and self.done < self.total):
            return
        self.last = now
        width = 30
        filled = int(width * self.done / self.total)
        self.stream.write(f"\rrendering [{'#' * filled}{'.' * (width - filled)}] "
                          f"{self.done}/{self.total} pages")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def note_unproven_leftovers(out: Path, project: Project, console: Console) -> None:
    """Name folders that look like a killed build's leftovers but lack the marker file:
    the build never deletes what it cannot prove it made, so a person has to decide."""
    from ..layout import MARKER
    from ..write.output import unproven_leftovers
    for folder in unproven_leftovers(out):
        console.error(f"note: {project.rel(folder)} looks like a leftover of an interrupted build, but "
                      f"has no {MARKER} file, so it was not deleted; delete it yourself if it is not yours")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="build the site into output/",
                       description="Validate the sources and build the site. The previous output is "
                                   "replaced only when the whole build succeeds. Pages whose inputs "
                                   "did not change are taken from the build cache in .cache/.")
    p.add_argument("--output", "-o", metavar="DIR", help="output folder (default: output/)")
    p.add_argument("--base-url", metavar="URL", help="override base_url from data/site.yaml, "
                                                     "e.g. https://example.org/health/")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--no-cache", action="store_true",
                   help="ignore the build cache and render every page (a cold build)")
    p.add_argument("--jobs", "-j", type=int, metavar="N", default=None,
                   help="processes for rendering (default: all cores; small sites use one)")
    p.add_argument("--minify", action="store_true", help="minify HTML, CSS and JS (off by default)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    out = project.output_dir(args.output)
    progress = StderrProgress() if console.verbosity >= 1 else None
    try:
        result = build(project, out, base_url=args.base_url, strict=args.strict,
                       use_cache=not args.no_cache, jobs=args.jobs, progress=progress,
                       options=BuildOptions(minify=args.minify))
    finally:
        if progress:
            progress.finish()
    console.diagnostics(result.warnings)
    note_unproven_leftovers(out, project, console)
    where = project.rel(out.resolve()) or str(out)
    if result.skipped:
        console.info(f"nothing changed: {result.page_count} pages in {where} are up to date "
                     f"({result.seconds:.2f} s)")
        return 0
    console.info(f"built {len(result.pages)} pages ({result.files_written} files) into {where}: "
                 f"{result.pages_rendered} rendered, {result.pages_cached} from cache, "
                 f"{len(result.files_changed)} files written, in {result.seconds:.2f} s")
    return 0
