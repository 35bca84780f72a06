"""Internal links in the sources, checked against the site model: no build needed.

``check`` reports a Markdown or data link to a page the site does not have at the line
that wrote it (``content/x.md:12:5``), where the output link check (``check --links``,
``publish/linkcheck.py``) can only name the built file.  The model already knows every
page's output path, so a link is resolved exactly as a reader's browser would resolve
it once the page is published: relative to the page's own URL, site paths under the
base path the build adds.  Fragments (``#part``) are left to ``check --links``: heading
ids are made by Markdown and by the templates, so only the built page knows them all.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Iterable, Iterator
from urllib.parse import unquote

from ..diagnostics import Diagnostic
from ..layout import SEARCH_DIR, STATIC_DIR, reserved_outputs
from ..load.datastore import DataStore
from ..load.sources import SourcePage
from ..project import Project
from .site import Site

#: ``[text](target "title")`` and ``![alt](target)``: the target (``<...>`` allowed)
INLINE_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")
#: ``[label]: target`` reference definitions, at the start of a line
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)")
#: ``href="..."`` / ``src='...'`` in raw HTML (pages that allow it)
HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
#: a URL with a scheme (``https:``, ``mailto:``) or protocol-relative: not a page of this site
EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def _resolve_dots(path: str) -> str | None:
    """``/a/b/../c`` -> ``/a/c``; None when '..' climbs above the site's root (a browser would
    stop at the root; a link written so is a mistake all the same)."""
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/" + "/".join(parts)


def link_targets(line: str) -> Iterator[tuple[int, str]]:
    """(0-based column, target) of every link on a Markdown *line*."""
    if "](" in line:
        for match in INLINE_LINK.finditer(line):
            yield match.start(1), match.group(1)
    if "]:" in line:
        match = REFERENCE_DEF.match(line)
        if match:
            yield match.start(1), match.group(1)
    if "=" in line and ("href" in line or "src" in line):
        for match in HTML_LINK.finditer(line):
            yield match.start(1), match.group(1)


class SiteLinks:
    """Which site paths lead somewhere: the model's pages, the build's own files, static/."""

    def __init__(self, site: Site, project: Project):
        self.outputs = {page.output for page in site.pages}
        self.urls = sorted(page.url for page in site.pages)
        self.reserved = reserved_outputs()
        self.static = project.static_dir

    def problem(self, target: str, page_url: str) -> tuple[str, str] | None:
        """(message, hint) when *target*, written on the page at *page_url*, leads to no file;
        None for a good link or one this check does not judge (external, fragment only)."""
        if not target or target.startswith(("#", "?")) or EXTERNAL.match(target):
            return None
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if not path:
            return None
        joined = path if path.startswith("/") else posixpath.join(page_url.rsplit("/", 1)[0] + "/", path)
        normal = _resolve_dots(joined)
        if normal is None:
            return f"link '{target}' leads outside the site", "link to a page of the site, e.g. '/'"
        rel = normal.lstrip("/")
        if normal.endswith("/") or joined.endswith("/") or rel == "":
            candidates = [f"{rel}/index.html" if rel else "index.html"]
        else:
            candidates = [rel, f"{rel}/index.html"]
        if any(self.exists(candidate) for candidate in candidates):
            if not joined.endswith("/") and candidates[0] not in self.outputs and f"{rel}/index.html" in self.outputs:
                return (f"link '{target}' needs a trailing '/'",
                        f"write '{target.split('#', 1)[0].split('?', 1)[0]}/': without it the link works only "
                        f"where the web server redirects")
            return None
        from ..validate.schema import suggest
        hint = suggest("/" + rel + ("/" if joined.endswith("/") else ""), self.urls)
        return f"link '{target}' leads to no page of the site", hint or "link to an existing page, e.g. '/'"

    def exists(self, rel: str) -> bool:
        if rel in self.outputs:
            return True
        top = rel.partition("/")[0]
        if top == STATIC_DIR:
            return (self.static / rel.partition("/")[2]).is_file()
        if top == SEARCH_DIR:
            return True          # written by the search indexer after the pages
        return top in self.reserved


def page_link_problems(src: SourcePage, page_url: str, links: SiteLinks) -> list[Diagnostic]:
    from ..validate.content import body_lines
    out: list[Diagnostic] = []
    body = src.body
    if "](" not in body and "]:" not in body and "href" not in body and "src" not in body:
        return out
    for lineno, line in body_lines(body, src.body_line):
        for col, target in link_targets(line):
            found = links.problem(target, page_url)
            if found:
                out.append(Diagnostic(src.rel, lineno, col + 1, "error", found[0], "link", found[1]))
    return out


def _strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))


def data_link_problems(store: DataStore, links: SiteLinks) -> list[Diagnostic]:
    """Links in data text are written relative to the site root (a record shows on many pages)."""
    out: list[Diagnostic] = []
    for doc in store.files.values():
        for path, text in _strings(doc.data):
            if "](" not in text:
                continue
            for _col, target in link_targets(text):
                found = links.problem(target, "/")
                if found:
                    out.append(doc.diag(path, found[0], hint=found[1]))
    return out


def check_source_links(site: Site, sources: Iterable[SourcePage], store: DataStore,
                       project: Project) -> list[Diagnostic]:
    """Every internal link written in content/ and data/ that leads to no page."""
    links = SiteLinks(site, project)
    url_of = {page.rel: page.url for page in site.pages}
    out: list[Diagnostic] = []
    for src in sources:
        url = url_of.get(src.rel)
        if url is not None:
            out.extend(page_link_problems(src, url, links))
    out.extend(data_link_problems(store, links))
    return out
