"""The typography pass gives the same characters as Python-Markdown's smarty, faster."""

from __future__ import annotations

import html

import markdown
import pytest

from engine.render.markdown.typography import TypographyExtension, educate

CASES = [
    'She said "stretch first" and then left.',
    "It's the patient's choice; the '90s trials disagree.",
    "A 'single' quote, and 'another one'.",
    '"Quoted at the start," he said.',
    "Ranges 10--20 mg, a pause --- then more... and done.",
    '("bracketed") and [\'bracketed\'] text',
    'Ends with a quote "here"',
    "Nested: \"she said 'no' twice\".",
    'Emphasis: "*really*" and **"bold"**',
    "Rock 'n' roll",
]


def smarty(text: str) -> str:
    md = markdown.Markdown(extensions=["smarty"], extension_configs={"smarty": {"smart_angled_quotes": False}})
    return html.unescape(md.convert(text))


def ours(text: str) -> str:
    return html.unescape(markdown.Markdown(extensions=[TypographyExtension()]).convert(text))


@pytest.mark.parametrize("text", CASES)
def test_same_characters_as_smarty(text: str) -> None:
    assert ours(text) == smarty(text)


def test_code_and_raw_html_are_left_alone() -> None:
    out = markdown.Markdown(extensions=[TypographyExtension()]).convert(
        'Use `x = "a" -- b` here.\n\n    code "block" -- x\n\n<span title="a--b">"raw"</span>\n')
    assert '<code>x = "a" -- b</code>' in out
    assert 'code "block" -- x' in out
    assert 'title="a--b"' in out


def test_context_carries_across_inline_elements() -> None:
    assert educate('"', before=" ", after="x") == "\u201c"
    assert educate('"', before="d") == "\u201d"
    assert educate("text without marks") == "text without marks"
