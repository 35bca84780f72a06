"""engine.load.frontmatter: splitting Markdown files, with line numbers that match the file."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.diagnostics import ContentError
from engine.load.frontmatter import split


def error(text: str) -> str:
    with pytest.raises(ContentError) as info:
        split(text, "content/a.md")
    return info.value.diagnostics[0].format()


def test_split_and_body_line() -> None:
    fm = split("---\ntitle: A\nlast_reviewed: 2026-01-02\n---\nBody\n", "content/a.md")
    assert fm.meta.data == {"title": "A", "last_reviewed": dt.date(2026, 1, 2)}
    assert fm.body == "Body\n" and fm.body_line == 5
    assert fm.meta.where(("title",)) == (2, 8)


def test_dots_close_front_matter() -> None:
    assert split("---\ntitle: A\n...\nBody", "x").body == "Body"


def test_empty_front_matter_is_a_mapping() -> None:
    assert split("---\n---\nBody", "x").meta.data == {}


def test_missing_front_matter() -> None:
    assert error("# Title\n\nText\n").startswith("content/a.md:1:1: error: missing front matter")


def test_unclosed_front_matter() -> None:
    assert error("---\ntitle: A\n\nBody\n").startswith("content/a.md:1:1: error: front matter is not closed")


def test_front_matter_not_a_mapping() -> None:
    assert error("---\n- a\n---\nBody\n").startswith("content/a.md:2:1: error: front matter must be a set of")


def test_yaml_error_has_file_line() -> None:
    assert error("---\ntitle: A\ntitle: B\n---\n").startswith("content/a.md:3:1: error: duplicate key 'title'")
    assert error("---\ntitle: A\n\tx: 1\n---\n").startswith("content/a.md:3:")


def test_trailing_spaces_on_fence() -> None:
    assert split("---  \ntitle: A\n---\t\nBody", "x").body == "Body"


@pytest.mark.parametrize("char, name", [("\x00", "a NUL byte (U+0000)"), ("\x1b", "the control character U+001B"),
                                        ("\x02", "the control character U+0002"),
                                        ("\x85", "the control character U+0085")])
def test_control_characters_in_the_body_are_errors_with_line_and_column(char: str, name: str) -> None:
    out = error(f"---\ntitle: A\n---\nFirst line.\n\nSecond{char} line.\n")
    assert out.startswith(f"content/a.md:6:7: error: the text contains {name}")


def test_tabs_and_line_breaks_are_not_control_characters() -> None:
    fm = split("---\ntitle: A\n---\n\tcode\r\nline\n", "content/a.md")
    assert fm.body == "\tcode\r\nline\n"


def test_many_control_characters_give_a_few_errors() -> None:
    with pytest.raises(ContentError) as info:
        split("---\ntitle: A\n---\n" + "x\x00\n" * 50, "content/a.md")
    assert len(info.value.diagnostics) == 5
