"""Site-wide outputs that are not pages (sitemap, feed, robots.txt, 404, search index).

``site_files`` is called by the pipeline after all pages rendered; what it
returns is written with the pages, inside the same atomic swap.
``after_write`` runs on the finished output folder (content-hashed asset
names, optional minifying, then the Pagefind search index), also before the
swap, so a failure there leaves the previous output in place.

One job per module: sitemap.py (sitemap.xml, robots.txt), feed.py (Atom),
jsonld.py (structured data, used by the templates), assets.py (hashing),
minify.py, search.py (Pagefind), linkcheck.py, deploy.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .feed import atom_feed
from .sitemap import robots_txt, sitemap_xml

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


def not_found_page(loaded: "Loaded", renderer: "SiteRenderer | None" = None) -> str:
    """404.html rendered through the same base template (links are root-relative with the base path)."""
    from ..diagnostics import ContentError
    from ..model import Page
    from ..render import SiteRenderer
    project = loaded.sources.project
    if not (project.templates_dir / "404.html").is_file():
        return ""
    page = Page(kind="404", rel="templates/404.html", url="/404.html", output="404.html",
                title="Page not found", template="404.html", description=loaded.config.description)
    result, problems = (renderer or SiteRenderer(project, loaded.site)).render_page(page)
    if problems or result is None:
        raise ContentError(problems)
    return result.html


def site_files(loaded: "Loaded", pages: list["PageResult"],
               renderer: "SiteRenderer | None" = None) -> dict[str, bytes]:
    """Extra files for the output folder, by path inside it."""
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


def after_write(loaded: "Loaded", out: Path) -> None:
    """Post-processing on the staged output folder before it is swapped in."""
    if options.minify:  # first, so that the hashes name the files as served
        from .minify import minify_tree
        minify_tree(out)
    if options.hash_assets:
        from .assets import hash_assets
        hash_assets(out, loaded.config.base_path)
    if options.search_index and not options.defer_search and loaded.site.by_url("/search/") is not None:
        from .search import build_index
        build_index(out, loaded.config.language)
