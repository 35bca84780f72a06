"""How the real site reads, in headless Chromium (issue 20): every page on a phone, on paper and
on a wide screen.

- print: every <details> (FAQ answers, record details, the reference list) shows its contents;
- evidence grades: each grade has its own computed style;
- safety: the warning signs are never folded away, and every article shows the emergency tier and
  the blood-clot warning without the reader opening anything;
- articles summarise data blocks (records open for detail) and stay far shorter than before;
- a citation group in a data block never starts a line of its own;
- a source cited many times gets one arrow and a letter per use, not an arrow per use;
- wide screens: "On this page" sits beside the text and stays in view; at 320 px it does not;
- the home page's cards follow the navigation's order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from test_a11y import CHROMIUM, Server, built, browser_page, need, page_urls  # noqa: F401 (fixtures)

ARTICLES = ["ankle-cramps/", "calf-cramps/", "foot-cramps/", "toe-cramps/", "leg-cramps/"]


@pytest.fixture(scope="module")
def served(built):
    server = Server(built["root"])
    yield server
    server.close()


def test_print_shows_every_details_content_on_every_page(built, browser_page, served):
    page = browser_page
    hidden = {}
    try:
        for path in page_urls(built["root"]):
            page.goto(served.base + path)
            page.emulate_media(media="print")
            missing = page.evaluate("""() => [...document.querySelectorAll('details')]
                .filter(d => !d.open)
                .flatMap(d => [...d.children].filter(c => c.tagName !== 'SUMMARY'))
                .filter(c => c.getBoundingClientRect().height === 0 || getComputedStyle(c).visibility === 'hidden')
                .map(c => (c.closest('[id]') || c).id || c.className)""")
            if missing:
                hidden[path] = missing[:5]
            page.emulate_media(media="screen")
    finally:
        page.emulate_media(media="screen")
    assert hidden == {}
    # and the FAQ answers are among them (closed on screen)
    page.goto(served.base + "faqs/")
    assert not page.is_visible("details.faq .faq-answer")
    page.emulate_media(media="print")
    assert page.locator("details.faq .faq-answer").count() > 10
    assert all(page.locator("details.faq .faq-answer").nth(i).is_visible() for i in range(3))
    page.emulate_media(media="screen")


def test_every_grade_has_its_own_style(browser_page, served):
    page = browser_page
    page.goto(served.base + "about/")        # the legend of every grade
    styles = page.evaluate("""() => [...document.querySelectorAll('.grade-legend dt .grade')].map(e => {
        const s = getComputedStyle(e);
        return [e.className, [s.borderTopStyle, s.borderTopColor, s.backgroundColor].join(' ')]; })""")
    grades = yaml.safe_load((ROOT / "data" / "grades.yaml").read_text(encoding="utf-8"))["evidence_grades"]
    assert len(styles) == len(grades) >= 5
    looks = {look for _, look in styles}
    assert len(looks) == len(styles), styles
    # and a label is always written out
    labels = page.eval_on_selector_all(".grade-legend dt .grade-label", "els => els.map(e => e.textContent.trim())")
    assert labels == [g["label"] for g in grades]


@pytest.mark.parametrize("width", [320, 1280])
def test_warning_signs_are_never_folded_away(browser_page, served, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 800})
    try:
        for path in ARTICLES:
            page.goto(served.base + path)
            assert page.locator(".red-flags details").count() == 0, path
            assert page.evaluate("document.querySelector('.red-flags').closest('details')") is None, path
            for selector in (".callout-emergency", "#flag-blood-clot-one-leg", ".callout-emergency .flag-sign"):
                assert page.is_visible(selector), f"{path}: {selector}"
            # the tiers read differently at a glance: solid red box, bordered box, plain box
            looks = page.evaluate("""() => ['emergency', 'urgent', 'routine'].map(t => {
                const e = document.querySelector('.callout-' + t); if (!e) return null;
                const s = getComputedStyle(e); return [s.backgroundColor, s.borderTopWidth, s.borderLeftWidth].join(' '); })""")
            present = [x for x in looks if x]
            assert len(set(present)) == len(present) >= 2, (path, looks)
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})


def test_articles_summarise_records_and_are_much_shorter(browser_page, served):
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 800})
    try:
        for path in ARTICLES:
            page.goto(served.base + path)
            # records are one line each, opened for detail; their pages are a link away
            assert page.locator(".nutrient-list details.record-detail").count() >= 3, path
            assert page.locator(".cause-list details.record-detail").count() >= 3, path
            assert page.locator(".nutrient-list details a[href*='/nutrients/']").count() >= 3, path
            assert page.locator(".cause-list details a[href*='/causes/#cause-']").count() >= 3, path
            height = page.evaluate("document.documentElement.scrollHeight")
            # before issue 20 the calf page was 28,900 px tall at 320 px, the leg page 35,400
            assert height < 21000, (path, height)
        # the hubs keep every record in full
        page.goto(served.base + "causes/")
        assert page.locator(".cause-list details").count() == 0
        assert page.locator(".cause-list section.record h3").count() >= 10
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})


@pytest.mark.parametrize("width", [320, 390])
def test_a_citation_group_in_a_data_block_never_starts_a_line(built, browser_page, served, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 800})
    alone = {}
    try:
        for path in page_urls(built["root"]):
            page.goto(served.base + path)
            found = page.evaluate("""() => {
                document.querySelectorAll('details').forEach(d => d.open = true);
                const bad = [];
                for (const sup of document.querySelectorAll('.data-block sup.cite, .prose .data-block sup.cite')) {
                    const prev = sup.previousSibling;
                    let rect = null;
                    if (prev && prev.nodeType === Node.TEXT_NODE) {
                        const text = prev.textContent;
                        if (!text.trim() || /\\s$/.test(text)) continue;   // a space before: not glued by design
                        const r = document.createRange();
                        r.setStart(prev, text.length - 1); r.setEnd(prev, text.length);
                        rect = r.getBoundingClientRect();
                    } else if (prev && prev.nodeType === Node.ELEMENT_NODE) {
                        const rects = prev.getClientRects();
                        rect = rects[rects.length - 1];
                    }
                    if (!rect || rect.height === 0) continue;
                    const first = sup.getClientRects()[0];
                    if (first.top >= rect.bottom - 1) bad.push(sup.parentElement.textContent.slice(0, 60));
                }
                return bad; }""")
            if found:
                alone[path] = found[:3]
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})
    assert alone == {}


def test_back_links_are_compact(built):
    html = (built["root"] / "calf-cramps" / "index.html").read_text(encoding="utf-8")
    items = re.findall(r'<li id="ref-\d+">(.*?)</li>', html, re.S)
    assert items
    most = 0
    for item in items:
        assert item.count("↩") == 1, item[:200]
        most = max(most, item.count('href="#cite-'))
    assert most >= 10      # a source cited this often gets letters: a b c ...
    assert re.search(r'<span class="visually-hidden">Back to citation \d+, use </span>b</a>', html)


def test_no_author_list_ends_in_two_full_stops(built):
    for path in (built["root"] / "references" / "index.html", built["root"] / "calf-cramps" / "index.html"):
        text = re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))
        assert ".." not in text.replace("...", ""), path
    assert "et al." in (built["root"] / "references" / "index.html").read_text(encoding="utf-8")


def test_on_this_page_sits_beside_the_text_on_a_wide_screen(browser_page, served):
    page = browser_page
    try:
        page.set_viewport_size({"width": 1280, "height": 800})
        for path in ("calf-cramps/", "nutrients/magnesium/", "comparisons/"):
            page.goto(served.base + path)
            toc = page.eval_on_selector(".toc", "e => e.getBoundingClientRect().toJSON()")
            text = page.eval_on_selector(".page-header", "e => e.getBoundingClientRect().toJSON()")
            assert toc["left"] >= text["right"], path
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
            top = page.eval_on_selector(".toc", "e => e.getBoundingClientRect().top")
            assert 0 <= top < 100, (path, top)         # sticky: still in view half way down
        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(served.base + "calf-cramps/")
        toc = page.eval_on_selector(".toc", "e => e.getBoundingClientRect().toJSON()")
        text = page.eval_on_selector(".prose", "e => e.getBoundingClientRect().toJSON()")
        assert toc["bottom"] <= text["top"]             # a phone: before the text
        page.emulate_media(media="print")
        assert not page.is_visible(".toc")
        page.emulate_media(media="screen")
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})


def test_home_cards_follow_the_navigation(built):
    site = yaml.safe_load((ROOT / "data" / "site.yaml").read_text(encoding="utf-8"))
    html = (built["root"] / "index.html").read_text(encoding="utf-8")
    cards = re.findall(r'<li class="card">\s*<h3><a href="([^"]+)"', html)
    in_nav = [item["url"] for item in site["nav"] if item["url"] in cards]
    assert len(cards) >= 5 and cards[: len(in_nav)] == in_nav


def test_search_page_shows_no_review_dates(built):
    html = (built["root"] / "search" / "index.html").read_text(encoding="utf-8")
    assert "Last reviewed" not in html and "review-dates" not in html


def test_search_index_keeps_words_apart_even_when_minified(tmp_path):
    """Pagefind runs the words of adjacent table headers, captions and legend terms together
    ("evidence saysSources Magnesium") when no element it treats as a block separates them, and
    the minified build has no whitespace between tags at all."""
    import gzip
    import json

    from conftest import make_project, run_cli
    root = make_project(tmp_path / "real", fixture=None)
    out = tmp_path / "out"
    run = run_cli(root, "build", "--minify", "--output", str(out))
    assert run.code == 0, run.err
    joined = {}
    pages = 0
    for fragment in (out / "pagefind" / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(fragment.read_bytes())
        data = json.loads(raw[raw.index(b"{"):])
        pages += 1
        if data["url"].endswith("/references/"):      # names such as McDermott, PubMed, MedlinePlus
            continue
        found = re.findall(r"\w*(?:[a-z][A-Z]|[.?!:][A-Za-z]{2})\w*", data["content"])
        found = [w for w in found if not re.fullmatch(r"\w*(?:\.[a-z]{2,4})+", w)]   # e.g. nhs.uk
        if found:
            joined[data["url"]] = found[:5]
        assert "Last reviewed" not in data["content"], data["url"]
    assert pages >= 20
    assert joined == {}


def test_a_link_into_a_folded_part_opens_it(browser_page, served):
    page = browser_page
    page.goto(served.base + "calf-cramps/#cause-dehydration")      # the details itself
    assert page.evaluate("document.getElementById('cause-dehydration').open") is True
    page.goto(served.base + "calf-cramps/")
    assert page.evaluate("document.getElementById('reference-list').open") is False
    page.click("a[href='#ref-1']")                                   # a citation into the folded list
    assert page.evaluate("document.getElementById('reference-list').open") is True
    assert page.is_visible("#ref-1")
