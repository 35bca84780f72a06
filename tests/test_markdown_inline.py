"""The triggered inline processor gives exactly the stock processor's HTML, and skips patterns."""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.inlinepatterns import InlineProcessor

from engine.render.markdown.extensions import SiteExtension
from engine.render.markdown.inline import TriggeredInlineExtension, TriggeredInlineProcessor
from markdown_compare import ROOT, Pair, converter, site_bodies

both = Pair(TriggeredInlineExtension())


@pytest.mark.parametrize("path", site_bodies(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_site_pages_convert_as_with_the_stock_processor(path: Path) -> None:
    stock, ours = both(path.read_text(encoding="utf-8"))
    assert ours == stock


HAND_PICKED = [
    "a `code [link](/x) *em*` b \\*not em\\* <http://example.org> <me@example.org>",
    "line  \nbreak &amp; &#169; &copy; <span class=\"x\">raw *em*</span>",
    "![alt *text*](/img.png \"title\") and ![ref][r] and [short] and [full][r]\n\n[r]: /target\n[short]: /s",
    "footnote[^1] and **strong _nested em_ text**, __under__ *a*b*c*\n\n[^1]: The *note* `code`.",
    "*a [link with `code` and **bold**](/x) after*",
    "``double `tick` code`` then `unclosed and \\` escaped",
    "{: .lead } text with [attr](/x){: .cls } and <!-- a comment --> here",
    "no definitions: [text][undefined], [short], ![img][nope], [a] [b] and [link](/x)",
    "[defined][d], [undefined][u], [d] and [link](/x)\n\n[d]: /defined \"Title\"",
]


@pytest.mark.parametrize("text", HAND_PICKED)
def test_every_kind_of_inline_markup(text: str) -> None:
    stock, ours = both(text)
    assert ours == stock


#: characters that start inline markup, mixed with words and line ends
PIECES = st.sampled_from(["[", "]", "(", ")", "!", "`", "``", "*", "**", "_", "__", "<", ">", "&", ";",
                          "\\", "^", "@", "#", ":", "  \n", "\n", "\n\n", " ", "word", "x", "/a", "http://e.org",
                          "amp", "#169", "[^1]", "[@ref]", "{: .c}", "<b>", "</b>", "\"", "'", "--", "..."])


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_random_markup_converts_as_with_the_stock_processor(text: str) -> None:
    stock, ours = both(text)
    assert ours == stock


class Hooks:
    """The page side of SiteExtension, reduced to what these texts need."""

    def cite(self, ids: list[str]) -> str:
        return f"<sup>{'+'.join(ids)}</sup>"

    def render_block(self, name: str, args: list[str]) -> str:
        return f"<div>{name} {' '.join(args)}</div>"

    def url(self, path: str) -> str:
        return "/base" + path


def with_site_extension(triggered: bool, text: str) -> str:
    site = SiteExtension()
    md = converter(site, TriggeredInlineExtension()) if triggered else converter(site)
    site.holder.hooks = Hooks()
    return md.convert(text)


@pytest.mark.parametrize("text", [
    "Cited [@a] and [@b; @c], not [@] nor [ @d] nor [link](/x) nor [@e](/y).",
    "*[@a]* then `[@b]` then **x [@c] y** [^1]\n\n[^1]: Note [@d].\n\n::: faqs calf",
])
def test_citations_convert_as_with_the_stock_processor(text: str) -> None:
    """Our citation pattern declares its trigger ('[@'); skipping it must change nothing."""
    assert with_site_extension(True, text) == with_site_extension(False, text)


def test_reference_links_are_skipped_only_when_the_page_defines_none() -> None:
    md = converter(TriggeredInlineExtension())
    processor = md.treeprocessors["inline"]
    md.convert("[text][id] and [link](/x)")
    names = {id(md.inlinePatterns[n]): n for n in ("reference", "short_reference", "link")}
    skipped = {names[id(p)]: t for p, t in zip(processor._patterns, processor._triggers) if id(p) in names}
    assert skipped == {"reference": (), "short_reference": (), "link": "["}
    md.reset()
    assert 'href="/target"' in md.convert("[text][id]\n\n[id]: /target")
    assert dict(zip(map(id, processor._patterns), processor._triggers))[id(md.inlinePatterns["reference"])] == "["


def test_every_stock_pattern_has_a_trigger() -> None:
    """A Markdown upgrade that changes a pattern silently loses the speed-up: say so here."""
    md = converter(TriggeredInlineExtension())
    processor = md.treeprocessors["inline"]
    assert isinstance(processor, TriggeredInlineProcessor)
    md.convert("warm up")
    untriggered = [p.compiled_re.pattern for p, t in zip(processor._patterns, processor._triggers) if t is None]
    assert untriggered == []


class AtSign(InlineProcessor):
    """A replacement 'link' pattern that needs no '[': it must still be tried."""

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]
        return f"<at {m.group(1)}>", m.start(0), m.end(0)


def test_a_pattern_with_an_unknown_expression_is_always_tried() -> None:
    md = markdown.Markdown(extensions=[TriggeredInlineExtension()])
    md.inlinePatterns.register(AtSign(r"@(\w+)", md), "link", 160)
    md.inlinePatterns.deregister("html")
    assert "&lt;at name&gt;" in md.convert("hello @name")


def test_the_site_renderer_uses_it() -> None:
    from engine.render.markdown.renderer import MarkdownRenderer
    renderer = MarkdownRenderer()
    assert isinstance(renderer.page_md.treeprocessors["inline"], TriggeredInlineProcessor)
    assert isinstance(renderer.snippet_md.treeprocessors["inline"], TriggeredInlineProcessor)
    assert any(isinstance(e, SiteExtension) for e in renderer.page_md.registeredExtensions)
