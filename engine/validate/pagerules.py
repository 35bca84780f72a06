"""Site rules checked on what pages actually show, after rendering.

A health site needs some things on every page of a kind, whatever its author
wrote: every article shows an emergency warning sign, say.  The rule lives in
the site's ``site.yaml`` (``rules:``), the engine knows no record or kind by
name; it reads the records each rendered page showed (the same record the
build cache keeps for incremental builds), so the check holds for pages taken
from the cache too and cannot be satisfied by text that merely looks right.

    rules:
      - id: safety-net
        pages: {kind: article}
        must_show: {collection: warnings, where: {level: high}}
        message: every article must show the signs that need help at once
        hint: place '::: warnings' in the article
"""

from __future__ import annotations

from typing import Any, Iterable, Protocol

from ..diagnostics import Diagnostic
from ..load.datastore import DataStore
from ..load.yamlsource import YamlDoc


class Shown(Protocol):
    """What the rules read of a rendered page (render.PageResult and the cached kinds)."""

    page: Any
    shown: Any


def _matches(rule: dict[str, Any], store: DataStore, shown: Iterable[tuple[str, str]]) -> bool:
    want = rule["must_show"]
    collection = str(want.get("collection"))
    rid = want.get("id")
    where = want.get("where") if isinstance(want.get("where"), dict) else {}
    for coll, sid in shown:
        if coll != collection or (rid is not None and sid != rid):
            continue
        record = store.get(coll, sid)
        if record is not None and all(record.data.get(k) == v for k, v in where.items()):
            return True
    return False


def site_rules(site: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    rules = site.get("rules")
    if not isinstance(rules, list):
        return []
    return [(i, r) for i, r in enumerate(rules)
            if isinstance(r, dict) and isinstance(r.get("must_show"), dict) and isinstance(r.get("pages"), dict)]


def check_page_rules(site_doc: YamlDoc, store: DataStore, results: Iterable[Shown]) -> list[Diagnostic]:
    """An error per page that breaks a rule, at the page's source (or the rule, for generated pages)."""
    site = site_doc.data if isinstance(site_doc.data, dict) else {}
    rules = site_rules(site)
    if not rules:
        return []
    out: list[Diagnostic] = []
    for index, rule in rules:
        kind = rule["pages"].get("kind")
        collection = str(rule["must_show"].get("collection"))
        if collection not in store.collections:
            out.append(site_doc.diag(("rules", index, "must_show", "collection"),
                                     f"unknown collection '{collection}'",
                                     hint="use one of: " + ", ".join(sorted(store.collections))))
            continue
        rid = rule["must_show"].get("id")
        if isinstance(rid, str) and store.get(collection, rid) is None:
            out.append(site_doc.diag(("rules", index, "must_show", "id"),
                                     f"no record '{rid}' in {collection}",
                                     hint=f"the rule '{rule.get('id')}' names a record that does not exist"))
            continue
        for result in results:
            page = result.page
            if kind is not None and page.kind != kind:
                continue
            if _matches(rule, store, result.shown):
                continue
            message = f"{rule.get('message', 'page breaks a site rule')} (rule '{rule.get('id')}')"
            hint = str(rule.get("hint", "")) or "see 'rules:' in data/site.yaml"
            if page.source is not None:
                line, col = page.source.meta.where(("topic",))
                out.append(Diagnostic(page.rel, line, col, "error", message, "", hint))
            else:
                out.append(site_doc.diag(("rules", index), f"{page.url}: {message}", hint=hint))
    return out
