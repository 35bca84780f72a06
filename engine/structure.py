"""Stage 3 - build the site model from validated sources.

Decides every page's URL, output path, template, dates and breadcrumbs.
Pages come from two places: Markdown files in ``content/`` and one page per
record of the collections listed under ``generate`` in ``site.yaml``
(by default one page per nutrient), so no Markdown file is needed for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .config import SiteConfig, _person
from .datastore import DataStore
from .model import Crumb, Page, Site
from .sources import SourcePage, Sources

DEFAULT_GENERATE = [{"collection": "nutrients", "template": "nutrient.html", "url": "/nutrients/{id}/"}]
LATE_TEMPLATES = {"references.html"}


def url_for_name(name: str, slug: str | None = None) -> str:
    """``calf-cramps`` -> ``/calf-cramps/``; ``index`` -> ``/``; ``guides/index`` -> ``/guides/``."""
    parts = name.split("/")
    if slug:
        parts[-1] = slug
    if parts[-1] == "index":
        parts = parts[:-1]
    return "/" + "".join(p + "/" for p in parts if p)


def output_for_url(url: str) -> str:
    if url.endswith(".html"):
        return url.lstrip("/")
    return (url.lstrip("/") + "index.html")


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


def page_from_source(src: SourcePage, config: SiteConfig) -> Page:
    meta = src.meta.data
    url = str(meta["url"]) if meta.get("url") else url_for_name(src.name, meta.get("slug"))
    topic = meta.get("topic")
    template = str(meta.get("template") or ("article.html" if topic else "page.html"))
    kind = "article" if template == "article.html" else ("home" if url == "/" else "page")
    return Page(
        kind=kind, rel=src.rel, url=url, output=output_for_url(url),
        title=str(meta.get("title", "")), template=template,
        description=str(meta.get("description", "")), topic=str(topic) if topic else None,
        nav_order=int(meta.get("nav_order", 1000)),
        # Pages without their own dates (data summaries) fall back to site.yaml's page defaults.
        last_reviewed=as_date(meta.get("last_reviewed") or config.extra.get("pages_last_reviewed")),
        next_review=as_date(meta.get("next_review") or (
            None if meta.get("last_reviewed") else config.extra.get("pages_next_review"))),
        author=_person(meta.get("author"), config.author),
        reviewer=_person(meta.get("reviewer"), config.reviewer),
        meta=meta, source=src, late=template in LATE_TEMPLATES,
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
    if page.url == "/":
        return []
    crumbs = [Crumb(by_url["/"].title if "/" in by_url else "Home", "/")]
    parts = [p for p in page.url.strip("/").split("/") if p]
    for depth in range(1, len(parts)):
        url = "/" + "/".join(parts[:depth]) + "/"
        if url in by_url:
            crumbs.append(Crumb(by_url[url].title, url))
    crumbs.append(Crumb(page.title, page.url))
    return crumbs


def build_site(sources: Sources, config: SiteConfig, data: DataStore) -> Site:
    pages = [page_from_source(src, config) for src in sources.pages]
    pages += generated_pages(data, config)
    pages.sort(key=lambda p: p.url)
    by_url = {p.url: p for p in pages}
    for page in pages:
        page.breadcrumbs = breadcrumbs(page, by_url)
    return Site(config, data, pages)
