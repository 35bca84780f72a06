"""Atom feed of the articles, most recently updated first."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .sitemap import page_date


def _stamp(day: dt.date | None) -> str:
    return f"{(day or dt.date(1970, 1, 1)).isoformat()}T00:00:00Z"


def _id(config: Any, path: str) -> str:
    """Atom ids must be absolute IRIs: the page URL, or a tag: URI when the base URL has no host."""
    url = config.absolute_url(path)
    if url.startswith(("http://", "https://")):
        return url
    slug = re.sub(r"[^a-z0-9]+", "-", config.title.lower()).strip("-") or "site"
    return f"tag:{slug},2026:{url}"


def atom_feed(config: Any, articles: list[Any]) -> bytes:
    entries = sorted(articles, key=lambda p: (page_date(p) or dt.date.min, p.title), reverse=True)
    updated = max((page_date(p) for p in entries if page_date(p)), default=None)
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
           f"<title>{escape(config.title)}</title>"]
    if config.description:
        out.append(f"<subtitle>{escape(config.description)}</subtitle>")
    out += [f"<id>{escape(_id(config, '/'))}</id>",
            f'<link rel="alternate" type="text/html" href={quoteattr(config.absolute_url("/"))}/>',
            f'<link rel="self" type="application/atom+xml" href={quoteattr(config.absolute_url("/feed.xml"))}/>',
            f"<updated>{_stamp(updated)}</updated>",
            f"<author><name>{escape(config.author.name)}</name></author>"]
    for page in entries:
        out += ["<entry>",
                f"<title>{escape(page.title)}</title>",
                f'<link rel="alternate" type="text/html" href={quoteattr(config.absolute_url(page.url))}/>',
                f"<id>{escape(_id(config, page.url))}</id>",
                f"<updated>{_stamp(page_date(page))}</updated>"]
        if page.author is not None:
            out.append(f"<author><name>{escape(page.author.name)}</name></author>")
        if page.description:
            out.append(f"<summary>{escape(page.description)}</summary>")
        out.append("</entry>")
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")
