"""The whole pipeline, stage by stage: load -> validate -> model -> render -> write.

Commands (build, check, serve) call these functions; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any


from . import publish
from .config import BuildOptions, SiteConfig, config_from_data
from .deps import SITE_PAGES
from .diagnostics import ContentError, Diagnostic, Report
from .incremental import cache as cachemod
from .incremental.cache import BuildCache, PageEntry, h, stat_of
from .incremental.collector import collector_paused
from .model.site import Loaded, ModelMemo
from .incremental.blobs import Blobs, index_key, record_index, restore_index
from .incremental.bytecode import template_bytecode
from .incremental.cache import file_intact
from .incremental.pages import Early, Progress, global_fp, render_with_cache, site_files_with_cache, templates_fp
from .layout import MARKER
from .project import Project
from .validate.pagerules import check_page_rules
from .write.output import InPlaceOutput, Output, StagedOutput, check_output_dir, clear_leftovers

# Rendering, validation and publishing (Jinja2, Markdown, jsonschema ...) load on first
# use: a build that finds nothing changed should not pay for importing them.
if TYPE_CHECKING:  # pragma: no cover
    from .model.site import Site
    from .render.pages import PageResult, SiteRenderer
    from .load.sources import Sources


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
    in_place: bool = False                 # the output folder was updated file by file


@dataclass
class BuildState:
    """What stays warm between builds in one process (``serve``): the cache and the renderer."""

    cache: BuildCache | None = None
    renderer: SiteRenderer | None = None
    templates_fp: str = ""
    sources: Any = None      # engine.sourcecache.SourceMemo: parsed sources, made by the first load
    model: ModelMemo | None = None
    #: the output folder was found as ``cache`` describes it since the last build (see
    #: serve.rebuild.IncrementalBuilder.settle); the next build then need not stat every file
    outputs_verified: bool = False
    #: leave writing ``cache`` to ``.cache/`` to the caller (``unsaved`` is then set)
    defer_save: bool = False
    unsaved: bool = False


def load_site(project: Project, base_url: str | None = None, today: dt.date | None = None,
              state: BuildState | None = None, use_cache: bool = False, defer_checks: bool = False,
              listing: cachemod.Listing | None = None) -> Loaded:
    """Stages 1-3.  Raises ContentError listing every problem found.

    With ``use_cache`` unchanged files are neither read nor re-checked (see
    sourcecache.py); the result is the same as a load from scratch.

    With ``defer_checks`` the sources are parsed and the site model built,
    but checking them waits for ``Loaded.finish_checks()``: a cold build
    runs the checks while its workers render (parallel.render_pages), and
    uses nothing rendered unless they pass.  If the unchecked sources cannot
    even make a site model, the checks run at once and their errors are
    raised (they explain why).

    *listing*: the source files as the build's :func:`cache.input_stats` just found them.
    """
    from .incremental.sourcecache import SourceMemo, load_then_check
    from .load.sources import outside_project
    from .model.structure import build_site
    escaping = outside_project(project)
    if escaping:     # before anything is read: see sources.outside_project
        raise ContentError(escaping)
    if state is not None and state.sources is None:
        state.sources = SourceMemo()
    memo = state.sources if state is not None else None
    sources, store, check = load_then_check(project, today, memo, use_cache=use_cache, listing=listing)
    if not defer_checks:
        report = check()
        report.raise_if_errors()
    reused = None
    try:
        config = config_from_data(sources.site.data if isinstance(sources.site.data, dict) else {}, base_url)
        reused = _patched_site(state.model if state is not None else None, sources, config)
        if reused is not None:
            site, store = reused.site, reused.store
        else:
            site = build_site(sources, config, store)
    except Exception:
        if defer_checks:
            check().raise_if_errors()    # the sources are at fault: say where
        raise
    if state is not None:
        state.model = reused or ModelMemo(list(sources.pages), _data_docs(sources), repr(config), store, site)
    loaded = Loaded(sources, config, store, site, Report() if defer_checks else report,
                    check if defer_checks else None)
    loaded.model = state.model if state is not None else None
    return loaded


def _data_docs(sources: Sources) -> list[Any]:
    return [tuple(sources.data), sources.site, *sources.data.values()]


def _patched_site(memo: ModelMemo | None, sources: Sources, config: SiteConfig) -> ModelMemo | None:
    """The live preview's previous model, brought up to date, when only page bodies changed.

    Building the model of 10,000 pages is a sixth of a rebuild after a one-word
    edit.  A page's fields come from its front matter, its file name and
    site.yaml alone (structure.page_from_source), and generated pages from
    the data files: while site.yaml and every data file are the very objects
    the model was built from (the source memo hands back the same object for
    an unchanged file), and every page file is still there, in the same
    order, with front matter equal to before, the model differs only in which
    SourcePage (body) each page points to.  Anything else: None, build anew.
    """
    if memo is None or memo.config != repr(config) or len(memo.pages) != len(sources.pages):
        return None
    docs = _data_docs(sources)
    if (len(docs) != len(memo.data) or docs[0] != memo.data[0]
            or any(a is not b for a, b in zip(docs[1:], memo.data[1:]))):
        return None
    changed = [(old, new) for old, new in zip(memo.pages, sources.pages) if old is not new]
    if any(old.rel != new.rel or old.name != new.name or old.meta.data != new.meta.data
           for old, new in changed):
        return None
    if changed:
        by_source = {id(page.source): page for page in memo.site.pages if page.source is not None}
        for old, new in changed:
            page = by_source[id(old)]
            page.source, page.meta = new, new.meta.data
            memo.inputs.pop(id(page), None)
            memo.meta.pop(id(page), None)
        memo.pages = list(sources.pages)
    return memo


def static_files(project: Project) -> list[tuple[Path, str]]:
    """(source file, path inside output/) for everything in static/."""
    from .load.sources import walk_files
    return [(path, publish.STATIC_DIR + "/" + path.relative_to(project.static_dir).as_posix())
            for path in walk_files(project.static_dir, ("",))]


def render_site(project: Project, loaded: Loaded) -> list[PageResult]:
    """Every page, in memory; raises ContentError when one breaks a site rule (``rules:``)."""
    from .render.pages import SiteRenderer
    results = SiteRenderer(project, loaded.site).render()
    broken = check_page_rules(loaded.sources.site, loaded.store, results)
    if broken:
        raise ContentError(broken)
    return results


def _noop_key(base_url: str | None, strict: bool, today: dt.date | None, options: BuildOptions) -> str:
    return h("|".join([cachemod.version_key(), repr(base_url), repr(strict), options.cache_key(),
                       (today or dt.date.today()).isoformat()]))


def _racy(inputs: dict[str, cachemod.Stat | None], since_ns: int) -> bool:
    """A file modified around the time the cache was written may have changed again
    within the file system's timestamp resolution: do not trust its stat (as git does)."""
    limit = since_ns - 2_000_000_000
    return any(st is not None and st[1] >= limit for st in inputs.values())


def _outputs_intact(out: Path, cache: BuildCache) -> bool:
    """Every file the cache says it wrote is still there, unmodified (by stat)."""
    return (out / MARKER).is_file() and cachemod.outputs_intact(out, cachemod.stamp_of(cache).outputs)


def build(project: Project, out: Path, base_url: str | None = None, strict: bool = False,
          today: dt.date | None = None, *, use_cache: bool = False, jobs: int | None = 1,
          state: BuildState | None = None, progress: Progress | None = None,
          early: Early | None = None, walk: cachemod.SourceWalk | None = None, options: BuildOptions | None = None) -> BuildResult:
    """Build the site into *out*.

    With ``use_cache`` the on-disk cache (or ``state.cache``, in memory)
    is used: only pages whose inputs changed are rendered, and when no source
    file changed at all the build is skipped.  ``jobs`` > 1 renders on that
    many processes (None: all cores) when there are enough pages.  Either way,
    files whose final bytes did not change keep their modification time.

    A build without a usable cache assembles a new folder and swaps it in;
    one whose cache vouches for every file of the current output updates
    that folder in place (see writer.InPlaceOutput).

    *walk*: :func:`cache.input_stats` of the sources made by the caller after
    the last change to them (see serve.rebuild.IncrementalBuilder.rebuild).
    """
    with collector_paused():
        return _build(project, out, base_url, strict, today, use_cache=use_cache, jobs=jobs, state=state,
                      progress=progress, early=early, walk=walk, options=options or BuildOptions())


def _build(project: Project, out: Path, base_url: str | None = None, strict: bool = False,
          today: dt.date | None = None, *, use_cache: bool = False, jobs: int | None = 1,
          state: BuildState | None = None, progress: Progress | None = None,
          early: Early | None = None, walk: cachemod.SourceWalk | None = None, options: BuildOptions = BuildOptions()) -> BuildResult:
    """The build; see :func:`build`."""
    started = time.perf_counter()
    started_ns = time.time_ns()
    out = check_output_dir(out, project)
    cache: BuildCache | None = None
    inputs: dict[str, cachemod.Stat | None] = {}
    noop_key = ""
    intact = False
    found: cachemod.Found = {}
    if use_cache:
        if walk is not None:
            inputs, found = walk
        else:
            inputs = cachemod.input_stats(project, found)
        noop_key = _noop_key(base_url, strict, today, options)
        in_memory = state is not None and state.cache is not None
        stamp = (cachemod.stamp_of(state.cache) if in_memory  # type: ignore[union-attr]
                 else cachemod.load_stamp(project, out))
        verified = in_memory and state.outputs_verified   # type: ignore[union-attr]
        if state is not None:
            state.outputs_verified = False   # good for one build: this one writes
        intact = (stamp is not None and (out / MARKER).is_file()
                  and (verified or cachemod.outputs_intact(out, stamp.outputs)))
        if (stamp is not None and stamp.noop_key == noop_key and stamp.inputs == inputs
                and not _racy(inputs, stamp.started_ns) and intact):
            clear_leftovers(out)    # nothing to build, but a killed build's folders still go
            return BuildResult(None, [], list(stamp.warnings), len(stamp.outputs),
                               time.perf_counter() - started, 0, stamp.page_count, [], [], True,
                               stamp.page_count)
        cache = state.cache if in_memory else cachemod.load(project, out)   # type: ignore[union-attr]
        if cache is not None and (stamp is None or cache.started_ns != stamp.started_ns):
            intact = _outputs_intact(out, cache)   # the stamp is not this cache's
    # A build that will render every page checks the sources while the workers render.
    defer = cache is None and early is None
    loaded = load_site(project, base_url, today, state, use_cache, defer_checks=defer,
                       listing=cachemod.Listing(project, found) if use_cache else None)

    def finish_checks() -> None:
        loaded.finish_checks()
        if strict and loaded.report.warnings:
            raise ContentError([
                Diagnostic(d.path, d.line, d.col, "error", d.message + " (--strict)", d.field, d.hint)
                for d in loaded.report.warnings])
    if not defer:
        finish_checks()
    from .publish.assets import plan_static
    from .publish.search import build_index, refresh_index
    try:
        renderer = _renderer(project, loaded, state, use_cache)
    except Exception:
        finish_checks()          # unchecked sources the renderer cannot take: report them
        raise
    plan = plan_static(static_files(project), loaded.config.base_path,
                       options.hash_assets, options.minify)
    renderer.assets = plan.names
    renderer.finish = publish.page_finisher(options)
    glob = global_fp(loaded, renderer, options)
    if cache is not None and cache.glob != glob:
        cache = None   # site.yaml, base URL, asset names or tool changed: render everything
    in_place = cache is not None and intact
    writer: Output = InPlaceOutput(out) if in_place else StagedOutput(out)

    def trusted(rel: str, stat: cachemod.Stat | None, digest: str) -> bool:
        return in_place or file_intact(out, rel, stat, digest)

    blobs = Blobs(cachemod.blobs_dir(project, out)) if use_cache else None
    try:
        rendered = render_with_cache(project, loaded, renderer, out, cache, writer, trusted, jobs, progress,
                                     early, finish_checks if defer else None, blobs)
        pages = rendered.results
        new_cache = BuildCache(cachemod.version_key(), glob, rendered.entries, {}, inputs, noop_key,
                               list(loaded.report.warnings), len(pages), started_ns,
                               origin=cache.origin if cache is not None else None)
        old_files = cache.files if cache is not None else {}
        known: dict[str, cachemod.Stat | None] = {}

        def put_file(rel: str, data: bytes) -> None:
            digest = h(data)
            previous = old_files.get(rel)
            if (previous is not None and previous[0] == digest and trusted(rel, previous[1], digest)
                    and writer.keep(rel)):
                known[rel] = previous[1]
            else:
                writer.put(rel, data)
            new_cache.files[rel] = (digest, None)

        def reuse_file(rel: str) -> bool:
            """Keep the previous build's copy of *rel*, from the output folder when the cache
            vouches for it there, else from the cache's own copy; False if neither has it."""
            digest, stat = old_files[rel]
            if trusted(rel, stat, digest):
                if not writer.keep(rel):
                    writer.put(rel, (out / rel).read_bytes())
                known[rel] = stat
            else:
                data = blobs.get(digest) if blobs is not None else None
                if data is None:
                    return False
                writer.put(rel, data)
            new_cache.files[rel] = (digest, None)
            return True

        for rel, data in plan.files.items():
            put_file(rel, data)
        new_cache.site_files, new_cache.site_deps = site_files_with_cache(loaded, renderer, cache, rendered.recorder,
                                                                put_file, reuse_file)
        new_cache.deps = rendered.recorder.table()
        new_cache.listed = rendered.listed
        wanted = set(rendered.entries) | set(new_cache.files)
        previous = (set(cache.pages) | set(cache.files)) if cache is not None else None
        writer.finish(wanted, previous)
        search = publish.wants_search_index(loaded, options)
        html_touched = any(r.endswith(".html") for r in writer.written + writer.removed)
        search_key = _index_key(new_cache, loaded.config.language) if search and use_cache else ""
        index_from = cache.search if cache is not None else None    # the index the cache keeps
        if isinstance(writer, StagedOutput) and search:
            if options.defer_search:   # live preview: keep the last index until it is refreshed
                writer.carry_over(publish.SEARCH_DIR)
                search_key = ""
            else:
                if not (blobs is not None and restore_index(blobs, index_from, search_key,
                                                            writer.staging / publish.SEARCH_DIR)):
                    build_index(writer.staging, loaded.config.language)
                    index_from = None
                writer.adopt(publish.SEARCH_DIR)
        elif isinstance(writer, InPlaceOutput) and not search and (out / publish.SEARCH_DIR).is_dir():
            writer.drop_dir(publish.SEARCH_DIR)
        writer.commit()
    except BaseException:
        writer.discard()
        raise
    if isinstance(writer, InPlaceOutput) and search and html_touched:
        index_from = None
        if options.defer_search:
            search_key = ""
        else:
            refresh_index(out, loaded.config.language)
    # what is on disk now; a linked or untouched file kept its inode and mtime (an in-place
    # build's), but a staged build may have kept a file recognised by its bytes: stat it anew
    for rel, entry in rendered.entries.items():
        if entry.stat is None:
            entry.stat = stat_of(out / rel)
        elif not in_place:
            now = stat_of(out / rel)
            if now != entry.stat:
                rendered.entries[rel] = PageEntry(entry.self_fp, entry.deps, entry.shown, entry.cited,
                                                  entry.html, now, entry.inputs, entry.meta)
    for rel, (digest, stat) in list(new_cache.files.items()):
        new_cache.files[rel] = (digest, (known.get(rel) if in_place else None) or stat_of(out / rel))
    if state is not None and state.model is not None and state.model.site is loaded.site:
        state.model.site_value = rendered.recorder.resolver.memo.get(SITE_PAGES)
    if use_cache:
        if search_key and blobs is not None:
            new_cache.search = (index_from if index_from is not None and index_from[0] == search_key
                                else record_index(blobs, out / publish.SEARCH_DIR, search_key))
        _keep_bytes(blobs, out, new_cache, rendered.fresh or writer.written or writer.removed)
        if state is not None:
            state.cache = new_cache
        if state is not None and state.defer_save:
            state.unsaved = True
        else:
            cachemod.save(project, out, new_cache)
    return BuildResult(loaded.site, pages, loaded.report.warnings, len(wanted),
                       time.perf_counter() - started, len(rendered.fresh),
                       len(pages) - len(rendered.fresh), sorted(writer.written),
                       list(writer.removed), False, len(pages), in_place)


def _index_key(cache: BuildCache, language: str) -> str:
    """blobs.index_key of the HTML files *cache* describes (what the search index is made from)."""
    html = [(rel, entry.html) for rel, entry in cache.pages.items() if rel.endswith(".html")]
    html += [(rel, digest) for rel, (digest, _stat) in cache.files.items() if rel.endswith(".html")]
    return index_key(html, language)


def _keep_bytes(blobs: Blobs | None, out: Path, cache: BuildCache, changed: Any) -> None:
    """Keep, by hash, the bytes of every file the output folder now holds that the cache
    lacks (a hard link each: see blobs.py), and drop those no file needs any more."""
    if blobs is None:
        return
    have = blobs.names()
    for rel, entry in cache.pages.items():
        if entry.html not in have:
            blobs.add(entry.html, out / rel)
    for rel, (digest, _stat) in cache.files.items():
        if digest not in have:
            blobs.add(digest, out / rel)
    if changed:
        blobs.prune([e.html for e in cache.pages.values()] + [d for d, _s in cache.files.values()]
                    + (list(cache.search[1].values()) if cache.search is not None else []))


def _renderer(project: Project, loaded: Loaded, state: BuildState | None, use_cache: bool) -> SiteRenderer:
    """The build's renderer: the warm one of *state*, or a new one; with *use_cache*,
    its templates are compiled once and kept in ``.cache/jinja/``."""
    from .render.pages import SiteRenderer
    if state is None:
        renderer = SiteRenderer(project, loaded.site)
    else:
        fp = templates_fp(project)
        if state.renderer is None:
            state.renderer = SiteRenderer(project, loaded.site)
        else:
            state.renderer.retarget(loaded.site, templates_changed=fp != state.templates_fp)
        state.templates_fp = fp
        renderer = state.renderer
    if use_cache and renderer.env.bytecode_cache is None:
        renderer.env.bytecode_cache = template_bytecode(project)
    return renderer



def check(project: Project, base_url: str | None = None, today: dt.date | None = None) -> Report:
    """Validate and render in memory: catches template errors too, writes nothing."""
    loaded = load_site(project, base_url, today)
    render_site(project, loaded)
    from .model.links import check_source_links
    broken = check_source_links(loaded.site, loaded.sources.pages, loaded.store, project)
    if broken:       # the same report a build's errors give: warnings too, then exit 1
        raise ContentError(loaded.report.items + broken)
    return loaded.report
