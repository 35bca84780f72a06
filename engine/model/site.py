"""Stage 3 - the site model: every page the build will write, before rendering."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..config import Person, SiteConfig
from ..diagnostics import Report
from ..load.datastore import DataStore, Record
from ..load.sources import SourcePage

if TYPE_CHECKING:  # pragma: no cover
    from ..load.sources import Sources


@dataclass(slots=True)
class Crumb:
    title: str
    url: str


@dataclass(slots=True)
class Page:
    """One output HTML page.

    ``source`` is set for pages written in Markdown; ``record`` for pages
    generated from a data record (one page per record of a collection).  Slots: ten thousand
    of these are made on every build of a large site.
    """

    kind: str                      # article | page | home | references, or a generate rule's kind
    rel: str                       # the file that defines it, for messages
    url: str                       # site-relative, e.g. "/some-page/"
    output: str                    # path inside output/, e.g. "some-page/index.html"
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


@dataclass
class ModelMemo:
    """The live preview's last site model and what it was made from (see :func:`_patched_site`)."""

    pages: list[Any]           # the SourcePage objects, in order
    data: list[Any]            # site.yaml's and each data file's YamlDoc, in order
    config: str                # repr of the SiteConfig
    store: DataStore
    site: Site
    #: the "site" dependency's value (every page's metadata) when this model was last rendered
    site_value: str | None = None
    #: Resolver's per-page fingerprints, by id of the page (the pages are kept alive here);
    #: a patched page's are dropped
    inputs: dict[int, str] = field(default_factory=dict)
    meta: dict[int, str] = field(default_factory=dict)
    trails: dict[tuple[int, ...], tuple[str, list[Any]]] = field(default_factory=dict)


@dataclass
class Loaded:
    """Stages 1-3 done: the sources, the settings, the data and the site model, with the
    report of the checks (or, for a cold build, the checks still to run)."""

    sources: Sources
    config: SiteConfig
    store: DataStore
    site: Site
    report: Report
    #: set by ``load_site(..., defer_checks=True)`` until :meth:`finish_checks` runs them
    pending_checks: Callable[[], Report] | None = None
    #: the live preview's memo of this model (load_site); its ``site_value`` is known when
    #: the model was kept from the build before
    model: ModelMemo | None = None

    def finish_checks(self) -> None:
        """Run the deferred checks (if any); raises ContentError listing every problem found."""
        check, self.pending_checks = self.pending_checks, None
        if check is not None:
            self.report = check()
            self.report.raise_if_errors()
