"""The site model's URLs and breadcrumbs (engine/structure.py)."""

from __future__ import annotations

import pytest

from engine.model.site import Crumb, Page
from engine.model.structure import Trail, url_for_name


@pytest.mark.parametrize("name, slug, url", [
    ("calf-cramps", None, "/calf-cramps/"), ("index", None, "/"), ("", None, "/"),
    ("guides/index", None, "/guides/"), ("guides/calf", None, "/guides/calf/"),
    ("calf-cramps", "calf", "/calf/"), ("guides/calf", "index", "/guides/"), ("index", "", "/"),
])
def test_url_for_name(name: str, slug: str | None, url: str) -> None:
    assert url_for_name(name, slug) == url


def page(url: str, title: str) -> Page:
    return Page(kind="page", rel=f"content{url}x.md", url=url, output=url.lstrip("/") + "index.html",
                title=title, template="page.html")


def test_breadcrumbs_name_each_folder_above_that_is_a_page() -> None:
    pages = [page("/", "Start"), page("/guides/", "Guides"), page("/guides/legs/calf/", "Calf"),
             page("/guides/legs/knee/", "Knee"), page("/about/", "About")]
    trail = Trail({p.url: p for p in pages})
    crumbs = {p.url: trail.of(p) for p in pages}
    assert crumbs["/"] == []
    assert crumbs["/about/"] == [Crumb("Start", "/"), Crumb("About", "/about/")]
    # /guides/legs/ is not a page: no crumb for it
    assert crumbs["/guides/legs/calf/"] == [Crumb("Start", "/"), Crumb("Guides", "/guides/"),
                                            Crumb("Calf", "/guides/legs/calf/")]
    assert crumbs["/guides/legs/knee/"][:-1] == crumbs["/guides/legs/calf/"][:-1]


def test_breadcrumbs_without_a_home_page_start_at_home() -> None:
    about = page("/about/", "About")
    assert Trail({about.url: about}).of(about) == [Crumb("Home", "/"), Crumb("About", "/about/")]
