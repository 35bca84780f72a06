"""Site-wide outputs that are not pages (sitemap, feed, robots.txt, 404, search index).

``site_files`` is called by the pipeline after all pages rendered; what it
returns is written with the pages.  Asset names are hashed and pages
minified *before* writing (``assets.plan_static``, ``page_finisher``), so
nothing rewrites written files; the Pagefind index is the only step that
runs on the written folder.

One job per module: sitemap.py (sitemap.xml, robots.txt), feed.py (Atom),
jsonld.py (structured data, used by the templates), assets.py (hashing),
minify.py, search.py (Pagefind), linkcheck.py, deploy.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Loaded
    from ..render import PageResult, SiteRenderer


@dataclass
class Options:
    """Publishing switches; the ``build`` command sets ``minify`` from ``--minify``."""
    minify: bool = False
    hash_assets: bool = True
    search_index: bool = True
    #: the live preview indexes after the browser has reloaded (see serve/server.py)
    defer_search: bool = False


options = Options()


def cache_key() -> str:
    """Part of the build cache's keys: changing an option re-renders every page."""
    return repr((options.minify, options.hash_assets, options.search_index))


def configure(**values: bool) -> None:
    for key, value in values.items():
        if not hasattr(options, key):
            raise TypeError(f"unknown publish option {key!r}")
        setattr(options, key, bool(value))


def not_found_page(loaded: "Loaded", renderer: "SiteRenderer") -> str:
    """404.html rendered through the same base template (links are root-relative with the base path)."""
    from ..diagnostics import ContentError
    from ..model import Page
    project = loaded.sources.project
    if not (project.templates_dir / "404.html").is_file():
        return ""
    page = Page(kind="404", rel="templates/404.html", url="/404.html", output="404.html",
                title="Page not found", template="404.html", description=loaded.config.description)
    result, problems = renderer.render_page(page)   # the build's renderer: same assets and finishing
    if problems or result is None:
        raise ContentError(problems)
    return result.html


def site_files(loaded: "Loaded", pages: list["PageResult"], renderer: "SiteRenderer") -> dict[str, bytes]:
    """Extra files for the output folder, by path inside it."""
    from .feed import atom_feed          # xml.sax pulls in urllib: only when needed
    from .sitemap import robots_txt, sitemap_xml
    config = loaded.config
    built = [r.page for r in pages]
    files = {
        "sitemap.xml": sitemap_xml(config, built),
        "robots.txt": robots_txt(config),
        "feed.xml": atom_feed(config, [p for p in built if p.is_article]),
    }
    html404 = not_found_page(loaded, renderer)
    if html404:
        files["404.html"] = html404.encode("utf-8")
    return files


def page_finisher() -> Callable[[str], str] | None:
    """The last step applied to every rendered HTML page (minifying), or None."""
    if options.minify:
        from .minify import minify_page
        return minify_page
    return None


def wants_search_index(loaded: "Loaded") -> bool:
    return options.search_index and loaded.site.by_url("/search/") is not None
