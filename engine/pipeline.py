"""The whole pipeline, stage by stage: load -> validate -> model -> render -> write.

Commands (build, check, serve) call these functions; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import publish
from .config import SiteConfig, config_from_data
from .datastore import DataStore
from .diagnostics import ContentError, Diagnostic, Report
from .model import Site
from .project import Project
from .render import PageResult, SiteRenderer
from .sources import Sources, load_sources, walk_files
from .structure import build_site
from .validate import validate
from .writer import StagedOutput, check_output_dir


@dataclass
class Loaded:
    sources: Sources
    config: SiteConfig
    store: DataStore
    site: Site
    report: Report


@dataclass
class BuildResult:
    site: Site
    pages: list[PageResult]
    warnings: list[Diagnostic] = field(default_factory=list)
    files_written: int = 0
    seconds: float = 0.0


def load_site(project: Project, base_url: str | None = None, today: dt.date | None = None) -> Loaded:
    """Stages 1-3.  Raises ContentError listing every problem found."""
    sources = load_sources(project)
    store = DataStore.from_docs(sources.data)
    report = validate(sources, store, project.templates_dir, today=today)
    report.raise_if_errors()
    config = config_from_data(sources.site.data if isinstance(sources.site.data, dict) else {}, base_url)
    site = build_site(sources, config, store)
    return Loaded(sources, config, store, site, report)


def static_files(project: Project) -> list[tuple[Path, str]]:
    """(source file, path inside output/) for everything in static/."""
    return [(path, "static/" + path.relative_to(project.static_dir).as_posix())
            for path in walk_files(project.static_dir, ("",))]


def render_site(project: Project, loaded: Loaded) -> list[PageResult]:
    return SiteRenderer(project, loaded.site).render()


def build(project: Project, out: Path, base_url: str | None = None, strict: bool = False,
          today: dt.date | None = None) -> BuildResult:
    started = time.perf_counter()
    out = check_output_dir(out, project)
    loaded = load_site(project, base_url, today)
    if strict and loaded.report.warnings:
        raise ContentError([
            Diagnostic(d.path, d.line, d.col, "error", d.message + " (--strict)", d.field, d.hint)
            for d in loaded.report.warnings])
    pages = render_site(project, loaded)
    staged = StagedOutput(out)
    try:
        written = 0
        for result in pages:
            staged.write_text(result.page.output, result.html)
            written += 1
        for source, rel in static_files(project):
            staged.copy_file(source, rel)
            written += 1
        for rel, data in publish.site_files(loaded, pages).items():
            staged.write_bytes(rel, data)
            written += 1
        publish.after_write(loaded, staged.staging)
        staged.commit()
    except BaseException:
        staged.discard()
        raise
    return BuildResult(loaded.site, pages, loaded.report.warnings, written, time.perf_counter() - started)


def check(project: Project, base_url: str | None = None, today: dt.date | None = None) -> Report:
    """Validate and render in memory: catches template errors too, writes nothing."""
    loaded = load_site(project, base_url, today)
    render_site(project, loaded)
    return loaded.report
