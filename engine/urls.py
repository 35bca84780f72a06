"""Where a page goes: its URL from its source name, its output file from its URL.

One place for these rules because two stages apply them: validation (no two pages may
take one output file, and none may take the build's own) and the site model.
"""

from __future__ import annotations

#: records that get a page of their own when site.yaml has no ``generate:`` (none)
DEFAULT_GENERATE: list[dict[str, str]] = []


def url_for_name(name: str, slug: str | None = None) -> str:
    """``some-page`` -> ``/some-page/``; ``index`` -> ``/``; ``guides/index`` -> ``/guides/``."""
    if not slug and "/" not in name:     # most pages: a file directly in content/
        return "/" if name in ("index", "") else f"/{name}/"
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
