"""Link check of a built output folder: every internal href/src, #fragment and asset must resolve.

URLs in the output are root-relative with the base path (``/health/some-page/``),
so the checker needs the base path the site was built with; it reads it from
the canonical link of the home page unless told.  Relative URLs are resolved
against the page's own URL.  External links (http, https) are collected and
only fetched when asked (``--external``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

URL_ATTRS = {("a", "href"), ("link", "href"), ("area", "href"), ("script", "src"), ("img", "src"),
             ("source", "src"), ("video", "src"), ("audio", "src"), ("iframe", "src"),
             ("form", "action"), ("use", "href"), ("img", "srcset"), ("source", "srcset"),
             ("video", "poster"), ("object", "data"), ("embed", "src"), ("track", "src")}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
if TYPE_CHECKING:  # pragma: no cover
    from .external import ExternalReport

SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "about:", "blob:")


@dataclass
class Link:
    file: str       # path inside the output folder
    line: int
    url: str
    tag: str = ""


@dataclass
class Problem:
    file: str
    line: int
    url: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: broken link {self.url!r}: {self.message}"


@dataclass
class LinkReport:
    base_path: str
    pages: int = 0
    links: int = 0
    broken: list[Problem] = field(default_factory=list)
    external: dict[str, list[Link]] = field(default_factory=dict)
    fetched: ExternalReport | None = None   # with external=True: what fetching them found

    @property
    def ok(self) -> bool:
        return not self.broken


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, str, str]] = []
        self.ids: set[str] = set()
        self.canonical: str | None = None
        self._style = False
        self._style_text: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {k: v for k, v in attrs if v is not None}
        for key in ("id", "name") if tag in ("a", "map") else ("id",):
            if values.get(key):
                self.ids.add(values[key])
        if tag == "link" and values.get("rel", "").lower() == "canonical":
            self.canonical = values.get("href")
        for name, value in values.items():
            if (tag, name) in URL_ATTRS:
                if name == "srcset":
                    for part in value.split(","):
                        if part.strip():
                            self.links.append((line, part.strip().split()[0], tag))
                else:
                    self.links.append((line, value, tag))
            elif name == "style":
                self.links.extend((line, m.group(2), tag) for m in CSS_URL.finditer(value))
        if tag == "style":
            self._style = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            line = self.getpos()[0]
            for m in CSS_URL.finditer(data):
                self.links.append((line + data[:m.start()].count("\n"), m.group(2), "style"))


def detect_site(out: Path, fallback: str = "/") -> tuple[str, str]:
    """(origin, base path) the output was built with, from the home page's canonical link."""
    index = out / "index.html"
    if index.is_file():
        parser = _PageParser()
        parser.feed(index.read_text(encoding="utf-8", errors="replace"))
        if parser.canonical:
            parts = urlsplit(parser.canonical)
            path = parts.path or "/"
            origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
            return origin, path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
    return "", fallback


def page_url(rel: str, base_path: str) -> str:
    """Output path -> the URL it is served at (``a/index.html`` -> ``/base/a/``)."""
    url = base_path + rel
    return url[: -len("index.html")] if url.endswith("/index.html") or url == base_path + "index.html" else url


def resolve(out: Path, path: str, base_path: str) -> Path | None:
    """URL path -> file in *out*, or None when it is outside the site or missing."""
    path = unquote(path)
    if not path.startswith(base_path):
        return None
    rel = posixpath.normpath(path[len(base_path):]) if path[len(base_path):] else ""
    if rel.startswith("..") or rel.startswith("/"):
        return None
    target = out / rel if rel not in ("", ".") else out
    if target.is_dir():
        target = target / "index.html"
    if target.is_file():
        return target
    return None


class LinkChecker:
    def __init__(self, out: Path, base_path: str | None = None):
        self.out = out.resolve()
        self.origin, detected = detect_site(self.out)
        self.base_path = base_path or detected
        self._ids: dict[Path, set[str]] = {}
        self._parsed: dict[Path, _PageParser] = {}

    def _parse(self, path: Path) -> _PageParser:
        if path not in self._parsed:
            parser = _PageParser()
            parser.feed(path.read_text(encoding="utf-8", errors="replace"))
            parser.close()
            self._parsed[path] = parser
        return self._parsed[path]

    def _css_links(self, path: Path) -> list[tuple[int, str, str]]:
        text = path.read_text(encoding="utf-8", errors="replace")
        return [(text[:m.start()].count("\n") + 1, m.group(2), "css") for m in CSS_URL.finditer(text)]

    def run(self) -> LinkReport:
        report = LinkReport(self.base_path)
        files = sorted(p for p in self.out.rglob("*") if p.is_file()
                       and "pagefind" not in p.relative_to(self.out).parts)
        for path in files:
            rel = path.relative_to(self.out).as_posix()
            if path.suffix == ".html":
                report.pages += 1
                links = self._parse(path).links
                here = page_url(rel, self.base_path)
            elif path.suffix == ".css":
                links = self._css_links(path)
                here = self.base_path + rel
            else:
                continue
            for line, raw, tag in links:
                self._check(report, rel, here, line, raw.strip(), tag, path)
        return report

    def _check(self, report: LinkReport, rel: str, here: str, line: int, raw: str, tag: str,
               page: Path) -> None:
        if not raw or raw.lower().startswith(SKIP_SCHEMES):
            return
        report.links += 1
        parts = urlsplit(raw)
        if self.origin and raw.startswith(self.origin + self.base_path):
            raw = raw[len(self.origin):]  # the site's own absolute URLs (canonical) are internal
            parts = urlsplit(raw)
        if parts.scheme in ("http", "https") or raw.startswith("//"):
            report.external.setdefault(raw, []).append(Link(rel, line, raw, tag))
            return
        if parts.scheme:
            return
        absolute = urljoin(here, raw)
        target_url, fragment = urldefrag(absolute)
        path = urlsplit(target_url).path
        if not raw.startswith("#") and not path.startswith(self.base_path):
            report.broken.append(Problem(rel, line, raw, f"outside the base path {self.base_path}"))
            return
        target = page if raw.startswith("#") else resolve(self.out, path, self.base_path)
        if target is None:
            report.broken.append(Problem(rel, line, raw, "no such file in the output"))
            return
        if fragment and target.suffix == ".html":
            if unquote(fragment) not in self._parse(target).ids:
                report.broken.append(Problem(rel, line, raw, f"no element with id '{unquote(fragment)}'"))


def check_links(out: Path, base_path: str | None = None, external: bool = False,
                timeout: float = 10.0) -> LinkReport:
    """Check *out*'s internal links; with *external*, fetch the outside ones (see external.py)."""
    checker = LinkChecker(out, base_path)
    report = checker.run()
    if external:
        from .external import check_external
        report.fetched = check_external(list(report.external), timeout)
    return report
