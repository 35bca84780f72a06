"""Stage 2 - validate: find every mistake in the loaded sources before anything renders.

Checks return diagnostics rather than raising, so one run reports all of
them.  Three layers:

1. every data file and every page's front matter against its JSON Schema in
   ``schemas/`` (:mod:`engine.validation.schema`) - fields, types, enums;
2. cross-record checks here - unknown or duplicate ids, comparison columns,
   FAQ topics, two pages writing one file, paths escaping output/;
3. Markdown bodies - citations, ``::: blocks``, raw scripts
   (:mod:`engine.validation.content`) - and template syntax.

Record-level problems point at the line of the offending value in its YAML
file; Markdown problems at the line and column in the article.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from pathlib import Path
from typing import Any, Iterable

import jinja2

from .datastore import DataStore
from .diagnostics import Diagnostic, Report
from .markdown.extensions import CITATION_RE, DIRECTIVE_RE, parse_citation_ids
from .sources import SourcePage, Sources
from .structure import DEFAULT_GENERATE, output_for_url, url_for_name
from .templates import make_env, template_diagnostic
from .validation.content import body_lines, raw_html_problems
from .validation.schema import FRONT_MATTER, load_schemas, suggest as _suggest, validate_doc
from .yamlsource import YamlDoc

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: fields whose values are reference ids, wherever they appear in a record
REFERENCE_FIELDS = {"references"}
BODY_PARTS = ("ankle", "calf", "foot", "toe", "leg")
RECORDS_CALL_RE = re.compile(r"""records\(\s*["']([a-z_]+)["']""")


def suggest(word: str, options: Iterable[str]) -> str:
    return _suggest(word, options)


# -- 1. schemas --------------------------------------------------------------

def check_schemas(sources: Sources, report: Report) -> set[str]:
    """Validate site.yaml, every data file and all front matter; returns the data stems checked."""
    schemas = load_schemas(sources.project.schemas_dir)
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
    front = schemas.get(FRONT_MATTER)
    if front is not None:
        for src in sources.pages:
            report.extend(validate_doc(src.meta, front, "front matter"))
    return checked


def check_data_shapes(sources: Sources, report: Report, checked: set[str]) -> None:
    for stem, doc in sources.data.items():
        if stem not in checked and not isinstance(doc.data, dict):
            kind = type(doc.data).__name__
            report.extend([doc.diag((), f"expected a mapping of 'key: value' at the top level, found a {kind}",
                                    hint="start the file with e.g. 'nutrients:' and indent the list under it")])


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
                                                hint="e.g. 'vitamin-b12'")])
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
        source = spec.get("source", "nutrients")
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


def topic_names(store: DataStore) -> set[str]:
    return set(BODY_PARTS) | set(store.collections.get("nutrients", {}))


def topic_hint(topic: str, topics: set[str]) -> str:
    return suggest(topic, topics) or ("use a body part (" + ", ".join(BODY_PARTS) + ") or a nutrient id")


def check_faq_topics(store: DataStore, report: Report) -> None:
    topics = topic_names(store)
    for record in store.collection("faqs"):
        values = record.data.get("topics")
        for index, topic in enumerate(values if isinstance(values, list) else []):
            if isinstance(topic, str) and topic not in topics:
                report.extend([record.doc.diag(record.path + ("topics", index),
                                               f"topic '{topic}' is neither a body part nor a nutrient id",
                                               hint=topic_hint(topic, topics))])
        group = record.data.get("group")
        groups = store.collections.get("faq_groups", {})
        if isinstance(group, str) and group not in groups:
            report.extend([record.doc.diag(record.path + ("group",),
                                           f"unknown FAQ group '{group}'",
                                           hint=suggest(group, groups) or "add it under faq_groups: in data/faqs.yaml")])


# -- 3. templates ------------------------------------------------------------

_template_cache: dict[tuple[Any, ...], tuple[list[Diagnostic], dict[str, list[str]]]] = {}


def check_templates(templates_dir: Path, rel_prefix: str) -> tuple[list[Diagnostic], dict[str, list[str]]]:
    """Syntax errors in any template, and which collections each block template reads."""
    files = sorted(templates_dir.rglob("*.html")) if templates_dir.is_dir() else []
    sources: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    for path in files:
        try:
            sources[path.relative_to(templates_dir).as_posix()] = path.read_bytes()
        except OSError as exc:
            problems.append(Diagnostic(project_rel(templates_dir, path, rel_prefix), 0, 0, "error",
                                       f"cannot read template: {exc.strerror}"))
    key = (rel_prefix, tuple(sorted(sources.items())))  # by content, so copies of a project share it
    if key in _template_cache and not problems:
        return _template_cache[key]
    block_collections: dict[str, list[str]] = {}
    env = make_env(templates_dir)
    for name, raw in sources.items():
        path = templates_dir / name
        try:
            source = raw.decode("utf-8")
            env.parse(source, name, str(path))
        except jinja2.TemplateSyntaxError as exc:
            problems.append(template_diagnostic(exc, templates_dir, rel_prefix, f"{rel_prefix}/{name}"))
            continue
        except UnicodeDecodeError as exc:
            problems.append(Diagnostic(f"{rel_prefix}/{name}", 0, 0, "error",
                                       f"template is not valid UTF-8 (byte at offset {exc.start})"))
            continue
        if name.startswith("blocks/"):
            block_collections[name[len("blocks/"):-len(".html")]] = RECORDS_CALL_RE.findall(source)
    if len(_template_cache) > 8:
        _template_cache.clear()
    _template_cache[key] = (problems, block_collections)
    return problems, block_collections


def project_rel(templates_dir: Path, path: Path, rel_prefix: str) -> str:
    return f"{rel_prefix}/{path.relative_to(templates_dir).as_posix()}"


# -- 4. pages ----------------------------------------------------------------

def check_page(src: SourcePage, store: DataStore, blocks: dict[str, list[str]], templates: set[str],
               report: Report, cited: set[str], allowed_html: set[str]) -> None:
    meta = src.meta
    data = meta.data
    template = data.get("template")
    if isinstance(template, str) and template not in templates:
        report.extend([meta.diag(("template",), f"unknown template '{template}'",
                                 hint=suggest(template, templates) or "use a file from templates/")])
    topic = data.get("topic")
    if isinstance(topic, str) and SLUG_RE.match(topic):
        topics = topic_names(store)
        if topic not in topics:
            # a warning, not an error: a new article may start a new topic (``build.py new``)
            report.extend([meta.diag(("topic",), f"topic '{topic}' is neither a body part nor a nutrient id, "
                                                 "so data blocks on this page select no records",
                                     severity="warning", hint=topic_hint(topic, topics))])
    first, last = data.get("last_reviewed"), data.get("next_review")
    if isinstance(first, dt.date) and isinstance(last, dt.date) and last <= first:
        report.extend([meta.diag(("next_review",), f"'next_review' ({last.isoformat()}) must be after "
                                                   f"'last_reviewed' ({first.isoformat()})",
                                 hint="the next review is usually a year after the last one")])
    known_refs = set(store.collections.get("references", {}))
    for lineno, line in body_lines(src.body, src.body_line):
        for match in re.finditer(CITATION_RE, line):
            for rid in parse_citation_ids(match.group(1)):
                cited.add(rid)
                if rid not in known_refs:
                    col = line.find("@" + rid, match.start()) + 1
                    report.error(src.rel, lineno, col, f"unknown reference id '{rid}'", "citation",
                                 suggest(rid, known_refs) or "add it to data/references.yaml first")
        stripped = line.strip()
        if stripped.startswith(":::"):
            check_directive(src, lineno, line, store, blocks, report)
    for lineno, col, message, hint in raw_html_problems(src.body, src.body_line, allowed_html):
        report.error(src.rel, lineno, col, message, "", hint)


def check_directive(src: SourcePage, lineno: int, line: str, store: DataStore,
                    blocks: dict[str, list[str]], report: Report) -> None:
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
                         "e.g. '::: comparison calf-nutrients'")
        elif args[0] not in comparisons:
            report.error(src.rel, lineno, col + line.strip().find(args[0]), f"unknown comparison table '{args[0]}'",
                         "", suggest(args[0], comparisons) or "define it in data/comparisons.yaml")
        return
    collections = blocks.get(name) or []
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


# -- 5. output paths ---------------------------------------------------------

def safe_output(out: str) -> bool:
    """True when *out* stays inside output/ (no '..', no absolute path, no drive)."""
    if not out or out.startswith(("/", "\\")) or "\\" in out or ":" in out or "\x00" in out:
        return False
    norm = posixpath.normpath(out)
    return not (norm == ".." or norm.startswith("../") or "/../" in f"/{out}/")


def generate_rules(sources: Sources) -> list[tuple[int | None, dict[str, Any]]]:
    site = sources.site.data if isinstance(sources.site.data, dict) else {}
    rules = site.get("generate")
    if not isinstance(rules, list):
        return [(None, rule) for rule in DEFAULT_GENERATE]
    return [(i, r) for i, r in enumerate(rules) if isinstance(r, dict)
            and all(isinstance(r.get(k), str) for k in ("collection", "template", "url"))]


def check_urls(sources: Sources, store: DataStore, templates: set[str], report: Report) -> None:
    owners: dict[str, str] = {}

    def claim(out: str, where: Diagnostic, owner: str) -> None:
        if not safe_output(out):
            report.extend([Diagnostic(where.path, where.line, where.col, "error",
                                      f"output path '{out}' would be written outside output/",
                                      where.field, "use a plain path without '..' or a leading '/'")])
        elif out in owners:
            report.extend([Diagnostic(where.path, where.line, where.col, "error",
                                      f"two pages write {out}: this one and {owners[out]}",
                                      where.field, "give one of them a different 'slug' or 'url'")])
        else:
            owners[out] = owner

    for src in sources.pages:
        meta = src.meta.data
        slug = meta.get("slug") if isinstance(meta.get("slug"), str) else None
        url = meta.get("url") if isinstance(meta.get("url"), str) else url_for_name(src.name, slug)
        field = ("url",) if "url" in meta else ("slug",) if "slug" in meta else ()
        claim(output_for_url(url), src.meta.diag(field, ""), src.rel)
    for index, rule in generate_rules(sources):
        base = ("generate", index) if index is not None else ()
        collection = rule["collection"]
        if collection not in store.collections:
            if index is not None:
                report.extend([sources.site.diag(base + ("collection",), f"unknown collection '{collection}'",
                                                 hint=suggest(collection, store.collections) or "")])
            continue
        if rule["template"] not in templates and index is not None:
            report.extend([sources.site.diag(base + ("template",), f"unknown template '{rule['template']}'",
                                             hint=suggest(rule["template"], templates) or "")])
        for record in store.collection(collection):
            try:
                url = rule["url"].format(id=record.id)
            except (KeyError, IndexError, ValueError):
                report.extend([sources.site.diag(base + ("url",), "the url pattern may contain only '{id}'")])
                break
            claim(output_for_url(url), record.doc.diag(record.path + ("id",), ""), record.doc.rel)


# -- the stage ---------------------------------------------------------------

def validate(sources: Sources, store: DataStore, templates_dir: Path,
             today: dt.date | None = None) -> Report:
    report = Report()
    checked = check_schemas(sources, report)
    check_data_shapes(sources, report, checked)
    check_ids(store, report, checked)
    used_refs = check_references(store, report)
    check_comparisons(store, report)
    check_faq_topics(store, report)
    template_problems, blocks = check_templates(templates_dir, sources.project.rel(templates_dir) or "templates")
    report.extend(template_problems)
    templates = {p.relative_to(templates_dir).as_posix() for p in templates_dir.rglob("*.html")} \
        if templates_dir.is_dir() else set()
    site = sources.site.data if isinstance(sources.site.data, dict) else {}
    allowed = site.get("allow_raw_html")
    allowed_html = {str(a).lower() for a in allowed} if isinstance(allowed, list) else set()
    cited: set[str] = set()
    for src in sources.pages:
        check_page(src, store, blocks, templates, report, cited, allowed_html)
    check_urls(sources, store, templates, report)
    today = today or dt.date.today()
    for src in sources.pages:
        due = src.meta.data.get("next_review")
        if isinstance(due, dt.date) and due < today:
            report.extend([src.meta.diag(("next_review",), f"review was due on {due.isoformat()}",
                                         severity="warning", hint="review the page and update the dates")])
    for rid, record in store.collections.get("references", {}).items():
        if rid not in used_refs and rid not in cited:
            report.extend([record.doc.diag(record.path + ("id",), f"reference '{rid}' is not cited anywhere",
                                           severity="warning", hint="cite it or remove it")])
    return report
