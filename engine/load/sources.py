"""Stage 1 - load: read every source file into memory, with positions.

Nothing here judges the content (that is ``validate``); this stage only
turns bytes into Python values and reports files that cannot be read at all.
All unreadable files are reported together.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Iterator

from ..diagnostics import ContentError, Diagnostic, Report
from ..project import Project
from .frontmatter import FENCE, split
from .yamlsource import YamlDoc, decode, load_yaml_file, parse_yaml


@dataclass
class SourcePage:
    """One Markdown file from ``content/``."""

    rel: str            # "content/some-page.md"
    name: str           # path inside content/ without suffix: "some-page", "guides/x"
    meta: YamlDoc       # front matter, with positions
    body: str
    body_line: int
    digest: str
    #: the body was read after the file changed (see StoredSourcePage): do not reuse this object
    stale: ClassVar[bool] = False


class StoredSourcePage(SourcePage):
    """A page whose front matter came from the source cache: the body is read on first use.

    Most pages of a large site are neither re-validated nor re-rendered in an
    incremental build, so their bodies (most of the bytes) are never needed.
    The file is read when rendering asks for ``body``.  If it no longer has the
    digest the cache recorded (edited after this build scanned it), the new text
    is used: the next build sees the new stat and handles the page again, just
    as it would for a page edited after a from-scratch load.
    """

    def __init__(self, rel: str, name: str, meta: YamlDoc, body_line: int, digest: str, path: str):
        # deliberately not SourcePage.__init__: 'body' is a property here
        self.rel, self.name, self.meta, self.body_line, self.digest = rel, name, meta, body_line, digest
        self.path = path

    @property  # type: ignore[override]
    def body(self) -> str:
        body = self.__dict__.get("_body")
        if body is None:
            body = self.__dict__["_body"] = self._read_body()
        return body

    @body.setter
    def body(self, value: str) -> None:
        self.__dict__["_body"] = value

    def _read_body(self) -> str:
        try:
            raw = Path(self.path).read_bytes()
            text = decode(raw, self.rel).replace("\r\n", "\n")
            if digest(raw) == self.digest:     # the bytes the cache parsed: no need to parse again
                return body_of(text)
            fm = split(text, self.rel)
        except (OSError, ContentError):
            self.stale = True
            return ""     # deleted or broken since the scan: the next build reports it
        self.stale = True
        self.body_line = fm.body_line
        return fm.body


def body_of(text: str) -> str:
    """The body of a page whose front matter is known to be well formed (frontmatter.split
    parsed these very bytes before): the text after the closing fence, no YAML parsed."""
    lines = text.split("\n")
    for index in range(1, len(lines)):
        stripped = lines[index].rstrip()
        if stripped == FENCE or stripped == "...":
            return "\n".join(lines[index + 1:])
    raise AssertionError("body_of: the front matter is not closed")   # pragma: no cover


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
    return [Path(path) for path, _ in scan_files(top, suffixes)]


def scan_files(top: Path, suffixes: tuple[str, ...]) -> list[tuple[str, os.stat_result]]:
    """:func:`walk_files` as (path, stat) strings: one ``stat`` per file, no Path objects.

    The source cache compares the stat of every file on every build, so the
    listing must be cheap.  The order is ``walk_files``'s (Path order: by parts).
    """
    found: list[tuple[str, os.stat_result]] = []
    folders = 0
    for dirpath, names in walk_visible(top):
        matching = [name for name in names if name.endswith(suffixes)]
        folders += bool(matching)
        prefix = dirpath if dirpath.endswith(os.sep) else dirpath + os.sep
        for name in matching:
            st = _regular_file_stat(prefix + name)
            if st is not None:
                found.append((prefix + name, st))
    if folders > 1:   # names come sorted per folder; across folders, sort as Paths do (by parts)
        found.sort(key=lambda item: item[0].replace(os.sep, "\0"))
    return found


def _regular_file_stat(path: str) -> os.stat_result | None:
    """The stat of *path* if it is a regular file (following symlinks), as ``Path.is_file`` decides."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return None
        raise
    return st if stat.S_ISREG(st.st_mode) else None


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


def outside_project(project: Project) -> list[Diagnostic]:
    """An error for every source file or folder that resolves outside the project folder.

    The one gate for every way files are found (the loader's walk, the build
    cache's scan, the static copier, the template loader, the schemas): a
    symlink ``static/x -> /etc/passwd``, a linked article or a linked
    ``content/`` would otherwise be read, and perhaps published, from anywhere
    on the machine.  The build stops before anything is read.  Only links need
    resolving, and ``os.scandir`` says which entries are links without a
    ``stat``: the cost is one directory listing per source folder.  Hidden
    entries are skipped, as every walk skips them.
    """
    root = os.path.realpath(project.root)
    found: list[Diagnostic] = []

    def refuse(path: str, target: str) -> None:
        what = "folder" if os.path.isdir(path) else "file"
        found.append(Diagnostic(
            project.rel(Path(path)), 0, 0, "error",
            f"this {what} is a link to {target}, outside the project folder; "
            "nothing outside the project is read or published", "",
            f"copy what you need into the project and delete the link (rm {project.rel(Path(path))})",
            cause=True))

    seen: set[str] = set()
    for top in project.source_dirs():
        stack = [str(top)]
        if os.path.islink(stack[0]) and not _within(os.path.realpath(stack[0]), root):
            refuse(stack[0], os.path.realpath(stack[0]))
            continue
        while stack:
            folder = stack.pop()
            real = os.path.realpath(folder)
            if real in seen:
                continue
            seen.add(real)
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if not _within(target, root):
                        refuse(entry.path, target)
                        continue
                if entry.is_dir():
                    stack.append(entry.path)
    return sorted(found)


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def load_page(project: Project, path: Path) -> SourcePage:
    return parse_page(project, path, path.read_bytes())


def parse_page(project: Project, path: Path, raw: bytes) -> SourcePage:
    """The page in *path*, whose bytes are *raw*."""
    rel = project.rel(path)
    text = decode(raw, rel).replace("\r\n", "\n")
    fm = split(text, rel)
    name = path.relative_to(project.content_dir).with_suffix("").as_posix()
    return SourcePage(rel, name, fm.meta, fm.body, fm.body_line, digest(raw))


def load_data(project: Project, path: Path) -> YamlDoc:
    return load_yaml_file(path, project.rel(path))


def parse_data(project: Project, path: Path, raw: bytes) -> YamlDoc:
    """The data file in *path*, whose bytes are *raw* (as :func:`load_data` reads it)."""
    rel = project.rel(path)
    return parse_yaml(decode(raw, rel), rel)


class FileLoader:
    """Turns one source file into a value.

    :func:`load_sources` decides which files to read and in what order; the
    source cache (:mod:`engine.sourcecache`) passes a loader that returns what
    it parsed before when a file's stat shows it has not changed.
    """

    def data(self, project: Project, path: Path, st: os.stat_result) -> YamlDoc:
        return load_data(project, path)

    def page(self, project: Project, path: str, st: os.stat_result) -> SourcePage:
        return load_page(project, Path(path))

    def files(self, top: Path, suffixes: tuple[str, ...]) -> list[tuple[str, os.stat_result]]:
        """The files to load from *top*, with their stat (see :func:`scan_files`)."""
        return scan_files(top, suffixes)

    def file_stat(self, path: Path) -> os.stat_result | None:
        """The stat of *path* if it is a regular file, else None."""
        return _regular_file_stat(str(path))

    def load_pages(self, project: Project, files: list[tuple[str, os.stat_result]], pages: list[SourcePage],
                   report: Report) -> None:
        """:meth:`page` for each of *files*, in order, into *pages*; what cannot be read into *report*."""
        for name, st in files:
            try:
                pages.append(self.page(project, name, st))
            except ContentError as exc:
                report.extend(exc.diagnostics)
            except OSError as exc:
                report.items.append(Diagnostic(project.rel(Path(name)), 0, 0, "error",
                                               f"cannot read file: {exc.strerror}", cause=True))


def load_sources(project: Project, loader: FileLoader | None = None) -> Sources:
    loader = loader or FileLoader()
    report = Report()
    site = YamlDoc(project.rel(project.site_file), {})
    site_stat = loader.file_stat(project.site_file)
    site_read = True
    if site_stat is not None:
        try:
            site = loader.data(project, project.site_file, site_stat)
        except ContentError as exc:
            report.extend(exc.diagnostics)
            site_read = False
    sources = Sources(project, site)
    for name, st in loader.files(project.data_dir, (".yaml", ".yml")):
        path = Path(name)
        if path == project.site_file:
            continue
        try:
            sources.data[path.stem] = loader.data(project, path, st)
        except ContentError as exc:
            report.extend(exc.diagnostics)
        except OSError as exc:
            report.items.append(Diagnostic(project.rel(path), 0, 0, "error", f"cannot read file: {exc.strerror}",
                                           cause=True))
    loader.load_pages(project, loader.files(project.content_dir, (".md", ".markdown")), sources.pages, report)
    if not project.content_dir.is_dir():
        report.items.append(Diagnostic(project.rel(project.content_dir), 0, 0, "error",
                                       "the content/ folder is missing", "",
                                       "run 'python build.py new article \"Title\"' to start one"))
    if report.errors:
        raise PartlyRead(report.sorted(), sources, site_read)
    return sources


class PartlyRead(ContentError):
    """Some source files could not be read at all (marked as causes).

    Carries what could be read, so the caller (the validation stage, which this
    stage does not know) can still check those files against their schemas and
    run the checks that depend on no other file: one run lists every problem.
    """

    def __init__(self, diagnostics: list[Diagnostic], sources: Sources, site_read: bool):
        super().__init__(diagnostics)
        self.sources = sources
        self.site_read = site_read
