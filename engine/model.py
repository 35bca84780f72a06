"""Stage 3 - the site model: every page the build will write, before rendering."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .config import Person, SiteConfig
from .datastore import DataStore, Record
from .sources import SourcePage


@dataclass(slots=True)
class Crumb:
    title: str
    url: str


@dataclass(slots=True)
class Page:
    """One output HTML page.

    ``source`` is set for pages written in Markdown; ``record`` for pages
    generated from a data record (one page per nutrient).  Slots: ten thousand
    of these are made on every build of a large site.
    """

    kind: str                      # article | page | home | nutrient | references ...
    rel: str                       # the file that defines it, for messages
    url: str                       # site-relative, e.g. "/calf-cramps/"
    output: str                    # path inside output/, e.g. "calf-cramps/index.html"
    title: str
    template: str
    description: str = ""
    topic: str | None = None
    nav_order: int = 1000
    last_reviewed: dt.date | None = None
    next_review: dt.date | None = None
    author: Person | None = None
    reviewer: Person | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    source: SourcePage | None = None
    record: Record | None = None
    breadcrumbs: list[Crumb] = field(default_factory=list)
    #: pages rendered after all others because they summarise them
    late: bool = False

    @property
    def is_article(self) -> bool:
        return self.kind == "article"


@dataclass
class Site:
    config: SiteConfig
    data: DataStore
    pages: list[Page]

    def by_url(self, url: str) -> Page | None:
        # a dict, rebuilt if pages were added: templates ask this on every page
        index = self.__dict__.get("_by_url")
        if index is None or len(index[0]) != len(self.pages):
            index = (list(self.pages), {})
            for page in reversed(self.pages):
                index[1][page.url] = page
            self.__dict__["_by_url"] = index
        return index[1].get(url)

    @property
    def articles(self) -> list[Page]:
        return sorted((p for p in self.pages if p.is_article), key=lambda p: (p.nav_order, p.title))
