"""Stage 1 - load: read every source file into memory, with positions.

Nothing here judges the content (that is ``validate``); this stage only
turns bytes into Python values and reports files that cannot be read at all.
All unreadable files are reported together.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .diagnostics import ContentError, Diagnostic, Report
from .frontmatter import split
from .project import Project
from .yamlsource import YamlDoc, decode, load_yaml_file


@dataclass
class SourcePage:
    """One Markdown file from ``content/``."""

    rel: str            # "content/calf-cramps.md"
    name: str           # path inside content/ without suffix: "calf-cramps", "guides/x"
    meta: YamlDoc       # front matter, with positions
    body: str
    body_line: int
    digest: str


@dataclass
class Sources:
    project: Project
    site: YamlDoc
    data: dict[str, YamlDoc] = field(default_factory=dict)   # by file stem, site.yaml excluded
    pages: list[SourcePage] = field(default_factory=list)


def digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def walk_files(top: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files under *top* with one of *suffixes*, sorted; follows symlinks once.

    A symlink that points back up the tree would make ``rglob`` with
    ``followlinks`` loop forever; remembering real directories avoids it.
    """
    found = [Path(dirpath) / name for dirpath, names in walk_visible(top) for name in names
             if name.endswith(suffixes)]
    return sorted(p for p in found if p.is_file())


def walk_visible(top: Path) -> Iterator[tuple[str, list[str]]]:
    """(folder, file names) under *top*, skipping hidden entries and visiting each real folder once."""
    seen: set[str] = set()
    if not top.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        yield dirpath, sorted(n for n in filenames if not n.startswith("."))


def load_page(project: Project, path: Path) -> SourcePage:
    rel = project.rel(path)
    raw = path.read_bytes()
    text = decode(raw, rel).replace("\r\n", "\n")
    fm = split(text, rel)
    name = path.relative_to(project.content_dir).with_suffix("").as_posix()
    return SourcePage(rel, name, fm.meta, fm.body, fm.body_line, digest(raw))


def load_data(project: Project, path: Path) -> YamlDoc:
    return load_yaml_file(path, project.rel(path))


def load_sources(project: Project) -> Sources:
    report = Report()
    site = YamlDoc(project.rel(project.site_file), {})
    if project.site_file.is_file():
        try:
            site = load_data(project, project.site_file)
        except ContentError as exc:
            report.extend(exc.diagnostics)
    sources = Sources(project, site)
    for path in walk_files(project.data_dir, (".yaml", ".yml")):
        if path == project.site_file:
            continue
        try:
            sources.data[path.stem] = load_data(project, path)
        except ContentError as exc:
            report.extend(exc.diagnostics)
        except OSError as exc:
            report.error(project.rel(path), 0, 0, f"cannot read file: {exc.strerror}")
    for path in walk_files(project.content_dir, (".md", ".markdown")):
        try:
            sources.pages.append(load_page(project, path))
        except ContentError as exc:
            report.extend(exc.diagnostics)
        except OSError as exc:
            report.error(project.rel(path), 0, 0, f"cannot read file: {exc.strerror}")
    if not project.content_dir.is_dir():
        report.items.append(Diagnostic(project.rel(project.content_dir), 0, 0, "error",
                                       "the content/ folder is missing", "",
                                       "run 'python build.py new article \"Title\"' to start one"))
    if report.errors:
        # Some files could not be read at all.  Still check the ones that could against
        # their schemas, so one run lists every problem; cross-record checks would only
        # add noise about the missing file, so they wait for the next run.
        from .validate import check_schemas  # late import: validate imports this module
        schema_report = Report()
        check_schemas(sources, schema_report)
        report.extend(schema_report.errors)
    report.raise_if_errors()
    return sources
