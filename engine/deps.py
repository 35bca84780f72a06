"""The kinds of dependency a page records while it renders.

Rendering records them (render.PageContext); the incremental build resolves each kind to a
fingerprint (incremental/pages.Resolver) and renders a page again only when one changed.
Named here, below both, so neither stage reaches into the other for them.

    ("file", rel)             the page's own source file
    ("record", "coll:id")     a data record the page read
    ("select", key)           which records a block selected (ids, 'all', or the page's topic)
    ("template", name)        a template the page used
    ("listing", "coll:id")    the pages that show a record / cite a reference (second pass)
    ("exists", url)           whether a page exists (has_page)
    SITE_PAGES                every page's metadata (a template looped over pages)
    (ASSET, path)             a static file's URL (hashed name): patched in place when it changes
    (ASSET_EXACT, path)       the same, when the URL cannot be patched in place
"""

from __future__ import annotations

Dep = tuple[str, str]         # (kind, key), e.g. ("template", "base.html")
#: the dependency of a page that lists pages (navigation, indexes): every page's metadata
SITE_PAGES: Dep = ("site", "pages")
#: dependency kinds of ``asset(path)``; their value is the file's current URL (hashed name)
ASSET, ASSET_EXACT = "asset", "asset-exact"
