"""Render pages on every core: a forked process pool working through chunks.

Workers are forked after the site is loaded, so they inherit the site model
and the caller's renderer (Jinja environment, Markdown instance) instead of
receiving them pickled, and then render chunks of page indexes.  Only the
results travel back (HTML, dependency records, diagnostics).  Small jobs are
rendered in the calling process: forking and shipping results costs more
than it saves below a few hundred pages.
"""

from __future__ import annotations

import gc
import os
from typing import Any, Callable

from ..diagnostics import Diagnostic
from ..model.site import Page, Site
from .pages import LazyPageResult, PageResult, SiteRenderer

#: below this many pages to render, one process is faster
MIN_PARALLEL_PAGES = 150
#: index, whether it rendered, what *store* returned, deps, shown, cited, problems
Outcome = tuple[int, bool, Any, set, set, list, list[Diagnostic]]
#: writes a rendered page's HTML to the output being built (see render_pages)
Store = Callable[[Page, str], Any]

_STATE: dict[str, Any] = {}


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _outcome(index: int, result: PageResult | None, problems: list[Diagnostic], store: Store) -> Outcome:
    if result is None:
        return (index, False, None, set(), set(), [], problems)
    return (index, True, store(result.page, result.html), result.deps, result.shown, result.cited, problems)


def _worker_render(indexes: list[int]) -> list[Outcome]:
    renderer: SiteRenderer = _STATE["renderer"]
    store: Store = _STATE["store"]
    pages = _STATE["site"].pages
    return [_outcome(i, *renderer.render_page(pages[i]), store) for i in indexes]


#: the smallest chunk: below this, a chunk's round trip through the pool costs more than its pages
MIN_CHUNK = 8


def chunks(items: list[int], jobs: int) -> list[list[int]]:
    """Chunks that shrink as the work runs out: each is a quarter of one worker's share of
    what is left, at most an eighth of its share of the whole, and (but for the remainder
    at the end) never under MIN_CHUNK pages.

    With equal chunks, the worker that takes the last one renders alone while the
    others idle: up to a whole chunk's time (8 chunks per worker at 10,000 pages was
    5 s of one core).  Shrinking chunks end the workers within a few pages of each
    other.  The cap keeps the first results, and so the progress bar, as early as
    with equal chunks; a page's results arrive with its whole chunk.
    """
    out: list[list[int]] = []
    start = 0
    largest = -(-len(items) // (8 * jobs))
    while start < len(items):
        size = max(MIN_CHUNK, min(largest, (len(items) - start) // (4 * jobs)))
        out.append(items[start:start + size])
        start += size
    return out


def _stored_elsewhere() -> str:
    raise RuntimeError("a page rendered in a worker is read back from the output, not from its result")


#: receives each page's result (None if it failed), its problems and what *store* returned
Sink = Callable[[Page, "PageResult | None", list[Diagnostic], Any], None]


def render_pages(site: Site, renderer: SiteRenderer, pages: list[Page], store: Store,
                 sink: Sink, jobs: int | None = None, meanwhile: Callable[[], None] | None = None) -> None:
    """Render *pages* (first-pass pages of *site*), in parallel when worth it.

    *store(page, html)* writes each rendered page where the build puts its
    output, in the process that rendered it: the HTML never travels back
    through a pipe, and the writing is spread over the workers.  It may not
    change the caller's state (in a worker that state is a forked copy), so
    it returns what happened, and the outcome goes to *sink* with the
    result's dependency records, as soon as it arrives (in no particular
    order when parallel): the build never holds the whole site's HTML in memory.

    *meanwhile* runs in this process once the workers have their pages and
    before any outcome reaches *sink*: the main process would otherwise sit
    idle while they render.  If it raises, the workers are stopped and
    nothing reaches *sink* (a cold build checks the sources this way).
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    can_fork = False
    if jobs > 1 and len(pages) >= MIN_PARALLEL_PAGES:
        import multiprocessing   # only here: a small rebuild should not pay for importing it
        can_fork = "fork" in multiprocessing.get_all_start_methods()
    if not can_fork:
        if meanwhile is not None:
            meanwhile()
        for page in pages:
            result, problems = renderer.render_page(page)
            sink(page, result, problems, None if result is None else store(page, result.html))
        return
    position = {id(p): i for i, p in enumerate(site.pages)}
    indexes = [position[id(p)] for p in pages]
    _STATE.clear()
    # the workers use the caller's renderer as forked: its Markdown instance, the templates it
    # has compiled and its compiled-template cache (.cache/jinja) come with it
    _STATE.update(site=site, renderer=renderer, store=store)
    gc.collect()
    gc.freeze()   # keep the inherited model's pages shared (no refcount-free gc writes)
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(min(jobs, len(pages))) as pool:   # leaving it terminates the workers
            outcomes = pool.imap_unordered(_worker_render, chunks(indexes, jobs))
            if meanwhile is not None:
                meanwhile()
            for batch in outcomes:
                for index, rendered, stored, deps, shown, cited, problems in batch:
                    page = site.pages[index]
                    # the HTML stayed with the worker that stored it (see LazyPageResult)
                    result = LazyPageResult(page, _stored_elsewhere, deps, shown, cited) if rendered else None
                    sink(page, result, problems, stored)
    finally:
        gc.unfreeze()
        _STATE.clear()
