"""Stage 2 - validate: find every mistake in the loaded sources before anything renders.

Checks return diagnostics rather than raising, so one run reports all of
them.  Three layers:

1. every data file and every page's front matter against its JSON Schema in
   ``schemas/`` (:mod:`engine.validate.schema`) - fields, types, enums;
2. cross-record checks here - unknown or duplicate ids, comparison columns,
   FAQ topics, two pages writing one file, paths escaping output/;
3. Markdown bodies - citations, ``::: blocks``, raw scripts
   (:mod:`engine.validate.content`) - and template syntax.

Record-level problems point at the line of the offending value in its YAML
file; Markdown problems at the line and column in the article.

The stage is built from parts that :mod:`engine.sourcecache` can keep between
builds: :class:`DataCheck` (data files and schemas), :class:`TemplateCheck`,
and one :class:`PageCheck` per page, which splits into what the page says on
its own (:class:`PageFacts`, :class:`Claim`) and what that means given the
rest of the site (:class:`PageContext`).  :func:`assemble` then runs the
checks across pages and orders the report; :func:`validate` does everything
from scratch, and the cache must give exactly the same report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Container, Iterable, NamedTuple, Sequence

from ..config import Topics
from ..diagnostics import Diagnostic, Report
from ..load.datastore import DataStore
from ..load.sources import SourcePage, Sources
from ..load.syntax import CITATION_RE, DIRECTIVE_RE, parse_citation_ids
from .outputs import (Claim, check_urls, claim_position, generate_rules,  # noqa: F401 - re-exported
                                 page_claim, safe_output)
from .content import Candidate, allowed_only, body_lines, line_candidates, plain_and_safe
from .datarules import check_data_rules
from .templates import (TemplateCheck, TemplateFiles, analyse_templates, check_templates,  # noqa: F401
                                   read_templates)
from .statements import (ReadabilityRules, StatementRules, blocks, check_placeholders, check_readability,
                                    check_statements, rules_from_site)
from ..load.yamlsource import YamlDoc
from .schema import FRONT_MATTER, SchemaSet, load_schemas, suggest as _suggest, validate_doc

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: fields whose values are reference ids, wherever they appear in a record
REFERENCE_FIELDS = {"references"}
CITATION_PATTERN = re.compile(CITATION_RE)


def suggest(word: str, options: Iterable[str]) -> str:
    return _suggest(word, options)


# -- 1. schemas --------------------------------------------------------------

def check_data_schemas(sources: Sources, schemas: SchemaSet, report: Report) -> set[str]:
    """Schema problems, then site.yaml and every data file against its schema; returns the stems checked."""
    report.extend(schemas.problems)
    checked: set[str] = set()
    site = schemas.get("site")
    if site is not None and sources.project.site_file.is_file():
        report.extend(validate_doc(sources.site, site, "site.yaml"))
    for stem, doc in sources.data.items():
        validator = schemas.get(stem)
        if validator is None:
            report.extend([doc.diag((), f"no schema for this data file (expected schemas/{stem}.schema.json)",
                                    severity="warning",
                                    hint="its fields are not checked; add a schema or rename the file")])
            continue
        checked.add(stem)
        report.extend(validate_doc(doc, validator))
    return checked


def check_front_matter(src: SourcePage, schemas: SchemaSet) -> list[Diagnostic]:
    front = schemas.get(FRONT_MATTER)
    return validate_doc(src.meta, front, "front matter") if front is not None else []


def check_schemas(sources: Sources, report: Report) -> set[str]:
    """Validate site.yaml, every data file and all front matter; returns the data stems checked."""
    schemas = load_schemas(sources.project.schemas_dir)
    checked = check_data_schemas(sources, schemas, report)
    for src in sources.pages:
        report.extend(check_front_matter(src, schemas))
    return checked


def check_data_shapes(sources: Sources, report: Report, checked: set[str]) -> None:
    for stem, doc in sources.data.items():
        if stem not in checked and not isinstance(doc.data, dict):
            kind = type(doc.data).__name__
            report.extend([doc.diag((), f"expected a mapping of 'key: value' at the top level, found a {kind}",
                                    hint=f"start the file with e.g. '{stem}:' and indent the list under it")])


# -- 2. cross-record checks --------------------------------------------------

def check_ids(store: DataStore, report: Report, checked: set[str]) -> None:
    seen: dict[str, tuple[YamlDoc, tuple[Any, ...]]] = {}
    for stem, doc in store.files.items():
        if not isinstance(doc.data, dict):
            continue
        for key, value in doc.data.items():
            if not isinstance(value, list):
                continue
            for index, item in enumerate(value):
                if not isinstance(item, dict) or "id" not in item:
                    continue
                rid = item["id"]
                path = (key, index, "id")
                if not isinstance(rid, str) or not SLUG_RE.match(rid):
                    if stem not in checked:  # the schema reports it otherwise
                        report.extend([doc.diag(path, f"id {rid!r} must be lowercase letters, digits and '-'",
                                                hint="e.g. 'first-record'")])
                    continue
                full = f"{key}:{rid}"
                if full in seen:
                    first_doc, first_path = seen[full]
                    line = first_doc.where(first_path)[0]
                    report.extend([doc.diag(path, f"duplicate id '{rid}' in {key} (first used in "
                                                  f"{first_doc.rel} line {line})",
                                            hint="ids must be unique; rename one of them")])
                else:
                    seen[full] = (doc, path)


def _walk_reference_lists(value: Any, path: tuple[Any, ...]):
    if isinstance(value, dict):
        for key, sub in value.items():
            if key in REFERENCE_FIELDS and isinstance(sub, list):
                for index, rid in enumerate(sub):
                    yield path + (key, index), rid
            else:
                yield from _walk_reference_lists(sub, path + (key,))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from _walk_reference_lists(sub, path + (index,))


def check_references(store: DataStore, report: Report) -> set[str]:
    """Every reference id used in data exists; returns the ids used."""
    known = set(store.collections.get("references", {}))
    used: set[str] = set()
    for stem, doc in store.files.items():
        if stem == "references":
            continue
        for path, rid in _walk_reference_lists(doc.data, ()):
            if isinstance(rid, (dict, list)):
                continue  # wrong type: reported by the schema
            used.add(str(rid))
            if str(rid) not in known:
                report.extend([doc.diag(path, f"unknown reference id '{rid}'",
                                        hint=suggest(str(rid), known) or "add it to data/references.yaml")])
    return used


def check_comparisons(store: DataStore, report: Report) -> None:
    for record in store.collection("comparisons"):
        spec, doc, base = record.data, record.doc, record.path
        source = spec.get("source")
        if not isinstance(source, str):
            continue  # reported by the schema
        if source not in store.collections:
            report.extend([doc.diag(base + ("source",), f"unknown source collection '{source}'",
                                    hint=suggest(source, store.collections)
                                    or "use " + ", ".join(sorted(store.collections)))])
            continue
        rows = store.collections[source]
        row_ids = spec.get("rows")
        for index, rid in enumerate(row_ids if isinstance(row_ids, list) else []):
            if isinstance(rid, str) and rid not in rows:
                report.extend([doc.diag(base + ("rows", index), f"unknown {source} id '{rid}'",
                                        hint=suggest(rid, rows) or f"use an id from {source}")])
        fields: set[str] = set()
        for row in rows.values():
            fields |= _dotted_fields(row.data)
        columns = spec.get("columns")
        for index, column in enumerate(columns if isinstance(columns, list) else []):
            name = column.get("field") if isinstance(column, dict) else None
            if isinstance(name, str) and name not in fields:
                report.extend([doc.diag(base + ("columns", index, "field"),
                                        f"column field '{name}' does not exist in {source} records",
                                        hint=suggest(name, fields) or "")])


def _dotted_fields(value: dict[str, Any], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, sub in value.items():
        name = f"{prefix}{key}"
        out.add(name)
        if isinstance(sub, dict):
            out |= _dotted_fields(sub, name + ".")
    return out


def topic_names(store: DataStore, topics: Topics) -> set[str]:
    """Every valid topic: the site's own names plus the ids of its topic collections."""
    names = set(topics.values)
    for collection in topics.collections:
        names |= set(store.collections.get(collection, {}))
    return names


def topic_hint(topic: str, names: set[str], topics: Topics) -> str:
    return suggest(topic, names) or f"use {topics.wording()}"


def check_record_topics(store: DataStore, report: Report, topics: Topics) -> None:
    """Values of the ``topics`` fields of records (FAQ topics, say) must be known topics.

    Fields whose values the schema already limits (an enum of topics) are checked there;
    a free list of ids such as an FAQ's ``topics`` is checked here, when the site lists its
    topics at all."""
    names = topic_names(store, topics)
    if not names:
        return
    for records in store.collections.values():
        for record in records.values():
            values = record.data.get("topics")
            for index, topic in enumerate(values if isinstance(values, list) else []):
                if isinstance(topic, str) and topic not in names:
                    report.extend([record.doc.diag(record.path + ("topics", index),
                                                   f"unknown topic '{topic}'",
                                                   hint=topic_hint(topic, names, topics))])


@dataclass
class DataCheck:
    """What depends only on data/, site.yaml and schemas/: the source cache keeps it as one unit."""

    head: list[Diagnostic]      # schema problems; site.yaml and data files against their schemas
    tail: list[Diagnostic]      # top-level shapes, ids, references, comparison tables, FAQ topics
    used_refs: set[str]         # reference ids cited by data records


def check_data(sources: Sources, store: DataStore, schemas: SchemaSet) -> DataCheck:
    head, tail = Report(), Report()
    checked = check_data_schemas(sources, schemas, head)
    check_data_shapes(sources, tail, checked)
    check_ids(store, tail, checked)
    used_refs = check_references(store, tail)
    check_comparisons(store, tail)
    site = sources.site.data if isinstance(sources.site.data, dict) else {}
    check_record_topics(store, tail, Topics.from_site(site))
    statements, readability = rules_from_site(site)
    tail.extend(check_data_rules(store.files, schemas, store.collections, statements.markers,
                                 readability.max_sentence_words))
    return DataCheck(head.items, tail.items, used_refs)


# -- 3. templates: engine/validate/templates.py -----------------------------

# -- 4. pages ----------------------------------------------------------------

@dataclass
class PageContext:
    """Everything the per-page checks read besides the page itself.

    :meth:`fingerprint` changes whenever any of it changes, so a cached page
    result computed under an equal fingerprint is still right.
    """

    store: DataStore
    blocks: dict[str, list[str] | None]       # block name -> collections it reads
    templates: set[str]
    allowed_html: set[str]             # lower-case entries of allow_raw_html
    statements: StatementRules = StatementRules()
    readability: ReadabilityRules = ReadabilityRules()

    topic_spec: Topics = Topics()

    @cached_property
    def topics(self) -> set[str]:
        return topic_names(self.store, self.topic_spec)

    @cached_property
    def known_refs(self) -> set[str]:
        return set(self.store.collections.get("references", {}))

    @cached_property
    def unseen_refs(self) -> frozenset[str]:
        """References whose text was never seen: a citation of only these is a warning."""
        return frozenset(rid for rid, r in self.store.collections.get("references", {}).items()
                         if r.data.get("text_seen") is False)

    def fingerprint(self) -> str:
        """Digest of every input above (ids of all collections stand in for the store)."""
        ids = sorted((name, sorted(records)) for name, records in self.store.collections.items())
        value = (sorted(self.templates), sorted(self.blocks.items()), ids, sorted(self.allowed_html),
                 self.statements, self.readability, sorted(self.unseen_refs), self.topic_spec)
        return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def checks_without_data(sources: Sources, site_read: bool) -> list[Diagnostic]:
    """What can still be checked while some source files could not be read at all.

    Each page's own raw HTML (when site.yaml, whose ``allow_raw_html`` may permit
    it, was read) and the templates' syntax do not depend on any other file, so
    they are reported in the same run as the unreadable file.  Checks across
    files (citations, block ids, output paths) would only report the unread
    file again in other words: they wait until it can be read.
    """
    report = Report()
    if site_read:
        allowed = page_context(sources, DataStore.from_docs({}), TemplateCheck([], {}, set())).allowed_html
        for src in sources.pages:
            for lineno, col, message, hint in allowed_only(page_facts(src).html, allowed):
                report.error(src.rel, lineno, col, message, "", hint)
    report.extend(check_templates(sources.project.templates_dir, "templates")[0])
    return report.items


def page_context(sources: Sources, store: DataStore, templates: TemplateCheck) -> PageContext:
    site = sources.site.data if isinstance(sources.site.data, dict) else {}
    allowed = site.get("allow_raw_html")
    allowed_html = {str(a).lower() for a in allowed} if isinstance(allowed, list) else set()
    statements, readability = rules_from_site(site)
    return PageContext(store, templates.blocks, templates.names, allowed_html, statements, readability,
                       Topics.from_site(site))


#: a citation ``("c", line, col, reference id)`` or a block line ``("d", line, text)``
Event = tuple[Any, ...]


class PageFacts(NamedTuple):
    """What a page's body says, found without looking at anything else (so cacheable by content)."""

    events: tuple[Event, ...]          # citations and '::: block' lines, in body order
    html: tuple[Candidate, ...]        # risky raw HTML, before allow_raw_html is applied

    @property
    def cited(self) -> frozenset[str]:
        return frozenset(e[3] for e in self.events if e[0] == "c")


def page_facts(src: SourcePage) -> PageFacts:
    """One pass over the body: citations, block lines and raw HTML candidates."""
    events: list[Event] = []
    html: list[Candidate] = []
    body = src.body
    if plain_and_safe(body):
        # every line as it is, and no raw HTML to find: only lines that may cite or
        # open a block need a look (the same events as the loop below, far faster)
        if "[@" in body or ":::" in body:
            for lineno, line in enumerate(body.split("\n"), src.body_line):
                if "[@" in line or ":::" in line:
                    _line_events(lineno, line, events)
        return PageFacts(tuple(events), ())
    for lineno, line in body_lines(body, src.body_line):
        _line_events(lineno, line, events)
        html.extend(line_candidates(lineno, line))
    return PageFacts(tuple(events), tuple(html))


def _line_events(lineno: int, line: str, events: list[Event]) -> None:
    if "[@" in line:
        for match in CITATION_PATTERN.finditer(line):
            for rid in parse_citation_ids(match.group(1)):
                events.append(("c", lineno, line.find("@" + rid, match.start()) + 1, rid))
    if line.strip().startswith(":::"):
        events.append(("d", lineno, line))


def check_page(src: SourcePage, ctx: PageContext, facts: PageFacts | None = None) -> list[Diagnostic]:
    """Problems with one page's fields and body, given the rest of the site (*ctx*)."""
    report = Report()
    facts = facts if facts is not None else page_facts(src)
    meta = src.meta
    data = meta.data
    template = data.get("template")
    if isinstance(template, str) and template not in ctx.templates:
        report.extend([meta.diag(("template",), f"unknown template '{template}'",
                                 hint=suggest(template, ctx.templates) or "use a file from templates/")])
    topic = data.get("topic")
    if isinstance(topic, str) and SLUG_RE.match(topic):
        topics = ctx.topics
        if topics and topic not in topics:
            # a warning, not an error: a new article may start a new topic (``build.py new``)
            report.extend([meta.diag(("topic",), f"unknown topic '{topic}', "
                                                 "so data blocks on this page select no records",
                                     severity="warning", hint=topic_hint(topic, topics, ctx.topic_spec))])
    first, last = data.get("last_reviewed"), data.get("next_review")
    if isinstance(first, dt.date) and isinstance(last, dt.date) and last <= first:
        report.extend([meta.diag(("next_review",), f"'next_review' ({last.isoformat()}) must be after "
                                                   f"'last_reviewed' ({first.isoformat()})",
                                 hint="the next review is usually a year after the last one")])
    known_refs = ctx.known_refs
    for event in facts.events:
        if event[0] == "c":
            _, lineno, col, rid = event
            if rid not in known_refs:
                report.error(src.rel, lineno, col, f"unknown reference id '{rid}'", "citation",
                             suggest(rid, known_refs) or "add it to data/references.yaml first")
        else:
            check_directive(src, event[1], event[2], ctx.store, ctx.blocks, report)
    for lineno, col, message, hint in allowed_only(facts.html, ctx.allowed_html):
        report.error(src.rel, lineno, col, message, "", hint)
    parsed = list(blocks(src.body, src.body_line))     # read once for both checks
    if data.get("uncited") not in ctx.statements.markers:
        report.extend(check_statements(src.rel, src.body, src.body_line, ctx.statements, ctx.unseen_refs, parsed))
    report.extend(check_placeholders(src.rel, src.meta, src.body, src.body_line))
    report.extend(check_readability(src.rel, src.body, src.body_line, ctx.readability,
                                    meta.where(("title",))[0], parsed))
    return report.items


def check_directive(src: SourcePage, lineno: int, line: str, store: DataStore,
                    blocks: dict[str, list[str] | None], report: Report) -> None:
    col = line.find(":::") + 1
    directive = DIRECTIVE_RE.match(line.strip())
    if not directive:
        report.error(src.rel, lineno, col, f"malformed block line '{line.strip()}'", "",
                     "write '::: name' alone on its line, e.g. '::: faqs' (lowercase name)")
        return
    name, args = directive.group(1), directive.group(2).split()
    if name not in blocks:
        report.error(src.rel, lineno, col, f"unknown block '::: {name}'", "",
                     suggest(name, blocks) or "available: " + ", ".join(sorted(blocks)))
        return
    comparisons = store.collections.get("comparisons", {})
    if name == "comparison":
        if len(args) != 1:
            report.error(src.rel, lineno, col, "'::: comparison' needs exactly one table id", "",
                         "e.g. '::: comparison " + (min(comparisons) if comparisons else "TABLE-ID") + "'")
        elif args[0] not in comparisons:
            report.error(src.rel, lineno, col + line.strip().find(args[0]), f"unknown comparison table '{args[0]}'",
                         "", suggest(args[0], comparisons) or "define it in data/comparisons.yaml")
        return
    collections = blocks.get(name)
    if collections is None:
        if args:
            report.error(src.rel, lineno, col + line.strip().find(args[0]),
                         f"'::: {name}' takes no ids (found '{' '.join(args)}')", "",
                         f"write '::: {name}' alone on its line")
        return
    if not collections or args == ["all"]:
        return
    known: set[str] = set()
    for collection in collections:
        known |= set(store.collections.get(collection, {}))
    for arg in args:
        if arg not in known:
            report.error(src.rel, lineno, col + line.strip().find(arg),
                         f"unknown id '{arg}' for '::: {name}' (looked in {', '.join(collections)})", "",
                         suggest(arg, known) or "use 'all' or one of: " + ", ".join(sorted(known)[:12])
                         + (" ..." if len(known) > 12 else ""))


# -- 5. output paths: engine/validate/outputs.py ---------------------------

# -- the stage ---------------------------------------------------------------

class PageCheck(NamedTuple):
    """What validation reports about one page; the source cache keeps it per page."""

    schema: Sequence[Diagnostic]       # front matter against frontmatter.schema.json
    problems: Sequence[Diagnostic]     # check_page
    claim: tuple[str, bool]            # a Claim, or a plain tuple of its fields


def check_one_page(src: SourcePage, schemas: SchemaSet, ctx: PageContext, facts: PageFacts) -> PageCheck:
    return PageCheck(check_front_matter(src, schemas), check_page(src, ctx, facts), page_claim(src))


def assemble(sources: Sources, store: DataStore, data: DataCheck, templates: TemplateCheck,
             pages: Sequence[PageCheck], cited: Container[str], today: dt.date | None = None) -> Report:
    """The report, in a fixed order, from the parts plus the checks that span all pages.

    *cited* holds every reference id that some page cites.  The cross-page
    checks (output paths, review dates, uncited references) run on every build
    because they depend on all pages and on *today*; they read only cached
    values, so they stay cheap.
    """
    report = Report()
    report.extend(data.head)
    for check in pages:
        if check.schema:
            report.extend(check.schema)
    report.extend(data.tail)
    report.extend(templates.problems)
    for check in pages:
        if check.problems:
            report.extend(check.problems)
    check_urls(sources, store, templates.names, report, [check.claim for check in pages])
    today = today or dt.date.today()
    for src in sources.pages:
        due = src.meta.data.get("next_review")
        if isinstance(due, dt.date) and due < today:
            report.extend([src.meta.diag(("next_review",), f"review was due on {due.isoformat()}",
                                         severity="warning", hint="review the page and update the dates")])
    for rid, record in store.collections.get("references", {}).items():
        if rid not in data.used_refs and rid not in cited:
            report.extend([record.doc.diag(record.path + ("id",), f"reference '{rid}' is not cited anywhere",
                                           severity="warning", hint="cite it or remove it")])
    return report


def validate(sources: Sources, store: DataStore, templates_dir: Path,
             today: dt.date | None = None) -> Report:
    """Every check, from scratch (see :mod:`engine.sourcecache` for the cached equivalent)."""
    schemas = load_schemas(sources.project.schemas_dir)
    data = check_data(sources, store, schemas)
    templates = analyse_templates(read_templates(templates_dir, sources.project.rel(templates_dir) or "templates"),
                                  templates_dir)
    ctx = page_context(sources, store, templates)
    pages: list[PageCheck] = []
    cited: set[str] = set()
    for src in sources.pages:
        facts = page_facts(src)
        pages.append(check_one_page(src, schemas, ctx, facts))
        cited |= facts.cited
    return assemble(sources, store, data, templates, pages, cited, today)
