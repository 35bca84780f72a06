"""validate.page_facts skips the line-by-line scan for plain, safe bodies
(validation.content.plain_and_safe): it must find exactly what the scan finds."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from engine.load.frontmatter import split
from engine.validate.checks import PageFacts, _line_events, page_facts
from engine.validate.content import body_lines, line_candidates, plain_and_safe, script_scheme


class Src:
    """The two fields page_facts reads from a SourcePage."""

    def __init__(self, body: str, body_line: int = 5):
        self.body, self.body_line = body, body_line


def scanned(src: Src) -> PageFacts:
    """The general path: every line, code blanked, every risky pattern tried."""
    events: list = []
    html: list = []
    for lineno, line in body_lines(src.body, src.body_line):
        _line_events(lineno, line, events)
        html.extend(line_candidates(lineno, line))
    return PageFacts(tuple(events), tuple(html))


def test_every_page_of_the_site_gives_the_same_facts() -> None:
    for path in sorted((ROOT / "content").rglob("*.md")):
        fm = split(path.read_text(encoding="utf-8"), path.name)
        src = Src(fm.body, fm.body_line)
        assert page_facts(src) == scanned(src), path.name


RISKY = [
    "<script>alert(1)</script>",
    "<SCRIPT src=x>",
    "< iframe src='x'>",
    "<img src=x onerror=alert(1)>",
    "[a](javascript:alert(1))",
    "[a]( JaVa Script :alert(1))",
    "<a href=\"javascript:x\">a</a>",
    "<a href='\n javascript:x'>",
    "[a](<javascript:x>)",
    "`<script>` in code",
    "```\n<script>\n```",
    "~~~\n[@in-code]\n~~~",
    "java`x`script: [a](java`y`script:x)",
    "<svg/onload=alert(1)>",
    "<img src=x\"onerror=alert(1)>",
    "[a](java&#115;cript:alert(1))",
    "[a](javascript&colon;alert(1))",
    "<a href=\"data:text/html,x\">a</a>",
    "[a](VBScript:x)",
    "```\nnever closed\n<script>",
]


def test_risky_and_code_lines_take_the_full_scan() -> None:
    for text in RISKY:
        src = Src(f"Intro [@a-ref].\n\n{text}\n\n::: faqs calf\nEnd.\n")
        assert not plain_and_safe(src.body), text
        assert page_facts(src) == scanned(src), text


def test_a_plain_body_finds_citations_and_blocks_on_their_lines() -> None:
    src = Src("Intro.\n\nCramps [@one; @two] and [@three].\n\n  ::: nutrients calf\n:::bad line\n", 10)
    assert plain_and_safe(src.body)
    facts = page_facts(src)
    assert facts == scanned(src)
    assert [e[:3] for e in facts.events if e[0] == "c"] == [("c", 12, 9), ("c", 12, 15), ("c", 12, 26)]
    assert [e[1] for e in facts.events if e[0] == "d"] == [14, 15]


ALPHABET = st.sampled_from(list("ab :;,@[]()<>`~=\"'\n\t-jJ/&#") + [
    "javascript", "script", "iframe", "onclick", "[@", ":::", "```", "~~~", "java script", "data", "&#115;",
    "&colon;", "\n```\n", "\n~~~~\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_random_bodies_give_the_same_facts(body: str) -> None:
    src = Src(body)
    assert page_facts(src) == scanned(src)


def test_script_schemes_are_found_through_character_references_and_blanks() -> None:
    for url in ("javascript:x", "JaVaScRiPt:x", "java&#115;cript:x", "java&#x73;cript:x", "javascript&colon;x",
                "java\tscript:x", " java script:x"):
        assert script_scheme(url) == "javascript", url
    assert script_scheme("data:text/html,x") == "data"
    assert script_scheme("vbscript:x") == "vbscript"
    for url in ("https://example.org/javascript:", "/data:x", "mailto:x@example.org", "#data:", "datas:x", ""):
        assert script_scheme(url) == "", url


def test_a_fence_is_what_markdown_takes_for_one() -> None:
    body = "a\n```\n<script>\n```\nb\n  ```\n<iframe>\n  ```\n~~~~\n<object>\n~~~\nc\n"
    lines = [text for _, text in body_lines(body, 1)]
    # the first fence is code; the indented one is not a fence; '~~~~' is closed only by '~~~~',
    # so here it is never closed and is text: Markdown would publish the <object>, so it is checked
    assert "<script>" not in lines and "<iframe>" in lines
    assert "<object>" in lines and "c" in lines
    assert [text for _, text in body_lines("~~~~\n<object>\n~~~~\n", 1)] == [""]
