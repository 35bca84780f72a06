"""Publish-ready output: sitemap, robots, feed, 404, head meta, JSON-LD, hashed assets, links.

The real site is built twice per module, at the root and under /health/.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import make_project, run_cli
from engine.render.jsonld import dumps
from engine.publish.linkcheck import check_links

BASES = {"root": ("https://example.org/", "/"), "sub": ("https://example.org/health/", "/health/")}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = make_project(tmp_path_factory.mktemp("pub") / "real", fixture=None)
    outs = {}
    for name, (base_url, _) in BASES.items():
        out = root.parent / f"out-{name}"
        run = run_cli(root, "build", "--base-url", base_url, "--output", str(out))
        assert run.code == 0, run.err
        outs[name] = out
    return outs


def html_pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html") if "pagefind" not in p.parts)


def url_of(rel: str, base_path: str) -> str:
    return base_path + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


class Doc(HTMLParser):
    """Just enough of a page: tags with attributes, JSON-LD, FAQ texts, h1 count."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.jsonld: list[str] = []
        self.h1 = 0
        self.title = ""
        self.faqs: list[tuple[str, str]] = []
        self._stack: list[str] = []
        self._capture: str | None = None
        self._buf: list[str] = []
        self._in_cite = 0
        self._question = ""
        self.visible: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "h1":
            self.h1 += 1
        if tag == "script" and a.get("type") == "application/ld+json":
            self._capture, self._buf = "jsonld", []
        elif tag == "title":
            self._capture, self._buf = "title", []
        elif tag == "summary":
            self._capture, self._buf = "question", []
        elif tag == "div" and "faq-answer" in a.get("class", ""):
            self._capture, self._buf = "answer", []
            self._stack = ["div"]
            return
        if self._capture == "answer":
            self._stack.append(tag)
            if tag == "sup" and "cite" in a.get("class", ""):
                self._in_cite = len(self._stack)

    def handle_endtag(self, tag):
        if self._capture == "answer":
            if self._in_cite and len(self._stack) == self._in_cite and tag == "sup":
                self._in_cite = 0
            if self._stack:
                self._stack.pop()
            if not self._stack:
                self.faqs.append((self._question, norm("".join(self._buf))))
                self._capture = None
            return
        if self._capture == "jsonld" and tag == "script":
            self.jsonld.append("".join(self._buf))
            self._capture = None
        elif self._capture == "title" and tag == "title":
            self.title = "".join(self._buf)
            self._capture = None
        elif self._capture == "question" and tag == "summary":
            self._question = norm("".join(self._buf))
            self._capture = None

    def handle_data(self, data):
        if self._capture and not self._in_cite:
            self._buf.append(data)
        self.visible.append(data)

    def meta(self, key: str, value: str) -> list[str]:
        return [a.get("content", "") for t, a in self.tags if t == "meta" and a.get(key) == value]

    def links(self, rel: str) -> list[str]:
        return [a.get("href", "") for t, a in self.tags if t == "link" and a.get("rel") == rel]


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse(out: Path, rel: str) -> Doc:
    return Doc((out / rel).read_text(encoding="utf-8"))


def graph_nodes(doc: Doc) -> list[dict]:
    assert len(doc.jsonld) == 1, "exactly one JSON-LD block"
    assert "</" not in doc.jsonld[0]
    data = json.loads(doc.jsonld[0])
    assert data["@context"] == "https://schema.org"
    return data["@graph"]


@pytest.mark.parametrize("name", list(BASES))
def test_sitemap_lists_exactly_the_built_pages(builds, name):
    out = builds[name]
    origin_base = BASES[name][0]
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    tree = ET.parse(out / "sitemap.xml")
    locs = [u.findtext("s:loc", namespaces=ns) for u in tree.getroot().findall("s:url", ns)]
    lastmods = [u.findtext("s:lastmod", namespaces=ns) for u in tree.getroot().findall("s:url", ns)]
    pages = [r for r in html_pages(out) if r != "404.html"]
    expected = sorted("https://example.org" + url_of(r, BASES[name][1]) for r in pages)
    assert sorted(locs) == expected
    assert len(locs) == len(set(locs))
    assert all(loc.startswith(origin_base) for loc in locs)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d or "") for d in lastmods)
    robots = (out / "robots.txt").read_text()
    assert f"Sitemap: {origin_base}sitemap.xml" in robots


@pytest.mark.parametrize("name", list(BASES))
def test_every_internal_link_fragment_and_asset_resolves(builds, name):
    report = check_links(builds[name])
    assert report.base_path == BASES[name][1]
    assert report.broken == [], "\n".join(map(str, report.broken))
    assert report.pages >= 20 and report.links > 1000
    run = run_cli(builds[name].parent / "real", "check", "--links", "--strict", "--output", str(builds[name]))
    assert run.code == 0, run.err


@pytest.mark.parametrize("name", list(BASES))
def test_head_meta_h1_and_review_dates_on_every_page(builds, name):
    out = builds[name]
    origin_base = BASES[name][0]
    for rel in html_pages(out):
        doc = parse(out, rel)
        html_tag = next(a for t, a in doc.tags if t == "html")
        assert html_tag.get("lang") == "en-GB", rel
        assert doc.title.strip(), rel
        assert doc.h1 == 1, rel
        assert doc.meta("name", "description") and doc.meta("name", "description")[0].strip(), rel
        assert doc.meta("property", "og:title") and doc.meta("name", "twitter:card"), rel
        if rel == "404.html":
            assert doc.meta("name", "robots") == ["noindex"]
            continue
        canonical = doc.links("canonical")
        assert canonical == [origin_base.rstrip("/") + url_of(rel, BASES[name][1])[len(BASES[name][1]) - 1:]], rel
        assert doc.meta("property", "og:url") == canonical, rel
        text = norm(" ".join(doc.visible))
        if rel == "search/index.html":   # a tool, not health information: no review dates
            assert "Last reviewed:" not in text and "Next review due:" not in text
            continue
        assert "Last reviewed:" in text, f"{rel} shows no review date"


@pytest.mark.parametrize("name", list(BASES))
def test_jsonld_parses_and_matches_the_visible_page(builds, name):
    out = builds[name]
    faq_pages = 0
    for rel in html_pages(out):
        doc = parse(out, rel)
        if rel == "404.html":
            assert doc.jsonld == []
            continue
        nodes = graph_nodes(doc)
        types = [n["@type"] for n in nodes]
        page_node = next(n for n in nodes if n["@type"] in ("MedicalWebPage", "WebPage"))
        assert page_node["url"] == doc.links("canonical")[0]
        assert page_node["lastReviewed"]
        # the real site has had no clinical review: structured data must not claim one
        assert "reviewedBy" not in page_node, rel
        if rel != "search/index.html":
            assert "has not been reviewed by a doctor or other clinician" in norm(" ".join(doc.visible)), rel
        refs = (out / rel).read_text(encoding="utf-8").count('<li id="ref-')
        assert len(page_node.get("citation", [])) == refs, rel
        if rel.startswith(("calf-", "ankle-", "foot-", "toe-", "leg-")):
            assert page_node["@type"] == "MedicalWebPage" and page_node["about"]["@type"] == "MedicalCondition"
            assert page_node["medicalAudience"]["audienceType"] == "Patient"
        if rel.startswith("nutrients/") and rel != "nutrients/index.html":
            assert page_node["@type"] == "MedicalWebPage" and page_node["about"]["@type"] == "Substance"
        if rel == "index.html":
            assert "WebSite" in types
        else:
            crumbs = next(n for n in nodes if n["@type"] == "BreadcrumbList")["itemListElement"]
            assert crumbs[-1]["item"] == page_node["url"]
        if doc.faqs:
            faq_pages += 1
            faq = next(n for n in nodes if n["@type"] == "FAQPage")
            structured = {q["name"]: q["acceptedAnswer"]["text"] for q in faq["mainEntity"]}
            assert structured == dict(doc.faqs), rel
        else:
            assert "FAQPage" not in types, rel
    assert faq_pages >= 6


def test_jsonld_is_script_safe():
    text = dumps({"a": "</script><script>alert(1)</script>", "b": "<!-- & -->"})
    assert "</" not in text and "<!--" not in text
    assert json.loads(text)["a"] == "</script><script>alert(1)</script>"


def test_feed_orders_articles_by_updated_date(builds):
    out = builds["sub"]
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.parse(out / "feed.xml").getroot()
    entries = root.findall("a:entry", ns)
    assert len(entries) == 5
    dates = [e.findtext("a:updated", namespaces=ns) for e in entries]
    assert dates == sorted(dates, reverse=True)
    for e in entries:
        href = e.find("a:link", ns).get("href")
        assert href.startswith("https://example.org/health/")
        assert (out / href[len("https://example.org/health/"):] / "index.html").is_file()


def test_404_works_from_any_depth(builds):
    out = builds["sub"]
    text = (out / "404.html").read_text(encoding="utf-8")
    for url in re.findall(r'(?:href|src)="([^"#]+)"', text):
        if url.startswith("http"):
            continue
        assert url.startswith("/health/"), url   # root-relative: same from /x/y/z/missing


def test_assets_have_content_hashes_and_every_reference_is_rewritten(builds):
    for out in builds.values():
        assets = sorted(p.name for p in (out / "static").rglob("*") if p.suffix in (".css", ".js"))
        assert assets and all(re.fullmatch(r"[\w-]+\.[0-9a-f]{10}\.(css|js)", a) for a in assets), assets
        for rel in html_pages(out):
            text = (out / rel).read_text(encoding="utf-8")
            assert not re.search(r'static/[\w/-]+(?<!\.[0-9a-f]{10})\.(css|js)"', text), rel


def test_minify_is_off_by_default_and_keeps_links_working(builds, tmp_path):
    plain = (builds["sub"] / "index.html").read_text(encoding="utf-8")
    assert plain.count("\n") > 20
    root = builds["root"].parent / "real"
    out = tmp_path / "min"
    run = run_cli(root, "build", "--minify", "--base-url", "https://example.org/health/", "--output", str(out))
    assert run.code == 0, run.err
    small = (out / "index.html").read_text(encoding="utf-8")
    assert len(small) < len(plain) and small.count("\n") < 5
    css = next((out / "static" / "css").glob("site.*.css")).read_text()
    assert css.count("\n") < 5
    report = check_links(out)
    assert report.broken == [], "\n".join(map(str, report.broken))
    assert json.loads(Doc(small).jsonld[0])["@graph"]
