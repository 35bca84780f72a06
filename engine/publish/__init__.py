"""Site-wide outputs that are not pages (sitemap, feed, robots.txt, 404, search index).

``site_files`` is called by the pipeline after all pages rendered; what it
returns is written with the pages.  Each file comes with the dependencies it
was made from (as pages record theirs), so that the build cache remakes it
only when one of them changes: the sitemap and the feed read the pages'
metadata, never their HTML, so editing an article's text leaves them alone.  Asset names are hashed and pages
minified *before* writing (``assets.plan_static``, ``page_finisher``), so
nothing rewrites written files; the Pagefind index is the only step that
runs on the written folder.

One job per module: sitemap.py (sitemap.xml, robots.txt), feed.py (Atom),
assets.py (hashing),
minify.py, search.py (Pagefind), linkcheck.py, deploy.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from ..deps import SITE_PAGES
from ..layout import SEARCH_DIR, SITE_FILES, STATIC_DIR, reserved_outputs  # noqa: F401 - the publish names

if TYPE_CHECKING:  # pragma: no cover
    from ..deps import Dep
    from ..config import BuildOptions
    from ..model.site import Loaded
    from ..render.pages import SiteRenderer


#: the metadata of every page: title, URL, dates, description, front matter ...
PAGES_META: "Dep" = SITE_PAGES
#: 404.html exists only while its template does
NOT_FOUND_TEMPLATE: "Dep" = ("template", "404.html")


@dataclass
class SiteFile:
    """A site-wide file and what it was made from, besides the settings every file depends on."""
    data: bytes | None                       # None: not made (there is no 404 template)
    deps: set["Dep"] = field(default_factory=set)


def not_found_page(loaded: "Loaded", renderer: "SiteRenderer") -> SiteFile:
    """404.html rendered through the same base template (links are root-relative with the base path),
    with the dependencies it recorded, like any page."""
    from ..diagnostics import ContentError
    from ..model.site import Page
    project = loaded.sources.project
    if not (project.templates_dir / "404.html").is_file():
        return SiteFile(None, {NOT_FOUND_TEMPLATE})
    page = Page(kind="404", rel="templates/404.html", url="/404.html", output="404.html",
                title="Page not found", template="404.html", description=loaded.config.description)
    result, problems = renderer.render_page(page)   # the build's renderer: same assets and finishing
    if problems or result is None:
        raise ContentError(problems)
    return SiteFile(result.html.encode("utf-8"), set(result.deps) | {NOT_FOUND_TEMPLATE})


def site_files(loaded: "Loaded", renderer: "SiteRenderer",
               names: Iterable[str] = SITE_FILES) -> dict[str, SiteFile]:
    """The named site-wide files (by path inside the output folder).

    The sitemap and the feed may read only what the pipeline's ``page_meta_fp``
    covers (the ``PAGES_META`` dependency), never a page's body or HTML: the
    cache would not remake them when that changes.
    """
    from .feed import atom_feed          # xml.sax pulls in urllib: only when needed
    from .sitemap import robots_txt, sitemap_xml
    config = loaded.config
    built = sorted(loaded.site.pages, key=lambda p: p.output)
    makers: dict[str, Callable[[], SiteFile]] = {
        "sitemap.xml": lambda: SiteFile(sitemap_xml(config, built), {PAGES_META}),
        "robots.txt": lambda: SiteFile(robots_txt(config)),
        "feed.xml": lambda: SiteFile(atom_feed(config, [p for p in built if p.is_article]), {PAGES_META}),
        "404.html": lambda: not_found_page(loaded, renderer),
    }
    return {name: makers[name]() for name in names}


def page_finisher(options: "BuildOptions") -> Callable[[str], str] | None:
    """The last step applied to every rendered HTML page (minifying), or None."""
    if options.minify:
        from .minify import minify_page
        return minify_page
    return None


def wants_search_index(loaded: "Loaded", options: "BuildOptions") -> bool:
    return options.search_index and loaded.site.by_url("/search/") is not None
