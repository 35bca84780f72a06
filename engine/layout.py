"""What the build writes at the top of the output folder besides the pages.

One place for these names: the writers use them, and validation reserves them so no page
can be written over a file the build makes itself.
"""

from __future__ import annotations

from .writer import MARKER

#: every site-wide file, in the order they are made
SITE_FILES = ("sitemap.xml", "robots.txt", "feed.xml", "404.html")
#: the output folder that holds the copy of static/ (hashed names; see assets.py)
STATIC_DIR = "static"
#: the output folder Pagefind writes the search index into (see search.py)
SEARCH_DIR = "pagefind"


def reserved_outputs() -> dict[str, str]:
    """The names at the top of the output folder that the build writes itself, so no page may
    be written there or below (name -> what it is, for messages): the site-wide files, the
    static copy, the search index and the folder's marker file.  Made from the names the
    writing code uses, so that something the build starts to generate is reserved with it."""
    return {**{name: "a site-wide file" for name in SITE_FILES},
            STATIC_DIR: "the copy of static/", SEARCH_DIR: "the search index", MARKER: "the output marker"}
