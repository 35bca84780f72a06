"""The whole pipeline, stage by stage: load -> validate -> model -> render -> write.

Commands (build, check, serve) call these functions; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cache as cachemod
from . import publish
from .cache import BuildCache, PageEntry, fingerprint, h, stat_of
from .config import SiteConfig, config_from_data
from .datastore import DataStore
from .diagnostics import ContentError, Diagnostic, Report
from .model import Page, Site
from .parallel import render_pages
from .project import Project
from .render import LazyPageResult, PageResult, SiteRenderer, select_key
from .sources import Sources, load_sources, walk_files
from .structure import build_site
from .validate import validate
from .writer import MARKER, StagedOutput, check_output_dir


@dataclass
class Loaded:
    sources: Sources
    config: SiteConfig
    store: DataStore
    site: Site
    report: Report


@dataclass
class BuildResult:
    site: Site | None                      # None when the build was skipped (nothing changed)
    pages: list[PageResult]
    warnings: list[Diagnostic] = field(default_factory=list)
    files_written: int = 0                 # files in the output folder (written or kept)
    seconds: float = 0.0
    pages_rendered: int = 0                # pages rendered in this build
    pages_cached: int = 0                  # pages reused from the build cache
    files_changed: list[str] = field(default_factory=list)   # written with new bytes, sorted
    files_removed: list[str] = field(default_factory=list)   # in the previous output, not in this one
    skipped: bool = False                  # no source changed: the output was left as it was
    page_count: int = 0


@dataclass
class BuildState:
    """What stays warm between builds in one process (``serve``): the cache and the renderer."""

    cache: BuildCache | None = None
    renderer: SiteRenderer | None = None
    templates_fp: str = ""


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


# -- fingerprints ------------------------------------------------------------

def page_meta_fp(page: Page) -> str:
    """What other pages may show of *page* (title, URL, front matter ...), not its body."""
    return fingerprint((page.kind, page.rel, page.url, page.output, page.title, page.template,
                        page.description, page.topic, page.nav_order, page.last_reviewed,
                        page.next_review, page.author, page.reviewer, page.meta,
                        [(c.title, c.url) for c in page.breadcrumbs], page.late,
                        (page.record.collection, page.record.id) if page.record else None))


class Resolver:
    """Current fingerprint of each dependency a page recorded, computed once per build."""

    MISSING = "missing"

    def __init__(self, project: Project, loaded: Loaded):
        self.project = project
        self.loaded = loaded
        self.site = loaded.site
        self.store = loaded.store
        self.memo: dict[tuple[str, str], str] = {}
        self.meta: dict[int, str] = {}
        self.digests = {src.rel: src.digest for src in loaded.sources.pages}
        self.first_pass: list[PageResult] | None = None
        self._shown_index: dict[tuple[str, str], list[str]] | None = None
        self._cited_index: dict[str, list[str]] | None = None

    def meta_fp(self, page: Page) -> str:
        fp = self.meta.get(id(page))
        if fp is None:
            fp = self.meta[id(page)] = page_meta_fp(page)
        return fp

    def self_fp(self, page: Page) -> str:
        return h(self.meta_fp(page) + "|" + (page.source.digest if page.source else ""))

    def value(self, dep: tuple[str, str]) -> str:
        if dep[0] == "listing" and self.first_pass is None:
            return "first-pass"   # listings are empty while the first pass renders
        found = self.memo.get(dep)
        if found is None:
            found = self.memo[dep] = self._compute(dep)
        return found

    def _compute(self, dep: tuple[str, str]) -> str:
        kind, key = dep
        if kind == "file":
            return self.digests.get(key, self.MISSING)
        if kind == "template":
            path = self.project.templates_dir / key
            try:
                return h(path.read_bytes())
            except OSError:
                return self.MISSING
        if kind == "record":
            collection, _, rid = key.partition(":")
            record = self.store.get(collection, rid)
            return self.MISSING if record is None else fingerprint(record.data)
        if kind == "collection":
            return fingerprint(list(self.store.collections.get(key, {})))
        if kind == "select":
            collection, args, topic = json.loads(key)
            return fingerprint([r.id for r in self.store.select(collection, args, topic)])
        if kind == "data":
            files = self.store.files
            if key == "*":
                return fingerprint([(stem, fingerprint(doc.data)) for stem, doc in files.items()])
            return fingerprint(files[key].data) if key in files else self.MISSING
        if kind == "exists":
            return "yes" if self.site.by_url(key) is not None else self.MISSING
        if kind == "site":
            return fingerprint([self.meta_fp(p) for p in self.site.pages])
        if kind == "listing":
            assert self.first_pass is not None
            if self._shown_index is None:
                self._shown_index, self._cited_index = {}, {}
                for result in self.first_pass:
                    fp = self.meta_fp(result.page)
                    for item in result.shown:
                        self._shown_index.setdefault(item, []).append(fp)
                    for rid in result.cited:
                        self._cited_index.setdefault(rid, []).append(fp)
            if key.startswith("cites:"):
                return fingerprint(self._cited_index.get(key[len("cites:"):], []))  # type: ignore[union-attr]
            collection, _, rid = key.partition(":")
            return fingerprint(self._shown_index.get((collection, rid), []))
        return h(f"unknown:{kind}:{key}:{time.time_ns()}")   # unknown kind: never clean


def global_fp(loaded: Loaded, renderer: SiteRenderer, statics: list[tuple[Path, str]]) -> str:
    """Inputs every page may depend on: settings, publishing options, asset names and
    the static files (post-processing rewrites asset URLs with their content hashes)."""
    static = [(rel, h(path.read_bytes())) for path, rel in statics]
    return fingerprint((repr(loaded.config), sorted(renderer.assets.items()), publish.cache_key(), static))


def templates_fp(project: Project) -> str:
    stats = [(p.as_posix(), stat_of(p)) for p in sorted(project.templates_dir.rglob("*"))] \
        if project.templates_dir.is_dir() else []
    return fingerprint(stats)


# -- rendering with the cache --------------------------------------------------

@dataclass
class Rendered:
    results: list[PageResult]
    fresh: set[str]          # outputs rendered in this build
    entries: dict[str, PageEntry]


def _is_clean(entry: PageEntry | None, self_fp: str, resolver: Resolver, out: Path) -> bool:
    if entry is None or entry.self_fp != self_fp:
        return False
    for dep, value in entry.deps.items():
        if resolver.value(dep) != value:
            return False
    return True


def _intact(out: Path, rel: str, stat: cachemod.Stat | None) -> bool:
    return stat is not None and stat_of(out / rel) == stat


def _lazy(page: Page, entry: PageEntry, path: Path) -> LazyPageResult:
    return LazyPageResult(page, lambda: path.read_text(encoding="utf-8"), set(entry.deps),
                          set(entry.shown), list(entry.cited))


def render_with_cache(project: Project, loaded: Loaded, renderer: SiteRenderer, out: Path,
                      cache: BuildCache | None, jobs: int | None = None,
                      progress: "Progress | None" = None) -> Rendered:
    """Render the pages whose inputs changed; reuse the rest.  Raises ContentError."""
    site = loaded.site
    resolver = Resolver(project, loaded)
    old = cache.pages if cache is not None else {}
    entries: dict[str, PageEntry] = {}
    problems: list[Diagnostic] = []
    fresh: set[str] = set()
    by_output: dict[str, PageResult] = {}

    def reuse_or_queue(pages: list[Page]) -> list[Page]:
        dirty = []
        for page in pages:
            fp = resolver.self_fp(page)
            entry = old.get(page.output)
            if _is_clean(entry, fp, resolver, out) and cachemod.blob_path(project, entry.html).is_file():  # type: ignore[union-attr]
                by_output[page.output] = _lazy(page, entry, cachemod.blob_path(project, entry.html))  # type: ignore[union-attr]
                entries[page.output] = entry  # type: ignore[assignment]
            else:
                dirty.append(page)
        return dirty

    def take(page: Page, result: PageResult | None, found: list[Diagnostic]) -> None:
        problems.extend(found)
        if result is None:
            return
        by_output[page.output] = result
        fresh.add(page.output)
        deps = {d: resolver.value(d) for d in result.deps}
        entries[page.output] = PageEntry(resolver.self_fp(page), deps, frozenset(result.shown),
                                         tuple(result.cited), h(result.html))

    first = [p for p in site.pages if not p.late]
    late = [p for p in site.pages if p.late]
    dirty_first = reuse_or_queue(first)
    if progress:
        progress.start(len(dirty_first) + len(late))
    renderer.first_pass = []
    outcomes = render_pages(project, site, renderer, dirty_first, jobs,
                            progress.advance if progress else None)
    for page, (result, found) in zip(dirty_first, outcomes):
        take(page, result, found)
    first_pass = [by_output[p.output] for p in first if p.output in by_output]
    renderer.first_pass = first_pass
    resolver.first_pass = first_pass
    dirty_late = reuse_or_queue(late)
    if progress:
        progress.advance(len(late) - len(dirty_late))
    for page in dirty_late:
        take(page, *renderer.render_page(page))
        if progress:
            progress.advance(1)
    if problems:
        raise ContentError(problems)
    results = sorted(by_output.values(), key=lambda r: r.page.output)
    return Rendered(results, fresh, entries)


class Progress:
    """Interface for progress reporting (see commands/build.py)."""

    def start(self, total: int) -> None:  # pragma: no cover - interface
        pass

    def advance(self, count: int) -> None:  # pragma: no cover - interface
        pass


def _noop_key(base_url: str | None, strict: bool, today: dt.date | None) -> str:
    return h("|".join([cachemod.version_key(), repr(base_url), repr(strict), publish.cache_key(),
                       (today or dt.date.today()).isoformat()]))


def _racy(inputs: dict[str, cachemod.Stat | None], since_ns: int) -> bool:
    """A file modified around the time the cache was written may have changed again
    within the file system's timestamp resolution: do not trust its stat (as git does)."""
    limit = since_ns - 2_000_000_000
    return any(st is not None and st[1] >= limit for st in inputs.values())


def _outputs_intact(out: Path, cache: BuildCache) -> bool:
    if not (out / MARKER).is_file():
        return False
    for rel, entry in cache.pages.items():
        if not _intact(out, rel, entry.stat):
            return False
    return all(_intact(out, rel, stat) for rel, (_, stat) in cache.files.items() if not rel.startswith("\0"))


def build(project: Project, out: Path, base_url: str | None = None, strict: bool = False,
          today: dt.date | None = None, *, use_cache: bool = False, jobs: int | None = 1,
          state: BuildState | None = None, progress: Progress | None = None) -> BuildResult:
    """Build the site into *out*.

    With ``use_cache`` the on-disk cache (or ``state.cache``, in memory)
    is used: only pages whose inputs changed are rendered, and when no source
    file changed at all the build is skipped.  ``jobs`` > 1 renders on that
    many processes (None: all cores) when there are enough pages.  Either way,
    files whose final bytes did not change keep their modification time.
    """
    started = time.perf_counter()
    started_ns = time.time_ns()
    out = check_output_dir(out, project)
    cache: BuildCache | None = None
    inputs: dict[str, cachemod.Stat | None] = {}
    noop_key = ""
    if use_cache:
        cache = state.cache if state is not None and state.cache is not None else cachemod.load(project, out)
        inputs = cachemod.input_stats(project)
        noop_key = _noop_key(base_url, strict, today)
        if (cache is not None and cache.noop_key == noop_key and cache.inputs == inputs
                and not _racy(inputs, cache.started_ns) and _outputs_intact(out, cache)):
            return BuildResult(None, [], list(cache.warnings), len(cache.files),
                               time.perf_counter() - started, 0, cache.page_count, [], [], True,
                               cache.page_count)
    loaded = load_site(project, base_url, today)
    if strict and loaded.report.warnings:
        raise ContentError([
            Diagnostic(d.path, d.line, d.col, "error", d.message + " (--strict)", d.field, d.hint)
            for d in loaded.report.warnings])
    renderer = _renderer(project, loaded, state)
    statics = static_files(project)
    glob = global_fp(loaded, renderer, statics)
    if cache is not None and cache.glob != glob:
        cache = None   # site.yaml, base URL, static files or tool changed: render everything
    rendered = render_with_cache(project, loaded, renderer, out, cache if use_cache else None,
                                 jobs, progress)
    pages = rendered.results
    new_cache = BuildCache(cachemod.version_key(), glob, rendered.entries, {}, inputs, noop_key,
                           list(loaded.report.warnings), len(pages), started_ns)
    staged = StagedOutput(out)
    try:
        for result in pages:
            rel = result.page.output
            if rel in rendered.fresh:
                data = result.html.encode("utf-8")
                staged.write_bytes(rel, data)
                if use_cache:
                    cachemod.put_blob(project, rendered.entries[rel].html, data)
            else:
                staged.copy_file(cachemod.blob_path(project, rendered.entries[rel].html), rel)
        for source, rel in statics:
            staged.copy_file(source, rel)
        site_key = fingerprint((glob, [(r.page.output, rendered.entries[r.page.output].html,
                                        rendered.entries[r.page.output].self_fp) for r in pages],
                                [(s, fingerprint(d.data)) for s, d in loaded.store.files.items()]))
        old_site = {k[len(SITE_PREFIX):]: v[0] for k, v in cache.files.items()
                    if k.startswith(SITE_PREFIX)} if cache is not None else {}
        if (cache is not None and cache.files.get(SITE_KEY, ("",))[0] == site_key
                and all(cachemod.blob_path(project, d).is_file() for d in old_site.values())):
            for rel, digest in old_site.items():   # site-wide files: inputs unchanged
                staged.copy_file(cachemod.blob_path(project, digest), rel)
                new_cache.files[SITE_PREFIX + rel] = (digest, None)
        else:
            for rel, data in publish.site_files(loaded, pages, renderer).items():
                staged.write_bytes(rel, data)
                digest = h(data)
                if use_cache:
                    cachemod.put_blob(project, digest, data)
                new_cache.files[SITE_PREFIX + rel] = (digest, None)
        new_cache.files[SITE_KEY] = (site_key, None)
        publish.after_write(loaded, staged.staging)
        if publish.options.defer_search:   # live preview: keep the last index until it is refreshed
            staged.carry_over("pagefind")
        staged.relink_unchanged()
        # what is on disk now (after post-processing); inode and mtime survive the rename
        page_rels = set(rendered.entries)
        for rel, entry in rendered.entries.items():
            entry.stat = stat_of(staged.staging / rel)
        for rel in staged.written + staged.kept:
            if rel not in page_rels:
                new_cache.files[rel] = ("", stat_of(staged.staging / rel))
        previous = _listing(out) if out.is_dir() else set()
        staged.commit()
    except BaseException:
        staged.discard()
        raise
    current = set(staged.written) | set(staged.kept)
    if use_cache:
        if state is not None:
            state.cache = new_cache
        cachemod.save(project, out, new_cache)
        if cache is None or len(rendered.fresh) > 0:
            cachemod.prune_blobs(project, {e.html for e in new_cache.pages.values()}
                                 | {v[0] for v in new_cache.files.values()})
    return BuildResult(loaded.site, pages, loaded.report.warnings, len(current),
                       time.perf_counter() - started, len(rendered.fresh),
                       len(pages) - len(rendered.fresh), list(staged.written),
                       sorted(previous - current), False, len(pages))


SITE_KEY = "\0site-files"
SITE_PREFIX = "\0site:"


def _listing(top: Path) -> set[str]:
    return {p.relative_to(top).as_posix() for p in _walk(top)} - {MARKER}


def _walk(top: Path) -> list[Path]:
    found = []
    for dirpath, _dirnames, filenames in os.walk(top):
        for name in filenames:
            found.append(Path(dirpath) / name)
    return found


def _renderer(project: Project, loaded: Loaded, state: BuildState | None) -> SiteRenderer:
    if state is None:
        return SiteRenderer(project, loaded.site)
    fp = templates_fp(project)
    if state.renderer is None:
        state.renderer = SiteRenderer(project, loaded.site)
    else:
        state.renderer.retarget(loaded.site, templates_changed=fp != state.templates_fp)
    state.templates_fp = fp
    return state.renderer



def check(project: Project, base_url: str | None = None, today: dt.date | None = None) -> Report:
    """Validate and render in memory: catches template errors too, writes nothing."""
    loaded = load_site(project, base_url, today)
    render_site(project, loaded)
    return loaded.report
