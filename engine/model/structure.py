"""Stage 3 - build the site model from validated sources.

Decides every page's URL, output path, template, dates and breadcrumbs.
Pages come from two places: Markdown files in ``content/`` and one page per
record of the collections listed under ``generate`` in ``site.yaml``
(``generate:`` in site.yaml: one page per record of a collection), so no Markdown file is needed for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..config import Person, SiteConfig, _person
from ..load.datastore import DataStore
from ..load.sources import SourcePage, Sources
from ..urls import DEFAULT_GENERATE, output_for_url, url_for_name  # noqa: F401 - re-exported
from .site import Crumb, Page, Site

#: pages rendered after all others, because they list what the others cite
LATE_TEMPLATES = {"references.html"}


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class PageDefaults:
    """What site.yaml gives a Markdown page that does not say otherwise: worked out once per
    build rather than once per page (10,000 pages make this a measurable share of a build)."""
    last_reviewed: dt.date | None
    next_review: dt.date | None
    author: Person
    reviewer: Person

    @classmethod
    def of(cls, config: SiteConfig) -> "PageDefaults":
        return cls(as_date(config.extra.get("pages_last_reviewed")), as_date(config.extra.get("pages_next_review")),
                   config.author, config.reviewer)


def page_from_source(src: SourcePage, config: SiteConfig, defaults: PageDefaults | None = None) -> Page:
    # runs for every page on every build: plain lookups, and no call where the common
    # value (no slug, a date already parsed, no author of its own) needs none
    defaults = defaults or PageDefaults.of(config)
    meta = src.meta.data
    get = meta.get
    url = get("url")
    if url:
        url = str(url)
    else:
        slug = get("slug")
        name = src.name
        url = (f"/{name}/" if name not in ("index", "") else "/") if not slug and "/" not in name \
            else url_for_name(name, slug)
    topic = get("topic")
    template = get("template")
    template = str(template) if template else ("article.html" if topic else "page.html")
    kind = "article" if template == "article.html" else ("home" if url == "/" else "page")
    reviewed = get("last_reviewed")
    # Pages without their own dates (data summaries) fall back to site.yaml's page defaults.
    next_review = get("next_review")
    author = get("author")
    reviewer = get("reviewer")
    title = get("title", "")
    description = get("description", "")
    nav_order = get("nav_order", 1000)
    return Page(
        kind, src.rel, url,
        url[1:] + "index.html" if url[:1] == "/" and url[1:2] != "/" and url[-1:] == "/" else output_for_url(url),
        title if type(title) is str else str(title), template,
        description if type(description) is str else str(description), str(topic) if topic else None,
        nav_order if type(nav_order) is int else int(nav_order),
        (reviewed if type(reviewed) is dt.date else as_date(reviewed)) if reviewed else defaults.last_reviewed,
        (next_review if type(next_review) is dt.date else as_date(next_review)) if next_review
        else (None if reviewed else defaults.next_review),
        defaults.author if author is None else _person(author, defaults.author),
        defaults.reviewer if reviewer is None else _person(reviewer, defaults.reviewer),
        meta, src, None, [], template in LATE_TEMPLATES,
    )


def generated_pages(data: DataStore, config: SiteConfig) -> list[Page]:
    pages: list[Page] = []
    for rule in config.extra.get("generate", DEFAULT_GENERATE):
        for record in data.collection(rule["collection"]):
            rec = record.data
            url = rule["url"].format(id=record.id)
            pages.append(Page(
                kind=rule.get("kind", rule["collection"].rstrip("s")), rel=record.doc.rel, url=url,
                output=output_for_url(url), title=str(rec.get("name", record.id)),
                template=rule["template"], description=str(rec.get("summary", "")),
                last_reviewed=as_date(rec.get("last_reviewed") or config.extra.get("data_last_reviewed")),
                next_review=as_date(rec.get("next_review") or config.extra.get("data_next_review")),
                author=config.author, reviewer=config.reviewer, meta=rec, record=record,
                late=True,  # lists the articles that discuss it, so it comes after them
            ))
    return pages


def breadcrumbs(page: Page, by_url: dict[str, Page]) -> list[Crumb]:
    return Trail(by_url).of(page)


class Trail:
    """Breadcrumbs: Home, then each folder above the page that is a page itself, then the page.

    The crumbs above a page are made once per folder and shared by the pages
    in it (read-only to templates), rather than once per page.
    """

    def __init__(self, by_url: dict[str, Page]):
        self.by_url = by_url
        self.home = Crumb(by_url["/"].title if "/" in by_url else "Home", "/")
        self.above: dict[str, list[Crumb]] = {}    # folder -> its crumbs

    def of(self, page: Page) -> list[Crumb]:
        url = page.url
        if url == "/":
            return []
        if url.count("/") == 2 and url[0] == "/" and url[-1] == "/":   # most pages: /name/
            return [self.home, Crumb(page.title, url)]
        parts = [p for p in url.strip("/").split("/") if p]
        folder = "/".join(parts[:-1])
        above = self.above.get(folder)
        if above is None:
            urls = ("/" + "/".join(parts[:depth]) + "/" for depth in range(1, len(parts)))
            above = self.above[folder] = [self.home] + [Crumb(self.by_url[u].title, u) for u in urls
                                                         if u in self.by_url]
        return above + [Crumb(page.title, url)]


def build_site(sources: Sources, config: SiteConfig, data: DataStore) -> Site:
    defaults = PageDefaults.of(config)
    pages = [page_from_source(src, config, defaults) for src in sources.pages]
    pages += generated_pages(data, config)
    pages.sort(key=lambda p: p.url)
    by_url = {p.url: p for p in pages}
    trail = Trail(by_url)
    for page in pages:
        page.breadcrumbs = trail.of(page)
    return Site(config, data, pages)
