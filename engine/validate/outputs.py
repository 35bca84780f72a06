"""Output paths: no two pages write one file, none writes outside output/ or where the
build writes something itself (``publish.reserved_outputs``).

Part of the validation stage (``engine.validate``), which re-exports these names.
"""

from __future__ import annotations

import posixpath
from typing import Any, NamedTuple, Sequence

from ..diagnostics import Diagnostic, Report
from ..layout import reserved_outputs
from ..load.datastore import DataStore
from ..load.sources import SourcePage, Sources
from ..urls import DEFAULT_GENERATE, output_for_url, url_for_name
from .schema import suggest


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


class Claim(NamedTuple):
    """The output file a Markdown page writes (its URL's position is looked up only for a message)."""

    output: str
    safe: bool          # stays inside output/


def page_claim(src: SourcePage) -> Claim:
    meta = src.meta.data
    slug = meta.get("slug") if isinstance(meta.get("slug"), str) else None
    url = meta.get("url") if isinstance(meta.get("url"), str) else url_for_name(src.name, slug)
    out = output_for_url(url)
    return Claim(out, safe_output(out))


def claim_position(src: SourcePage) -> Diagnostic:
    """Where a page's output path is decided: its 'url' or 'slug' field, else the front matter."""
    meta = src.meta.data
    field = ("url",) if "url" in meta else ("slug",) if "slug" in meta else ()
    return src.meta.diag(field, "")


def check_urls(sources: Sources, store: DataStore, templates: set[str], report: Report,
               claims: Sequence[tuple[str, bool]] | None = None) -> None:
    """No two pages write one file, and none writes outside output/.

    *claims* are the Markdown pages' :func:`page_claim`, in page order (computed here if absent).
    """
    owners: dict[str, str] = {}
    reserved = reserved_outputs()

    def claim(out: str, safe: bool, where: Diagnostic, owner: str) -> None:
        if not safe:
            report.extend([Diagnostic(where.path, where.line, where.col, "error",
                                      f"output path '{out}' would be written outside output/",
                                      where.field, "use a plain path without '..' or a leading '/'")])
        elif out.partition("/")[0] in reserved:
            top = out.partition("/")[0]
            report.extend([Diagnostic(where.path, where.line, where.col, "error",
                                      f"output path '{out}' is reserved: the build writes '{top}' "
                                      f"itself ({reserved[top]})",
                                      where.field, "give the page a different 'slug' or 'url'")])
        elif out in owners:
            report.extend([Diagnostic(where.path, where.line, where.col, "error",
                                      f"two pages write {out}: this one and {owners[out]}",
                                      where.field, "give one of them a different 'slug' or 'url'")])
        else:
            owners[out] = owner

    if claims is None:
        claims = [page_claim(src) for src in sources.pages]
    for src, (out, safe) in zip(sources.pages, claims):
        if safe and out not in owners and out.partition("/")[0] not in reserved:
            owners[out] = src.rel     # the common case, without building a message position
        else:
            claim(out, safe, claim_position(src), src.rel)
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
            out = output_for_url(url)
            claim(out, safe_output(out), record.doc.diag(record.path + ("id",), ""), record.doc.rel)
