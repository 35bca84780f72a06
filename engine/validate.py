"""Stage 2 - validate: find every mistake in the loaded sources before anything renders.

Checks return diagnostics rather than raising, so one run reports all of
them.  Record-level checks (ids, cross references) point at the line of the
offending value in its YAML file; Markdown checks at the line in the article.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any, Iterable

from .datastore import DataStore
from .diagnostics import Diagnostic, Report
from .markdown.extensions import CITATION_RE, DIRECTIVE_RE, parse_citation_ids
from .sources import SourcePage, Sources
from .structure import output_for_url, url_for_name
from .yamlsource import YamlDoc

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: fields whose values are reference ids, wherever they appear in a record
REFERENCE_FIELDS = {"references"}


def suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"did you mean '{close[0]}'?" if close else ""


def check_data_shapes(sources: Sources, report: Report) -> None:
    for stem, doc in sources.data.items():
        if not isinstance(doc.data, dict):
            kind = type(doc.data).__name__
            report.extend([doc.diag((), f"expected a mapping of 'key: value' at the top level, found a {kind}",
                                    hint="start the file with e.g. 'nutrients:' and indent the list under it")])
    if not isinstance(sources.site.data, dict):
        report.extend([sources.site.diag((), "site.yaml must be a mapping of settings")])


def check_ids(store: DataStore, report: Report) -> None:
    seen: dict[str, tuple[str, YamlDoc, tuple[Any, ...]]] = {}
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
                    report.extend([doc.diag(path, f"id {rid!r} must be lowercase letters, digits and '-'",
                                            hint="e.g. 'vitamin-b12'")])
                    continue
                full = f"{key}:{rid}"
                if full in seen:
                    first_doc, first_path = seen[full][1], seen[full][2]
                    line = first_doc.where(first_path)[0]
                    report.extend([doc.diag(path, f"duplicate id '{rid}' in {key} (first used in "
                                                  f"{first_doc.rel} line {line})",
                                            hint="ids must be unique; rename one of them")])
                else:
                    seen[full] = (stem, doc, path)


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
            used.add(str(rid))
            if str(rid) not in known:
                report.extend([doc.diag(path, f"unknown reference id '{rid}'",
                                        hint=suggest(str(rid), known) or "add it to data/references.yaml")])
    return used


def check_comparisons(store: DataStore, report: Report) -> None:
    for record in store.collection("comparisons"):
        spec, doc, base = record.data, record.doc, record.path
        source = spec.get("source", "nutrients")
        if source not in store.collections:
            report.extend([doc.diag(base + ("source",), f"unknown source collection '{source}'",
                                    hint=suggest(str(source), store.collections) or "")])
            continue
        rows = store.collections[source]
        for index, rid in enumerate(spec.get("rows") or []):
            if str(rid) not in rows:
                report.extend([doc.diag(base + ("rows", index), f"unknown {source} id '{rid}'",
                                        hint=suggest(str(rid), rows) or f"use an id from {source}")])
        fields: set[str] = set()
        for row in rows.values():
            fields |= _dotted_fields(row.data)
        for index, column in enumerate(spec.get("columns") or []):
            name = column.get("field") if isinstance(column, dict) else None
            if name not in fields:
                report.extend([doc.diag(base + ("columns", index, "field"),
                                        f"column field '{name}' does not exist in {source} records",
                                        hint=suggest(str(name), fields) or "")])


def _dotted_fields(value: dict[str, Any], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, sub in value.items():
        name = f"{prefix}{key}"
        out.add(name)
        if isinstance(sub, dict):
            out |= _dotted_fields(sub, name + ".")
    return out


def check_page(src: SourcePage, store: DataStore, block_names: set[str], templates: set[str],
               report: Report, cited: set[str]) -> None:
    meta = src.meta
    data = meta.data
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        report.extend([meta.diag(("title",), "missing 'title' in front matter" if "title" not in data
                                 else "'title' must be non-empty text",
                                 hint="add e.g. 'title: Calf cramps' between the '---' lines")])
    template = data.get("template")
    if template is not None and template not in templates:
        report.extend([meta.diag(("template",), f"unknown template '{template}'",
                                 hint=suggest(str(template), templates) or "use a file from templates/")])
    slug = data.get("slug")
    if slug is not None and (not isinstance(slug, str) or not SLUG_RE.match(slug)):
        report.extend([meta.diag(("slug",), f"slug {slug!r} may use only lowercase letters, digits and '-'",
                                 hint="a slug is one path segment, e.g. 'calf-cramps'; no '/', '..' or spaces")])
    url = data.get("url")
    if url is not None and (not isinstance(url, str) or not url.startswith("/") or ".." in url
                            or "//" in url or "\\" in url):
        report.extend([meta.diag(("url",), f"url {url!r} must be a site path such as '/calf-cramps/'",
                                 hint="start with '/', and no '..', '//' or '\\'")])
    for key in ("last_reviewed", "next_review"):
        if key in data and not isinstance(data[key], dt.date):
            report.extend([meta.diag((key,), f"'{key}' must be a date written YYYY-MM-DD",
                                     hint="e.g. 2026-11-01")])
    if isinstance(data.get("last_reviewed"), dt.date) and isinstance(data.get("next_review"), dt.date):
        if data["next_review"] <= data["last_reviewed"]:
            report.extend([meta.diag(("next_review",), "'next_review' must be after 'last_reviewed'")])
    known_refs = set(store.collections.get("references", {}))
    in_fence = False
    for offset, line in enumerate(src.body.split("\n")):
        lineno = src.body_line + offset
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence:
            continue
        for match in re.finditer(CITATION_RE, line):
            for rid in parse_citation_ids(match.group(1)):
                cited.add(rid)
                if rid not in known_refs:
                    col = line.find("@" + rid, match.start()) + 1
                    report.error(src.rel, lineno, col, f"unknown reference id '{rid}'", "citation",
                                 suggest(rid, known_refs) or "add it to data/references.yaml first")
        directive = DIRECTIVE_RE.match(line.strip())
        if directive:
            name, args = directive.group(1), directive.group(2).split()
            col = line.find(":::") + 1
            if name not in block_names:
                report.error(src.rel, lineno, col, f"unknown block '::: {name}'", "",
                             suggest(name, block_names) or "available: " + ", ".join(sorted(block_names)))
            elif name == "comparison":
                if len(args) != 1:
                    report.error(src.rel, lineno, col, "'::: comparison' needs exactly one table id", "",
                                 "e.g. '::: comparison calf-nutrients'")
                elif args[0] not in store.collections.get("comparisons", {}):
                    report.error(src.rel, lineno, col, f"unknown comparison table '{args[0]}'", "",
                                 suggest(args[0], store.collections.get("comparisons", {}))
                                 or "define it in data/comparisons.yaml")


def check_urls(sources: Sources, report: Report) -> None:
    owners: dict[str, str] = {}
    for src in sources.pages:
        meta = src.meta.data
        if not isinstance(meta, dict):
            continue
        slug = meta.get("slug") if isinstance(meta.get("slug"), str) else None
        url = meta.get("url") if isinstance(meta.get("url"), str) else url_for_name(src.name, slug)
        out = output_for_url(url)
        if out in owners:
            report.extend([src.meta.diag(("slug",) if "slug" in meta else (),
                                         f"two pages write {out}: this one and {owners[out]}",
                                         hint="give one of them a different 'slug'")])
        else:
            owners[out] = src.rel


def validate(sources: Sources, store: DataStore, templates_dir: Path,
             today: dt.date | None = None) -> Report:
    report = Report()
    check_data_shapes(sources, report)
    check_ids(store, report)
    used_refs = check_references(store, report)
    check_comparisons(store, report)
    templates = {p.relative_to(templates_dir).as_posix() for p in templates_dir.rglob("*.html")} \
        if templates_dir.is_dir() else set()
    block_names = {t[len("blocks/"):-5] for t in templates if t.startswith("blocks/")}
    cited: set[str] = set()
    for src in sources.pages:
        check_page(src, store, block_names, templates, report, cited)
    check_urls(sources, report)
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
