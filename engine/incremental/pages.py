"""Rendering with the build cache: which pages a change touches, and everything else reused.

Each rendered page records what it used (dependencies: files, records, selections,
templates, listings, assets); :class:`Resolver` gives each dependency's current
fingerprint, :class:`DepRecorder` stores them compactly, and
:func:`render_with_cache` renders only the pages whose recorded dependencies
changed, taking the others from the previous output, or, where there is none (a fresh
clone with ``.cache/`` restored), from the bytes the cache keeps (blobs.py).  The site-wide files
(sitemap, feed, 404) are remade the same way (:func:`site_files_with_cache`).
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .. import publish
from ..config import BuildOptions
from ..deps import SITE_PAGES, Dep
from ..diagnostics import ContentError, Diagnostic
from ..model.site import Loaded
from ..project import Project
from ..validate.pagerules import check_page_rules
from ..write.output import KEPT, WRITTEN, InPlaceOutput, Output, StagedOutput
from . import cache as cachemod
from .blobs import Blobs
from .cache import BuildCache, DepTable, PageEntry, fingerprint, h, pack_ids, stat_of, unpack_ids
from .collector import collector_on

if TYPE_CHECKING:  # pragma: no cover
    from ..model.site import Page
    from ..render.pages import LazyPageResult, PageResult, SiteRenderer


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

    def __init__(self, project: Project, loaded: Loaded, known: dict[str, PageEntry] | None,
                 asset_url: Callable[[str], str]):
        self.project = project
        self.loaded = loaded
        self.asset_url = asset_url   # SiteRenderer.asset: a static file's URL (its hashed name)
        self.site = loaded.site
        self.store = loaded.store
        self.known = known or {}     # the previous build's entries, by output path
        self.memo: dict[tuple[str, str], str] = {}
        model = loaded.model
        # by id of the page: kept with the model when the preview keeps it (ModelMemo)
        self.meta: dict[int, str] = model.meta if model is not None else {}
        self.inputs: dict[int, str] = model.inputs if model is not None else {}
        #: ids of a page's crumbs above it -> their repr, and the crumbs (kept alive: ids stay theirs)
        self.trails: dict[tuple[int, ...], tuple[str, list[Any]]] = model.trails if model is not None else {}
        self.digests = {src.rel: src.digest for src in loaded.sources.pages}
        self.first_pass: list[PageResult] | None = None
        self._shown_index: dict[tuple[str, str], list[str]] | None = None
        self._cited_index: dict[str, list[str]] | None = None

    def inputs_fp(self, page: Page) -> str:
        """What a Markdown page's fields are made from: its file and its breadcrumbs
        ("" for pages made from data records).

        Everything else structure.py reads (site.yaml, the tool's code) is part of
        the whole cache's key, so equal inputs mean an equal :func:`page_meta_fp`,
        which then need not be computed again: comparing a short string is far
        cheaper than the ``repr`` of every field and of the front matter.  The
        string is the file's path and digest (its name is made from the path)
        and a hash of the crumbs above the page, not hashed again: this runs for
        every page on every build.
        """
        fp = self.inputs.get(id(page))
        if fp is None:
            src = page.source
            fp = self.inputs[id(page)] = "" if src is None else \
                f"{src.rel}\0{src.digest}\0{self._trail(page.breadcrumbs)}"
        return fp

    def _trail(self, crumbs: list[Any]) -> str:
        """Hash of the crumbs above a page (the last crumb is the page itself: made from its
        file too).  They are shared by a folder's pages (structure.Trail): hashed once per folder."""
        above = crumbs[:-1]
        key = tuple(map(id, above))
        trail = self.trails.get(key)
        if trail is None:   # keeps the crumbs too, so that their ids stay theirs
            trail = self.trails[key] = (h(repr([(c.title, c.url) for c in above])), above)
        return trail[0]

    def meta_fp(self, page: Page) -> str:
        fp = self.meta.get(id(page))
        if fp is None:
            before = self.known.get(page.output)
            inputs = self.inputs_fp(page)
            if before is not None and inputs and before.inputs == inputs:
                fp = before.meta
            else:
                fp = page_meta_fp(page)
            self.meta[id(page)] = fp
        return fp

    def meta_fps(self, pages: list[Page]) -> list[str]:
        """:meth:`meta_fp` of each page: what the "site" dependency is made of, computed on
        every build for every page, so in one loop over local names."""
        meta, inputs, known, trail = self.meta, self.inputs, self.known, self._trail
        out = []
        for page in pages:
            key = id(page)
            fp = meta.get(key)
            if fp is None:
                src = page.source
                before = known.get(page.output)
                if src is None or before is None or key in inputs:
                    fp = self.meta_fp(page)
                else:
                    now = inputs[key] = f"{src.rel}\0{src.digest}\0{trail(page.breadcrumbs)}"
                    fp = meta[key] = before.meta if before.inputs == now else page_meta_fp(page)
            out.append(fp)
        return out

    def self_fp(self, page: Page) -> str:
        return h(self.meta_fp(page) + "|" + (page.source.digest if page.source else ""))

    def self_clean(self, page: Page, entry: PageEntry) -> bool:
        """Whether *page* itself (its fields and file) is as when *entry* was made."""
        inputs = self.inputs_fp(page)
        return (inputs != "" and entry.inputs == inputs) or entry.self_fp == self.self_fp(page)

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
        if kind in ("asset", "asset-exact"):
            return self.asset_url(key)   # the URL itself: a patch swaps the old one for the new
        if kind == "exists":
            return "yes" if self.site.by_url(key) is not None else self.MISSING
        if kind == "site":
            return fingerprint(self.meta_fps(self.site.pages))
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


def global_fp(loaded: Loaded, renderer: SiteRenderer, options: BuildOptions) -> str:
    """Inputs every page may depend on: settings and publishing options.  Asset names
    are per-page dependencies (``asset``), so that a stylesheet edit, which renames the
    hashed file every page links to, patches the pages instead of rendering them all."""
    return fingerprint((repr(loaded.config), options.cache_key()))


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
    recorder: DepRecorder    # the dependency numbers the entries use, with this build's values
    listed: str              # see _listed_fp


def _listing(dep: Dep) -> bool:
    return dep[0] == "listing"


def _not_listing(dep: Dep) -> bool:
    return dep[0] != "listing"


class DepRecorder:
    """Numbers the dependencies of the pages rendered in this build (see cache.DepTable).

    Starts from the previous table: each key keeps its number, and the keys
    that changed value are resolved once here, so that checking 10,000 pages
    is one set operation per page, whatever the number of dependencies.
    """

    def __init__(self, previous: DepTable, resolver: Resolver):
        self.resolver = resolver
        self.keys = list(previous.keys)
        self.before = previous.values    # the values the cached pages were made with
        self.index = previous.index()
        # listings have their final value only once the first pass is done (see late())
        self.changed, self.values = previous.changed(resolver.value, _not_listing)

    def late(self, listings_unchanged: bool) -> None:
        """The first pass is done: compare the listings too (for second-pass pages and 404).

        A listing is made of first-pass pages' metadata and the records and
        references they showed; when the caller knows none of that changed,
        every listing keeps its value and the site-wide scan is skipped.
        """
        if listings_unchanged:
            return
        table = DepTable(self.keys, self.values)
        changed, self.values = table.changed(self.resolver.value, _listing)
        self.changed |= changed

    def is_clean(self, deps: bytes) -> bool:
        return not self.changed or self.changed.isdisjoint(unpack_ids(deps))

    def renamed_assets(self, deps: bytes) -> list[tuple[str, str]] | None:
        """(old URL, new URL) of each asset a page links to that was renamed, when
        nothing else it depends on changed; None otherwise."""
        hit = self.changed.intersection(unpack_ids(deps))
        if not hit or any(self.keys[i][0] != "asset" for i in hit):
            return None
        return [(self.before[i], self.values[i]) for i in sorted(hit)]

    def record(self, deps: Iterable[Dep], page: Page | None) -> bytes:
        """*deps* as packed numbers, adding new keys with their current value.

        A first-pass page's listings are always empty (``first-pass``) and a
        Markdown page's own file is covered by its own fingerprint: neither
        can make it stale, so neither is recorded.
        """
        ids = []
        own = ("file", page.rel) if page is not None and page.source is not None else None
        first = page is not None and not page.late
        for dep in deps:
            if dep == own or (first and dep[0] == "listing"):
                continue
            i = self.index.get(dep)
            if i is None:
                i = self.index[dep] = len(self.keys)
                self.keys.append(dep)
                self.values.append(self.resolver.value(dep))
            ids.append(i)
        return pack_ids(ids)

    def table(self) -> DepTable:
        return DepTable(self.keys, self.values)


def _listed_fp(first: list[Page]) -> str:
    """The first-pass pages, in order: what second-pass listings are drawn from."""
    return h("\n".join(p.output for p in first))


def _lists_alike(before: PageEntry | None, now: PageEntry) -> bool:
    """Whether a re-rendered first-pass page looks the same to second-pass listings
    (pages_showing, citing_pages): same metadata, same records shown, same citations."""
    return (before is not None and before.meta == now.meta and before.shown == now.shown
            and before.cited == now.cited)


def _lazy(page: Page, out: Path, rel: str, deps: Any, shown: Any, cited: Any) -> LazyPageResult:
    """A result whose HTML is read back from the output folder only if someone asks
    (the path is made then too: 10,000 pathlib joins cost a fifth of a second)."""
    from ..render.pages import LazyPageResult
    return LazyPageResult(page, lambda: (out / rel).read_text(encoding="utf-8"), deps, shown, cited)


@functools.cache
def _cached_result_class() -> type:
    """CachedResult, made on first use: render/pages.py (Jinja, Markdown) loads only when a build renders."""
    from ..render.pages import LazyPageResult

    class CachedResult(LazyPageResult):
        """A page taken from the build cache, as light as can be (10,000 of them per build):
        its HTML is read from the output folder, and its dependencies listed, only if asked for."""

        def __init__(self, page: Page, out: Path, entry: PageEntry, keys: list[Dep]):
            # deliberately not LazyPageResult.__init__: everything else is derived on use
            self.page, self._out, self._entry, self._keys = page, out, entry, keys

        @property
        def html(self) -> str:  # type: ignore[override]
            return (self._out / self.page.output).read_text(encoding="utf-8")

        @property  # type: ignore[override]
        def deps(self) -> frozenset[Dep]:
            """What the page recorded, less what cannot make it stale (see DepRecorder.record)."""
            return frozenset(self._keys[i] for i in unpack_ids(self._entry.deps))

        @property  # type: ignore[override]
        def shown(self) -> frozenset[tuple[str, str]]:
            return self._entry.shown

        @property  # type: ignore[override]
        def cited(self) -> tuple[str, ...]:
            return self._entry.cited

    return CachedResult


#: trusted(rel, stat, digest): the output folder's *rel* is the file the cache recorded
Trusted = Callable[[str, "cachemod.Stat | None", str], bool]
#: a stored page: hash of its HTML, what the writer did (writer.KEPT / WRITTEN), and its
#: stat when the previous output's file was kept as the cache knew it
Stored = tuple[str, str, "cachemod.Stat | None"]


@dataclass
class Early:
    """Pages to render and put in place first, and whom to tell when they are."""
    outputs: set[str]
    ready: Callable[[list[str]], None]


def render_with_cache(project: Project, loaded: Loaded, renderer: SiteRenderer, out: Path,
                      cache: BuildCache | None, writer: Output, trusted: Trusted,
                      jobs: int | None = None, progress: "Progress | None" = None,
                      early: Early | None = None,
                      meanwhile: Callable[[], None] | None = None, blobs: Blobs | None = None) -> Rendered:
    """Render the pages whose inputs changed, writing each as it arrives; reuse the rest.

    *trusted(rel, stat, digest)* says whether the previous output's copy of *rel* is
    known to be the one the cache describes; where it is not (or there is no
    previous output), an unchanged page's bytes come from *blobs* when they are
    kept there.  Raises ContentError (the caller discards the writer, so nothing
    reaches the output folder).

    With *early* (live preview, in-place updates only), the pages open in a
    browser are rendered before all others and put in place at once, so
    the reader sees a template edit without waiting for the whole site.
    *meanwhile* (deferred source checks) runs while the workers render and
    write, before any page is accounted for (see parallel.render_pages): if
    it fails, what they wrote is in the staging folder the caller discards.
    """
    from ..render.parallel import render_pages
    CachedResult = _cached_result_class()  # noqa: N806 - a class
    site = loaded.site
    old = cache.pages if cache is not None else {}
    resolver = Resolver(project, loaded, old, renderer.asset)
    if loaded.model is not None and loaded.model.site_value is not None:
        resolver.memo[SITE_PAGES] = loaded.model.site_value
    recorder = DepRecorder(cache.deps if cache is not None else DepTable(), resolver)
    entries: dict[str, PageEntry] = {}
    problems: list[Diagnostic] = []
    fresh: set[str] = set()
    by_output: dict[str, PageResult] = {}
    one_copy: dict[Any, Any] = {}

    def shared(value: Any) -> Any:
        """One object per distinct record or reference id: the pickled cache stores each once."""
        return one_copy.setdefault(value, value)

    def reuse_or_queue(pages: list[Page]) -> list[Page]:
        dirty = []
        for page in pages:
            entry = old.get(page.output)
            if (entry is not None and recorder.is_clean(entry.deps) and resolver.self_clean(page, entry)
                    and ((trusted(page.output, entry.stat, entry.html) and writer.keep(page.output))
                         or restored(page.output, entry))):
                by_output[page.output] = CachedResult(page, out, entries.setdefault(page.output, entry),
                                                      recorder.keys)
            elif entry is None or not patched(page, entry):
                dirty.append(page)
        return dirty

    def restored(rel: str, entry: PageEntry) -> bool:
        """Put in place an unchanged page the output folder does not hold (a fresh clone) from
        the bytes the cache keeps, if it keeps them: linked into a staging folder (the common
        case: no output folder at all), else written.  Its stat is taken once it is in place."""
        if blobs is None:
            return False
        if isinstance(writer, StagedOutput):
            if not blobs.link_to(entry.html, writer.path(rel)):
                return False
            writer.note(rel, WRITTEN)
        else:
            data = blobs.get(entry.html)
            if data is None:
                return False
            writer.put(rel, data)
        entries[rel] = PageEntry(entry.self_fp, entry.deps, entry.shown, entry.cited, entry.html, None,
                                 entry.inputs, entry.meta)
        return True

    def patched(page: Page, entry: PageEntry) -> bool:
        """A page whose only changed dependencies are renamed assets (a stylesheet edit
        renames the hashed file): the previous HTML with the URLs swapped is what
        rendering would give (render.PageContext.asset checks that each URL is in
        the page as handed out), for a fraction of the cost."""
        if not writer.in_place:
            return False
        swaps = recorder.renamed_assets(entry.deps)
        if swaps is None or not resolver.self_clean(page, entry):
            return False
        rel = page.output
        try:
            if trusted(rel, entry.stat, entry.html):
                html = (out / rel).read_text(encoding="utf-8")
            else:
                data = blobs.get(entry.html) if blobs is not None else None
                if data is None:
                    return False
                html = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        for before, now in swaps:
            html = html.replace(before, now)
        writer.put(rel, html.encode("utf-8"))
        entries[rel] = PageEntry(entry.self_fp, entry.deps, entry.shown, entry.cited, h(html), None,
                                 entry.inputs, entry.meta)
        by_output[rel] = CachedResult(page, out, entries[rel], recorder.keys)
        return True

    def store(page: Page, html: str) -> Stored | None:
        """Write a rendered page (in a worker when parallel: see parallel.render_pages).
        The writer's bookkeeping waits for :func:`take`, in this process.  None once this
        process has seen an error: such a build commits nothing, so stop writing."""
        if problems:
            return None
        rel = page.output
        digest = h(html)
        previous = old.get(rel)
        if (previous is not None and previous.html == digest and trusted(rel, previous.stat, digest)
                and writer.link(rel)):
            return digest, KEPT, previous.stat          # same bytes as the file already there
        return digest, writer.write(rel, html.encode("utf-8")), None

    def take(page: Page, result: PageResult | None, found: list[Diagnostic], stored: Stored | None) -> None:
        if progress:
            progress.advance(1)
        problems.extend(found)
        if result is None or stored is None or problems:
            return      # a build with errors commits nothing (its staged files are discarded)
        rel = page.output
        fresh.add(rel)
        digest, action, stat = stored
        writer.note(rel, action)
        entries[rel] = PageEntry(resolver.self_fp(page), recorder.record(result.deps, page),
                                 frozenset(map(shared, result.shown)), tuple(map(shared, result.cited)),
                                 digest, stat, resolver.inputs_fp(page), resolver.meta_fp(page))
        by_output[rel] = _lazy(page, out, rel, result.deps, result.shown, result.cited)

    def render_one(page: Page) -> None:
        result, found = renderer.render_page(page)
        take(page, result, found, None if result is None else store(page, result.html))

    first = [p for p in site.pages if not p.late]
    late = [p for p in site.pages if p.late]
    dirty_first = reuse_or_queue(first)
    if progress:
        progress.start(len(dirty_first) + len(late))
    renderer.first_pass = []
    if early is not None and isinstance(writer, InPlaceOutput):
        wanted_first = [p for p in dirty_first if p.output in early.outputs]
        if wanted_first:
            for page in wanted_first:
                render_one(page)
            if not problems:
                done = [p.output for p in wanted_first if p.output in writer.written]
                writer.commit_some(done)
                early.ready(done)
            dirty_first = [p for p in dirty_first if p.output not in early.outputs]
    with collector_on():
        render_pages(site, renderer, dirty_first, store, take, jobs, meanwhile)
    if problems:
        raise ContentError(problems)
    first_pass = [by_output[p.output] for p in first if p.output in by_output]
    renderer.first_pass = first_pass
    resolver.first_pass = first_pass
    listed = _listed_fp(first)
    recorder.late(cache is not None and cache.listed == listed
                  and all(_lists_alike(old.get(rel), entries[rel]) for rel in fresh))
    dirty_late = reuse_or_queue(late)
    if progress:
        progress.advance(len(late) - len(dirty_late))
    with collector_on():
        for page in dirty_late:
            render_one(page)
    if problems:
        raise ContentError(problems)
    results = sorted(by_output.values(), key=lambda r: r.page.output)
    broken = check_page_rules(loaded.sources.site, loaded.store, results)
    if broken:
        raise ContentError(broken)
    return Rendered(results, fresh, entries, recorder, listed)


def site_files_with_cache(loaded: Loaded, renderer: SiteRenderer, cache: BuildCache | None, recorder: DepRecorder,
                put: Callable[[str, bytes], None], reuse: Callable[[str], bool]) -> tuple[tuple[str, ...], dict[str, bytes]]:
    """Remake the site-wide files (sitemap, feed, 404 ...) whose dependencies changed; keep the rest.

    *reuse(rel)* keeps the previous build's file (from the output folder or the
    cache's copy); False when it has neither, and the file is made again.

    Returns the files that exist and each file's packed dependency numbers.
    """
    old_deps = cache.site_deps if cache is not None else {}
    old_made = set(cache.site_files) if cache is not None else set()
    old_files = cache.files if cache is not None else {}
    made: list[str] = []
    deps: dict[str, bytes] = {}
    stale: list[str] = []
    for rel in publish.SITE_FILES:
        packed = old_deps.get(rel)
        if (packed is None or not recorder.is_clean(packed)
                or (rel in old_made and not (rel in old_files and reuse(rel)))):
            stale.append(rel)
            continue
        deps[rel] = packed
        if rel in old_made:
            made.append(rel)
    for rel, file in (publish.site_files(loaded, renderer, stale) if stale else {}).items():
        deps[rel] = recorder.record(file.deps, None)
        if file.data is not None:
            put(rel, file.data)
            made.append(rel)
    return tuple(sorted(made)), deps


class Progress:
    """Interface for progress reporting (see commands/build.py)."""

    def start(self, total: int) -> None:  # pragma: no cover - interface
        pass

    def advance(self, count: int) -> None:  # pragma: no cover - interface
        pass
