"""engine.load.yamlsource: what PyYAML lets through, caught with positions, in bounded time."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from engine.diagnostics import ContentError
from engine.load.yamlsource import MAX_DEPTH, YamlDoc, decode, dotted, parse_yaml


def problems(text: str, **kw) -> list[str]:
    with pytest.raises(ContentError) as info:
        parse_yaml(text, "data/x.yaml", **kw)
    return [d.format() for d in info.value.diagnostics]


def test_positions_of_keys_and_values() -> None:
    doc = parse_yaml("items:\n  - id: a\n    tags: [x, y]\n", "data/x.yaml")
    assert doc.data == {"items": [{"id": "a", "tags": ["x", "y"]}]}
    assert doc.where(("items", 0, "id")) == (2, 9)
    assert doc.where(("items", 0, "id"), key=True) == (2, 5)
    assert doc.where(("items", 0, "tags", 1)) == (3, 15)
    assert doc.where(("items", 0, "missing", 3)) == (2, 5)  # nearest recorded ancestor
    assert dotted(("items", 0, "tags", 1)) == "items[0].tags[1]"


def test_line_offset_for_front_matter() -> None:
    doc = parse_yaml("title: x\n", "content/a.md", line_offset=1)
    assert doc.where(("title",)) == (2, 8)


def test_dates_are_dates() -> None:
    assert parse_yaml("d: 2026-11-01\n", "x").data["d"] == dt.date(2026, 11, 1)


def test_duplicate_keys_all_reported() -> None:
    out = problems("a: 1\nb: 2\na: 3\nb: 4\n")
    assert out[0].startswith("data/x.yaml:3:1: error: duplicate key 'a' (first written on line 1)")
    assert out[1].startswith("data/x.yaml:4:1: error: duplicate key 'b' (first written on line 2)")


def test_tab_indentation() -> None:
    assert problems("a:\n\tb: 1\n")[0].startswith("data/x.yaml:2:1: error: YAML syntax error: a tab character")


def test_non_utf8() -> None:
    with pytest.raises(ContentError) as info:
        decode(b"a: 1\nb: caf\xe9\n", "data/x.yaml")
    assert info.value.diagnostics[0].format().startswith("data/x.yaml:2:7: error: file is not valid UTF-8 (byte 0xe9)")


def test_bom_is_accepted_and_lines_unchanged() -> None:
    doc = parse_yaml(decode(b"\xef\xbb\xbfa: 1\nb: 2\n", "x"), "x")
    assert doc.data == {"a": 1, "b": 2} and doc.where(("b",)) == (2, 4)


def test_crlf_positions() -> None:
    doc = parse_yaml("a: 1\r\nb: [x, y]\r\n", "x")
    assert doc.where(("b", 1)) == (2, 8)


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n"])
def test_empty_file(text: str) -> None:
    assert "file is empty" in problems(text)[0]


def test_empty_allowed_for_front_matter() -> None:
    assert parse_yaml("", "x", allow_empty=True).data == {}
    assert parse_yaml("# c\n", "x", allow_empty=True).data == {}


def test_two_documents_points_at_separator() -> None:
    assert problems("a: 1\n---\nb: 2\n")[0].startswith("data/x.yaml:2:1: error: expected exactly one YAML document")


def test_list_at_top_level_is_data_not_an_error_here() -> None:
    # the loader keeps it; the schema reports "the file must be a set of 'field: value' lines"
    assert isinstance(parse_yaml("- a\n- b\n", "x").data, list)


def test_merge_keys_rejected() -> None:
    assert "merge keys ('<<') are not supported" in problems("a: &x {k: 1}\nb:\n  <<: *x\n")[0]


def test_complex_key_rejected() -> None:
    assert "a key must be plain text" in problems("? [a, b]\n: 1\n")[0]


def test_impossible_date() -> None:
    out = problems("d: 2026-02-30\n")[0]
    assert out.startswith("data/x.yaml:1:4: error: '2026-02-30' is not a real date") and "YYYY-MM-DD" in out


def test_control_character() -> None:
    assert problems("a: ok\nb: x\x07y\n")[0].startswith("data/x.yaml:2:5: error: YAML cannot contain the control character U+0007")


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    started = time.perf_counter()
    out = problems("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2
    assert "aliases expand to more than" in out[0]


def test_recursive_alias_is_bounded() -> None:
    assert "alias refers to itself" in problems("a: &x [1, *x]\n")[0]


@pytest.mark.parametrize("text", ["a: " + "[" * 100_000 + "]" * 100_000, "a: " + "{b: " * 5000 + "1" + "}" * 5000,
                                  "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v\n"])
def test_deep_nesting_fails_fast_without_crashing(text: str) -> None:
    started = time.perf_counter()
    out = problems(text)
    assert time.perf_counter() - started < 2
    assert f"nested more than {MAX_DEPTH} levels deep" in out[0]


def test_syntax_error_position_and_hint() -> None:
    out = problems('a: "unclosed\nb: 2\n')[0]
    assert out.startswith("data/x.yaml:") and "YAML syntax error" in out and "hint:" in out


def test_diag_helper() -> None:
    doc = YamlDoc("data/x.yaml", {"a": 1}, {("a",): (3, 4)}, {("a",): (3, 1)})
    assert doc.diag(("a",), "bad", key=True).format() == "data/x.yaml:3:1: error: bad [a]"


def test_a_large_file_without_aliases_is_accepted() -> None:
    """The alias bound counts what aliases add, not the values written out: 60,000 plain values pass."""
    doc = parse_yaml("items:\n" + "".join(f"  - [{i}, x]\n" for i in range(30_000)), "data/big.yaml")
    assert len(doc.data["items"]) == 30_000 and doc.data["items"][-1] == [29_999, "x"]


def test_modest_aliases_are_expanded() -> None:
    doc = parse_yaml("base: &b {a: 1, b: [1, 2]}\none: *b\ntwo: *b\n", "data/x.yaml")
    assert doc.data["one"] == doc.data["two"] == {"a": 1, "b": [1, 2]}


def test_alias_bomb_points_at_where_the_alias_is_used() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    out = problems("\n".join(lines) + "\n")[0]
    assert out.startswith("data/x.yaml:") and "aliases expand to more than" in out
    line = int(out.split(":")[1])
    assert 2 <= line <= 8        # a line that writes '*aN', not the first anchor


@pytest.mark.parametrize("text, where, opener", [
    ("a: 1\nb: [x, y\nc: 3\n", "2:4", "'['"),
    ("a: 1\nb: {x: 1\nc: 3\n", "2:4", "'{'"),
    ('a: "unclosed\nb: 2\n', "1:4", "quote"),
    ("a: 'unclosed\nb: 2\n", "1:4", "quote"),
    ("list:\n  - [1,\n     2,\n     3\nnext: 1\n", "2:5", "'['"),
])
def test_an_unclosed_bracket_or_quote_is_reported_where_it_opens(text: str, where: str, opener: str) -> None:
    out = problems(text)[0]
    line, col = where.split(":")
    assert out.startswith(f"data/x.yaml:{where}: error: YAML syntax error: the {opener} opened at "
                          f"line {line}, column {col} is never closed"), out
    assert "hint: add the closing" in out


def test_unclosed_bracket_in_front_matter_counts_the_fence_line() -> None:
    out = problems("title: x\ntags: [a, b\n", line_offset=1)[0]
    assert out.startswith("data/x.yaml:3:7: error: YAML syntax error: the '[' opened at line 3, column 7")


@pytest.mark.parametrize("value", ["2026-11-01 10:00:00", "2026-11-01T10:00:00Z", "2026-11-01 10:00:00 +02:00"])
def test_a_date_with_a_time_of_day_is_an_error_where_it_is_written(value: str) -> None:
    out = problems(f"title: x\nlast_reviewed: {value}\n")
    assert out[0].startswith(f"data/x.yaml:2:16: error: '{value}' has a time of day; dates are written YYYY-MM-DD "
                             "[last_reviewed]")
    assert "2026-11-01" in out[0].split("hint:")[1]


def test_a_quoted_date_and_time_is_text() -> None:
    assert parse_yaml('when: "2026-11-01 10:00:00"\n', "x").data == {"when": "2026-11-01 10:00:00"}


@pytest.mark.parametrize("raw, where", [
    (b"a: 1\nb: caf\xe9\n", "2:7"),
    (b"\xef\xbb\xbfa: 1\nb: caf\xe9\n", "2:7"),                 # the BOM is not a column
    ("a: 1\nb: \u00e9\u00e9 \u00e9".encode() + b"\xff\n", "2:8"),  # columns count characters, not bytes
    (b"\xfe", "1:1"),
])
def test_bad_utf8_is_reported_by_line_and_column(raw: bytes, where: str) -> None:
    with pytest.raises(ContentError) as info:
        decode(raw, "data/x.yaml")
    assert info.value.diagnostics[0].format().startswith(f"data/x.yaml:{where}: error: file is not valid UTF-8")
