"""sitemap.xml (every built page, nothing else) and robots.txt pointing at it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable
from xml.sax.saxutils import escape


def page_date(page: Any) -> dt.date | None:
    """The date a page last changed in substance: front-matter ``updated`` or its review date."""
    from ..model.structure import as_date
    return as_date(page.meta.get("updated")) if isinstance(page.meta, dict) and page.meta.get("updated") \
        else page.last_reviewed


def sitemap_xml(config: Any, pages: Iterable[Any]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for page in sorted(pages, key=lambda p: p.url):
        lines.append("<url>")
        lines.append(f"<loc>{escape(config.absolute_url(page.url))}</loc>")
        when = page_date(page)
        if when:
            lines.append(f"<lastmod>{when.isoformat()}</lastmod>")
        lines.append("</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots_txt(config: Any) -> bytes:
    return ("User-agent: *\nAllow: /\n\n"
            f"Sitemap: {config.absolute_url('/sitemap.xml')}\n").encode("utf-8")
