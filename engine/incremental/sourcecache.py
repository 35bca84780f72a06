"""Stages 1-2 (load + validate) without redoing the work for files that did not change.

A from-scratch load reads and parses every file in ``content/`` and ``data/``,
and validation then checks every page; on a 10,000-page site that is seconds
on every build, although an edit usually touches one file.  This module keeps,
per file, what loading and checking it produced, and gives exactly the same
:class:`Sources` and :class:`Report` as :func:`engine.sources.load_sources`
followed by :func:`engine.validate.checks.validate`.

What is kept (in ``.cache/``, and in a :class:`SourceMemo` for the live
preview, which then does not touch the disk after its first build):

* per file: its stat, the digest of its bytes and the parsed result (front
  matter values with their positions packed, never the page body: it is read
  from the file when a page is rendered, see ``StoredSourcePage``);
* per page: what validation reported (front matter against the schema; field
  and body checks), its output path, and the context-free
  :class:`~engine.validate.PageFacts` (citations, block lines, raw HTML) the
  body checks were computed from;
* site-wide: how many pages cite each reference id, the data-file checks and
  the template checks, each with the digest of all their inputs.

When a result may be reused:

* A file is unchanged when its (size, mtime_ns, inode, ctime_ns) equal the
  recorded ones.  A stat is recorded only if the file was not modified within
  2 s before the recording scan began (the racy-stat rule git uses: a later
  write within the file system's timestamp resolution might not change the
  stat).  Otherwise the file is read; if its digest is the recorded one, the
  parsed result is still reused.
* A page's schema result is reused while the schema files are byte-identical
  (``schema_fp``); its field and body result while the *context* is identical
  (``ctx_fp``: template names, block templates' collections, the ids of every
  data collection, ``allow_raw_html``; see ``PageContext``).  When the context
  changes, pages are re-checked from their stored facts, without reading them.
* Checks that span pages (two pages writing one file, review dates, uncited
  references) run on every build, over cached values (:func:`validate.assemble`).

Files: ``sources.pickle`` holds everything; ``sources.delta.pickle`` the
rows changed since (plus the small site-wide parts), so that a build after
editing one article does not rewrite 10,000 rows.  The full file is rewritten
when the delta grows past a twentieth of the pages.  Each file's header holds
:func:`cache.version_key` (tool, Python and dependency versions, the engine's
code) and a checksum of the rest: another version's, truncated or corrupt
file is ignored, and a delta only applies to the full file it was made for.
Deleting ``.cache/`` at any time only costs one full load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..diagnostics import ContentError, Diagnostic, Report
from ..load.datastore import DataStore
from ..project import Project
from .cache import Listing
from .collector import collector_off
from ..load.sources import (FileLoader, PartlyRead, SourcePage, Sources, StoredSourcePage, digest, load_sources, parse_data,
                      parse_page)
from ..config import Topics
from ..validate.checks import (DataCheck, PageCheck, PageContext, PageFacts, TemplateCheck, analyse_templates, assemble,
                       check_data, check_data_schemas, check_front_matter, check_page, check_schemas,
                       checks_without_data, page_claim, page_context, page_facts, read_templates, validate)
from ..load.yamlsource import PackedYamlDoc, YamlDoc, known_documents, pack_positions
from ..validate.schema import SchemaSet, load_schemas, schemas_fingerprint
from .sourcestate import (FORMAT, RACY_NS, DataRow, PageRow, RowT, Stat, State, Stored, read_state, stat_key,
                          write_state)

@dataclass
class LoadStats:
    """What one :func:`load_then_check` call did (tests and ``--verbose`` read it)."""

    cache: str = "none"       # where earlier results came from: "memo", "disk" or "none"
    files: int = 0            # data and content files seen
    reused: int = 0           # trusted by their stat: not read at all
    verified: int = 0         # read (stat changed or racy) and found byte-identical: not parsed
    reparsed: int = 0         # read and parsed
    rechecked: int = 0        # pages whose own checks ran (new, changed, or the context changed)
    written: str = ""         # what was written to .cache/: "", "delta" or "full"
    seconds: float = 0.0


@dataclass
class SourceMemo:
    """In-process state for repeated builds (the live preview): parsed objects stay in memory."""

    state: State | None = None
    pages: dict[str, SourcePage] = field(default_factory=dict)   # by rel, matching state.pages
    stats: LoadStats = field(default_factory=LoadStats)          # of the last call


def load_then_check(project: Project, today: dt.date | None = None, memo: SourceMemo | None = None,
                    *, use_cache: bool = True, stats: LoadStats | None = None, listing: Listing | None = None,
                    ) -> tuple[Sources, DataStore, Callable[[], Report]]:
    """Load the sources now and return a function that checks them: parse now, check when called.

    A cold build builds the site model and starts rendering on the worker
    processes before it checks the sources, and checks them in the main
    process while the workers render (checking is most of the loading time).
    Nothing rendered is used unless the check passes.  The function must be
    called exactly once; it records the results (memo, ``.cache/``) as
    a load from scratch does.

    *listing* (a build's :func:`cache.input_stats` scan, just made) saves listing
    and stat-ing the source folders again.
    """
    started = time.perf_counter()
    stats = stats if stats is not None else LoadStats()
    if not use_cache:
        sources = read_sources(project)
        store = DataStore.from_docs(sources.data, Topics.from_site(sources.site.data).fields)

        def check_fresh() -> Report:
            report = validate(sources, store, project.templates_dir, today)
            stats.files = stats.reparsed = len(sources.data) + len(sources.pages) + project.site_file.is_file()
            stats.seconds += time.perf_counter() - checking
            return report
        stats.seconds = time.perf_counter() - started
        checking = time.perf_counter()
        return sources, store, check_fresh
    stored: Stored | None = None
    if memo is not None and memo.state is not None:
        previous: State | None = memo.state
        stats.cache = "memo"
    else:
        stored = read_state(project)
        previous = stored.state if stored is not None else None
        stats.cache = "disk" if stored is not None else "none"
    run = _Run(project, previous, memo.pages if memo is not None else {}, stats, listing)
    # A run creates some 10^5 long-lived objects and next to no cyclic garbage (~200 objects
    # on a cold 10,000-page run): the cyclic collector would only traverse them again and again.
    with collector_off():
        sources = read_sources(project, run)      # raises ContentError; nothing is recorded then
        store = DataStore.from_docs(sources.data, Topics.from_site(sources.site.data).fields)
    stats.seconds = time.perf_counter() - started

    def check_cached() -> Report:
        checking = time.perf_counter()
        with collector_off():
            report = run.validate(sources, store, today)
        state = run.new_state()
        if memo is not None:
            memo.state, memo.pages, memo.stats = state, run.objects, stats
        if stats.cache != "memo" and run.changed:
            stats.written = write_state(project, state, stored)
        stats.seconds += time.perf_counter() - checking
        return report
    return sources, store, check_cached


# -- one call -------------------------------------------------------------------


def read_sources(project: Project, run: "_Run | None" = None) -> Sources:
    """:func:`load_sources`; when some files cannot be read, the error also lists what the
    readable files break on their own: their schemas, raw HTML in pages, template syntax.
    Cross-record checks would only add noise about the missing file, so they wait."""
    try:
        return load_sources(project, run)
    except PartlyRead as exc:
        report = Report(list(exc.diagnostics))
        if run is not None:
            report.extend(run.schema_errors(exc.sources))
        else:
            schema_report = Report()
            check_schemas(exc.sources, schema_report)
            report.extend(schema_report.errors)
        report.extend(checks_without_data(exc.sources, exc.site_read))
        raise ContentError(report.items) from None

class _Run(FileLoader):
    """One load + validate: a FileLoader that reuses rows, then the checks over them."""

    def __init__(self, project: Project, previous: State | None, objects: dict[str, SourcePage],
                 stats: LoadStats, listing: Listing | None = None):
        self.project = project
        self.listing = listing
        self.old = previous or State()
        self.old_objects = objects
        self.stats = stats
        self.root = str(project.root) + os.sep
        self.root_len = len(self.root)
        self.racy_limit = time.time_ns() - RACY_NS     # see recorded()
        self.pages: dict[str, PageRow] = {}
        self.data_rows: dict[str, DataRow] = {}
        self.objects: dict[str, SourcePage] = {}
        self.fresh: dict[str, PageFacts] = {}        # rel -> facts of pages parsed in this run
        self.cited: dict[str, int] = {}
        self.changed = previous is None
        self._schemas: SchemaSet | None = None
        self.schema_fp = ""
        self.ctx_fp = ""
        self.data_check: tuple[str, DataCheck] | None = None
        self.templates: tuple[str, TemplateCheck] | None = None

    # -- loading (called by load_sources) ---------------------------------------

    def files(self, top: Path, suffixes: tuple[str, ...]) -> list[tuple[str, os.stat_result]]:
        found = self.listing.files(top, suffixes) if self.listing is not None else None
        return found if found is not None else super().files(top, suffixes)

    def file_stat(self, path: Path) -> os.stat_result | None:
        if self.listing is not None:
            known, st = self.listing.stat(path)
            if known:
                return st
        return super().file_stat(path)

    def rel(self, path: str) -> str:
        if path.startswith(self.root):
            return path[self.root_len:].replace(os.sep, "/")
        return self.project.rel(Path(path))

    def recorded(self, current: Stat) -> Stat | None:
        """The stat to record for a file just read: None if it was modified so recently
        (within RACY_NS before this scan began) that a later write might leave it unchanged."""
        return current if max(current[1], current[3]) < self.racy_limit else None

    def unchanged_bytes(self, path: str, recorded_digest: str) -> bytes | None:
        """The file's bytes if they differ from *recorded_digest*, else None (and counted as verified)."""
        raw = Path(path).read_bytes()
        if digest(raw) == recorded_digest:
            self.stats.verified += 1
            return None
        return raw

    def restat(self, row: RowT, current: Stat) -> RowT:
        """*row* (content verified) with the stat to record now."""
        stat = self.recorded(current)
        if stat == row.stat:
            return row
        self.changed = True
        return row._replace(stat=stat)

    def data(self, project: Project, path: Path, st: os.stat_result) -> YamlDoc:
        self.stats.files += 1
        rel, key = self.rel(str(path)), stat_key(st)
        old = self.old.data.get(rel)
        raw: bytes | None = None
        if old is not None:
            if old.stat == key:
                self.stats.reused += 1
                self.data_rows[rel] = old
                return old.doc
            raw = self.unchanged_bytes(str(path), old.digest)
            if raw is None:
                self.data_rows[rel] = self.restat(old, key)
                return old.doc
        raw = raw if raw is not None else path.read_bytes()
        self.stats.reparsed += 1
        self.changed = True
        doc = parse_data(project, path, raw)
        self.data_rows[rel] = DataRow(self.recorded(key), digest(raw), doc)
        return doc

    def load_pages(self, project: Project, files: list[tuple[str, os.stat_result]], pages: list[SourcePage],
                   report: Report) -> None:
        """The files whose stat is the recorded one, in one tight loop (10,000 on a large site,
        every build); the others through :meth:`page`."""
        if os.sep != "/":
            return super().load_pages(project, files, pages, report)
        root, root_len = self.root, self.root_len
        rows, new_rows, objects, memo = self.old.pages, self.pages, self.objects, self.old_objects
        append = pages.append
        trusted = 0
        for path, st in files:
            rel = path[root_len:] if path.startswith(root) else None
            row = rows.get(rel) if rel is not None else None
            if row is not None and row.stat == (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns):
                trusted += 1
                new_rows[rel] = row   # type: ignore[index]
                # the live preview's previous object, while it is still this row's: the
                # site model can then be patched rather than rebuilt (pipeline.load_site)
                src = memo.get(rel)   # type: ignore[arg-type]
                if src is None or src.digest != row.digest or src.stale:
                    src = StoredSourcePage(   # type: ignore[arg-type]
                        rel, row.name, PackedYamlDoc(rel, row.meta, row.meta_digest, row.positions),
                        row.body_line, row.digest, path)
                objects[rel] = src   # type: ignore[index]
                append(src)
            else:
                super().load_pages(project, [(path, st)], pages, report)
        self.stats.files += trusted
        self.stats.reused += trusted

    def page(self, project: Project, path: str, st: os.stat_result) -> SourcePage:
        # runs for every page on every build: the trusted case is kept short
        self.stats.files += 1
        rel = path[self.root_len:] if path.startswith(self.root) and os.sep == "/" else self.rel(path)
        key = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
        old = self.old.pages.get(rel)
        raw: bytes | None = None
        if old is not None:
            if old.stat == key:
                self.stats.reused += 1
                return self.reuse(rel, old, path)
            raw = self.unchanged_bytes(path, old.digest)
            if raw is None:
                return self.reuse(rel, self.restat(old, key), path)
        raw = raw if raw is not None else Path(path).read_bytes()
        self.stats.reparsed += 1
        self.changed = True
        if old is None:
            src = parse_page(project, Path(path), raw)
        else:
            def known(rel: str, digest: str) -> YamlDoc | None:   # the front matter, if unchanged
                if rel != src_rel or digest != old.meta_digest or not old.meta_digest:
                    return None
                return PackedYamlDoc(rel, old.meta, old.meta_digest, old.positions)
            src_rel = rel
            with known_documents(known):
                src = parse_page(project, Path(path), raw)
        facts = page_facts(src)
        self.fresh[src.rel] = facts
        self.pages[src.rel] = PageRow(self.recorded(key), src.digest, src.name, _canonical(src.meta.data),
                                      src.meta.digest, pack_positions(src.meta), src.body_line,
                                      pack_facts(facts), tuple(page_claim(src)), None, None)
        self.objects[src.rel] = src
        return src

    def reuse(self, rel: str, row: PageRow, path: str) -> SourcePage:
        self.pages[rel] = row
        src = self.old_objects.get(rel)
        if src is None or src.digest != row.digest or src.stale:
            meta = PackedYamlDoc(rel, row.meta, row.meta_digest, row.positions)
            src = StoredSourcePage(rel, row.name, meta, row.body_line, row.digest, path)
        self.objects[rel] = src
        return src

    def schema_errors(self, sources: Sources) -> list[Diagnostic]:
        """Schema errors of the readable files when others could not be read (:func:`read_sources`),
        from cached results where they still hold (a typo should not cost seconds)."""
        self.schema_fp = schemas_fingerprint(self.project.schemas_dir) or _never()
        report = Report()
        data = self.old.data_check
        if data is not None and data[0] == self.data_fp(sources):
            report.extend(data[1].head)
        else:
            check_data_schemas(sources, self.schemas(), report)
        for src in sources.pages:
            report.extend(self.front_matter(src))
        return report.errors

    # -- validation ------------------------------------------------------------------

    def schemas(self) -> SchemaSet:
        """The compiled schemas, only when something must be checked against them."""
        if self._schemas is None:
            self._schemas = load_schemas(self.project.schemas_dir, trusted=self.old.schema_valid)
        return self._schemas

    def data_fp(self, sources: Sources) -> str:
        """Digest of every input of the data checks (data files, site.yaml, schemas)."""
        docs = [(stem, doc.rel, doc.digest) for stem, doc in sources.data.items()]
        site = (sources.project.site_file.is_file(), sources.site.rel, sources.site.digest)
        return _digest(repr((self.schema_fp, site, docs)))

    def front_matter(self, src: SourcePage) -> tuple[Diagnostic, ...]:
        row = self.pages[src.rel]
        if self.schema_fp == self.old.schema_fp:
            if row.schema is not None and src.rel not in self.fresh:
                return row.schema
            # an edit below the front matter: the same text at the same lines gives the same messages
            old = self.old.pages.get(src.rel)
            if old is not None and old.schema is not None and old.meta_digest == row.meta_digest != "":
                return old.schema
        return tuple(check_front_matter(src, self.schemas()))

    def validate(self, sources: Sources, store: DataStore, today: dt.date | None) -> Report:
        self.schema_fp = schemas_fingerprint(self.project.schemas_dir) or _never()
        data_check = self.check_data(sources, store)
        templates = self.check_templates()
        ctx = page_context(sources, store, templates)
        self.ctx_fp = ctx.fingerprint()
        checks = self.check_pages(sources.pages, ctx)
        self.cited = self.count_citations()
        self.changed = self.changed or (
            len(self.pages) != len(self.old.pages) or len(self.data_rows) != len(self.old.data)
            or self.schema_fp != self.old.schema_fp or self.ctx_fp != self.old.ctx_fp
            or self.data_check is not self.old.data_check or self.templates is not self.old.templates)
        return assemble(sources, store, data_check, templates, checks, self.cited, today)

    def check_data(self, sources: Sources, store: DataStore) -> DataCheck:
        data_fp = self.data_fp(sources)
        if self.old.data_check is not None and self.old.data_check[0] == data_fp:
            self.data_check = self.old.data_check
        else:
            self.data_check = (data_fp, check_data(sources, store, self.schemas()))
        return self.data_check[1]

    def check_templates(self) -> TemplateCheck:
        templates_dir = self.project.templates_dir
        found = read_templates(templates_dir, self.project.rel(templates_dir) or "templates")
        if not found.problems and self.old.templates is not None and self.old.templates[0] == found.key:
            self.templates = self.old.templates
        else:   # a file that could not be read: check again next time
            self.templates = (_never() if found.problems else found.key, analyse_templates(found, templates_dir))
        return self.templates[1]

    def check_pages(self, pages: list[SourcePage], ctx: PageContext) -> list[PageCheck]:
        """:meth:`check_page` of each page; while the schemas and the context are unchanged, the
        pages not parsed in this run take their cached results in one tight loop."""
        if self.schema_fp != self.old.schema_fp or self.ctx_fp != self.old.ctx_fp:
            return [self.check_page(src, ctx) for src in pages]
        rows, fresh, make = self.pages, self.fresh, tuple.__new__
        checks = []
        for src in pages:
            row = rows[src.rel]
            if row.schema is None or row.problems is None or src.rel in fresh:
                checks.append(self.check_page(src, ctx))
            else:
                checks.append(make(PageCheck, (row.schema, row.problems, row.claim)))
        return checks

    def check_page(self, src: SourcePage, ctx: PageContext) -> PageCheck:
        """The page's checks: cached ones while the page, the schemas and *ctx* are unchanged."""
        row = self.pages[src.rel]
        schema = self.front_matter(src)
        problems = row.problems
        if problems is None or src.rel in self.fresh or self.ctx_fp != self.old.ctx_fp:
            facts = self.fresh[src.rel] if src.rel in self.fresh else unpack_facts(row.facts)
            problems = tuple(check_page(src, ctx, facts))
            self.stats.rechecked += 1
        if schema is not row.schema or problems is not row.problems:
            self.pages[src.rel] = row._replace(schema=schema, problems=problems)
        return PageCheck(schema, problems, row.claim)

    def count_citations(self) -> dict[str, int]:
        """How many pages cite each reference id, updated from the previous counts.

        Only pages parsed in this run and pages that are gone change the counts,
        so the stored facts of unchanged pages are not unpacked.
        """
        counts = dict(self.old.cited)
        for rel, old in self.old.pages.items():
            if rel in self.fresh or rel not in self.pages:
                for rid in unpack_facts(old.facts).cited:
                    if counts.get(rid, 0) < 1:
                        return self.recount_citations()   # counts and rows disagree: start over
                    counts[rid] -= 1
                    if not counts[rid]:
                        del counts[rid]
        for facts in self.fresh.values():
            for rid in facts.cited:
                counts[rid] = counts.get(rid, 0) + 1
        return counts

    def recount_citations(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for rel, row in self.pages.items():
            facts = self.fresh[rel] if rel in self.fresh else unpack_facts(row.facts)
            for rid in facts.cited:
                counts[rid] = counts.get(rid, 0) + 1
        return counts

    def new_state(self) -> State:
        valid = self._schemas.valid if self._schemas is not None else self.old.schema_valid
        return State(FORMAT, self.pages, self.data_rows, self.schema_fp, self.ctx_fp,
                      valid, self.cited, self.data_check, self.templates)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


_SHARED: dict[Any, Any] = {}


def _canonical(meta: dict[str, Any]) -> dict[str, Any]:
    """*meta* with equal keys and dates as shared objects, so the pickle stores each once.

    Front matter repeats the same keys and often the same dates on every page;
    shared objects are written once and unpickled once.  Values are equal.
    """
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if type(key) is str:
            key = sys.intern(key)
        if type(value) is dt.date:
            value = _SHARED.setdefault(value, value)
        elif type(value) is str and len(value) <= 40:
            value = sys.intern(value)
        out[key] = value
    return out


def _never() -> str:
    """A fingerprint that matches nothing, for inputs that could not be read."""
    return f"unreadable-{time.time_ns()}"


def pack_facts(facts: PageFacts) -> bytes:
    return marshal.dumps((facts.events, facts.html))


def unpack_facts(packed: bytes) -> PageFacts:
    events, html = marshal.loads(packed)
    return PageFacts(events, html)
