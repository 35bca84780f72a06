"""Block processors asked only about blocks holding their trigger give exactly the stock HTML."""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.blockprocessors import HashHeaderProcessor

from engine.render.markdown.blocks import TRIGGERS, TriggeredBlockExtension, trigger_block_tests
from engine.render.markdown.renderer import MarkdownRenderer, page_extensions
from markdown_compare import ROOT, Pair, site_bodies

both = Pair(TriggeredBlockExtension())


@pytest.mark.parametrize("path", site_bodies(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_site_pages_convert_as_with_the_stock_processors(path: Path) -> None:
    stock, ours = both(path.read_text(encoding="utf-8"))
    assert ours == stock


HAND_PICKED = [
    "# One\n\nText\n## Two ##\nmore\n\nSetext\n===\n\nAnother\n---\n\n- - -\n\n***\n\n___ \n\ntext",
    "> quote\n> > nested\n\n   > indented quote\nlazy line\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\na | b\n--|--\n1 | 2",
    "| one |\n| --- |\n| x |\n\nword[^n] and [ref]\n\n[^n]: A note\n    continued\n[ref]: /target \"T\"\n\nafter",
    "text\n[id]: /x\nmore text\n\n  [spaced]: <http://e.org> 'title'\n\n1. list\n   # heading in list\n   > quote in list",
    "#not a heading\n\n#\n\n####### seven\n\n\\# escaped\n\ntext # with hash\n\n- item\n\n  ---\n",
]


@pytest.mark.parametrize("text", HAND_PICKED)
def test_every_kind_of_block(text: str) -> None:
    stock, ours = both(text)
    assert ours == stock


PIECES = st.sampled_from(["#", "##", "# ", "=", "===", "-", "---", "- ", "* ", "*", "_", "___", ">", "> ", "|",
                          " | ", "|---|", ":", "]:", "[", "]", "[^1]", "[^1]: ", "[x]: /u", "1. ", "    ", "  ",
                          "\n", "\n\n", "word", "x", "::: faqs", "`", "```", "<div>", "</div>", "\\", "'", "\""])


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=50).map("".join))
def test_random_blocks_convert_as_with_the_stock_processors(text: str) -> None:
    stock, ours = both(text)
    assert ours == stock


def test_every_pinned_processor_is_wrapped() -> None:
    """A Markdown upgrade that changes a processor silently loses the speed-up: say so here."""
    md = markdown.Markdown(extensions=page_extensions())
    assert sorted(trigger_block_tests(md)) == sorted(TRIGGERS)
    assert trigger_block_tests(md) == [], "wrapping twice would test twice"


def test_a_processor_with_another_expression_is_left_alone() -> None:
    md = markdown.Markdown()
    changed = HashHeaderProcessor(md.parser)
    changed.RE = re.compile(r"(?:^|\n)(?P<level>@{1,6})(?P<header>.*?)(?:\n|$)")   # '@' headings
    md.parser.blockprocessors.register(changed, "hashheader", 70)
    assert "hashheader" not in trigger_block_tests(md)
    assert "<h1>Title</h1>" in md.convert("@Title")


def test_the_site_renderer_uses_it() -> None:
    renderer = MarkdownRenderer()
    for md in (renderer.page_md, renderer.snippet_md):
        assert getattr(md.parser.blockprocessors["hashheader"], "_triggered", False)
