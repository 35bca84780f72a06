"""``build.py where ID``: every page that shows or cites a record or reference id.

The answer comes from the build's dependency records: each rendered page records the
``(collection, id)`` records it showed (``PageResult.shown``) and the reference ids it
cited (``PageResult.cited``), the same records the build cache keeps to decide what to
re-render.  The site is loaded, checked and rendered in memory (as ``check`` does, nothing
is written), so the answer is never that of a stale cache.

``ID`` is a record id of any collection or a reference id (any id in data/); ``COLLECTION:ID`` picks one collection when an id is in several.
An id that no data file defines exits 1 with a did-you-mean hint.
"""

from __future__ import annotations

import argparse
import difflib
from dataclasses import dataclass
from typing import Any, Iterable

from ..console import Console
from ..project import Project


@dataclass(frozen=True)
class Use:
    url: str          # site-relative, e.g. "/plants/basil/"
    source: str       # the file that defines the page, e.g. "content/some-page.md"
    how: str          # "shows plants[basil]" or "cites some-source"


class UnknownId(Exception):
    def __init__(self, rid: str, suggestions: list[str]):
        super().__init__(rid)
        self.rid, self.suggestions = rid, suggestions


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("where", help="list the pages that show or cite a record or reference id",
                       description="Print the URL and source file of every page that shows a data record "
                                   "or cites a reference, e.g. 'build.py where ID' with any id from data/. "
                                   "Use COLLECTION:ID when an id is in "
                                   "several collections. Exit 1 for an id no data file defines.")
    p.add_argument("id", help="a record id, a reference id or COLLECTION:ID")
    p.add_argument("--base-url", metavar="URL", help="override base_url from data/site.yaml")
    p.set_defaults(run=run)


def known_ids(collections: dict[str, Iterable[str]]) -> dict[str, list[str]]:
    """id -> the collections that define it."""
    found: dict[str, list[str]] = {}
    for name, ids in collections.items():
        for rid in ids:
            found.setdefault(str(rid), []).append(name)
    return found


def targets(query: str, collections: dict[str, Iterable[str]]) -> list[tuple[str, str]]:
    """The (collection, id) pairs *query* names; raises UnknownId with did-you-mean suggestions."""
    ids = known_ids(collections)
    if ":" in query:
        coll, _, rid = query.partition(":")
        if coll in collections and rid in ids and coll in ids[rid]:
            return [(coll, rid)]
        names = [f"{c}:{i}" for i, cs in ids.items() for c in cs]
        raise UnknownId(query, difflib.get_close_matches(query, names, n=3, cutoff=0.6))
    if query in ids:
        return [(coll, query) for coll in ids[query]]
    raise UnknownId(query, difflib.get_close_matches(query, list(ids), n=3, cutoff=0.6))


def uses(results: Iterable[Any], wanted: list[tuple[str, str]], base_path: str = "/") -> list[Use]:
    """The pages among *results* (render.PageResult) that show one of *wanted* or cite its id
    (when it is a reference), in page order."""
    cited_ids = {rid for coll, rid in wanted if coll == "references"}
    found: list[Use] = []
    for result in results:
        page = result.page
        url = base_path.rstrip("/") + page.url
        for coll, rid in wanted:
            if (coll, rid) in result.shown:
                found.append(Use(url, page.rel, f"shows {coll}[{rid}]"))
        for rid in sorted(cited_ids):
            if rid in result.cited:
                found.append(Use(url, page.rel, f"cites {rid}"))
    return found


def find(project: Project, query: str, base_url: str | None = None) -> list[Use]:
    from ..pipeline import load_site, render_site
    loaded = load_site(project, base_url)
    wanted = targets(query, {name: list(records) for name, records in loaded.store.collections.items()})
    results = render_site(project, loaded)
    return uses(results, wanted, loaded.config.base_path)


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    try:
        found = find(project, args.id, args.base_url)
    except UnknownId as exc:
        hint = f"; did you mean {' or '.join(repr(s) for s in exc.suggestions)}?" if exc.suggestions else ""
        console.error(f"where: error: no record or reference has the id {exc.rid!r}{hint}")
        console.error("  ids are the 'id:' of records in data/*.yaml (references in data/references.yaml)")
        return 1
    if not found:
        console.info(f"{args.id}: no page shows or cites it")
        return 0
    width = max(len(u.url) for u in found)
    for use in found:
        print(f"{use.url:<{width}}  {use.source}  ({use.how})")
    pages = len({u.url for u in found})
    console.info(f"{args.id}: {pages} page{'s' if pages != 1 else ''}")
    return 0
