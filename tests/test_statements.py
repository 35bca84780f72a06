"""No statement without a source, and reading level, in Markdown pages (engine/validation/statements.py)."""

from __future__ import annotations

from pathlib import Path

from engine.cli import main
from engine.validate.statements import (ReadabilityRules, StatementRules, blocks, check_readability,
                                          check_statements)

BODY = """A cited paragraph about calf cramps that states a fact [@ref-one].

An uncited paragraph that says cramps mostly strike at night in older people.

- A list item with enough words but no source at all.
- A cited list item with enough words in it here [@ref-one; @ref-two].
- [Magnesium](/nutrients/magnesium/)
- Short item.
- Drink water through the day when it is hot outside. {: .general-advice}

## A heading that is long enough to count as words

```
Fenced code with many words inside that is never a statement at all.
```

| Header one | Header two |
|---|---|
| A table cell stating something clinical with no source | [@ref-one] cited |

::: red-flags
"""


def diags(body: str = BODY, **kw):
    return check_statements("content/x.md", body, 10, StatementRules(**kw))


def test_blocks_find_paragraphs_items_and_cells_with_their_lines() -> None:
    found = [(b.line, b.kind) for b in blocks(BODY, 10)]
    assert (10, "paragraph") in found and (12, "paragraph") in found
    assert [k for _, k in found].count("item") == 5
    assert (28, "cell") in found
    assert all(line not in (22, 23, 24) for line, _ in found)   # fenced code and the heading


def test_uncited_statements_are_warned_at_their_line_and_nothing_else() -> None:
    found = sorted((d.line, d.col, d.severity, d.message) for d in diags())
    assert found == [(12, 1, "warning", "statement without a citation"),
                     (14, 3, "warning", "statement without a citation"),
                     (28, 3, "warning", "statement without a citation")]


def test_word_threshold_and_markers_come_from_the_rules() -> None:
    assert [d.line for d in diags(min_words=20)] == []
    lines = [d.line for d in diags(markers=("other",))]
    assert 18 in lines          # '.general-advice' is no longer a marker


def test_marker_on_its_own_line_after_a_paragraph() -> None:
    body = "Keep a glass of water by the bed if you often wake thirsty.\n{: .general-advice }\n"
    assert diags(body) == []


def test_empty_citation_is_an_error() -> None:
    found = diags("Cramps are common in the calf at night [@].\n")
    assert [(d.severity, d.message) for d in found] == [("error", "empty citation '[@]'")]


def test_citation_made_only_of_unseen_sources_is_warned() -> None:
    text = "Magnesium is found in nuts, seeds and green vegetables [@ods; @seen].\n\nAnd in beans and whole grains too [@ods].\n"
    found = check_statements("content/x.md", text, 1, StatementRules(), unseen={"ods"})
    assert [(d.line, d.severity) for d in found] == [(3, "warning")]
    assert "[@ods]" in found[0].message


def test_long_sentences_and_hard_paragraphs_are_warned() -> None:
    long_sentence = " ".join(["word"] * 30) + "."
    hard = ("Pharmacological interventions demonstrating statistically significant prophylactic efficacy "
            "necessitate comprehensive electrophysiological characterisation. " * 4)
    body = f"{long_sentence}\n\n{hard}\n\nShort and plain. It is easy to read.\n"
    found = check_readability("content/x.md", body, 5, ReadabilityRules(min_words=10), title_line=2)
    messages = [(d.line, d.message.split(" (")[0].split(":")[0]) for d in found]
    assert (5, "sentence of 30 words") in messages
    assert any(line == 7 and m.startswith("paragraph reads at grade") for line, m in messages)
    assert any(line == 2 and m.startswith("page reads at grade") for line, m in messages)


def test_plain_text_passes_readability() -> None:
    body = "Cramps often start at night. Stretch the calf. Pull your toes up towards you. " * 6
    assert check_readability("content/x.md", body, 1, ReadabilityRules(min_words=10)) == []


def test_uncited_paragraph_fails_check_strict_at_its_line(site: Path, capsys) -> None:
    article = site / "content" / "calf-cramps.md"
    lines = article.read_text(encoding="utf-8").split("\n")
    lines.insert(9, "\nMost calf cramps come from tired muscles rather than from low minerals.\n")
    article.write_text("\n".join(lines), encoding="utf-8")
    assert main(["--root", str(site), "check"]) == 0
    assert main(["--root", str(site), "check", "--strict"]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "content/calf-cramps.md:11:1: warning: statement without a citation" in text


def test_front_matter_marks_a_site_page(site: Path, capsys) -> None:
    page = site / "content" / "about.md"
    page.write_text("---\ntitle: About\nuncited: site-text\n---\nWe write every page ourselves and check it "
                    "against its sources once a year.\n", encoding="utf-8")
    assert main(["--root", str(site), "check", "--strict"]) == 0, capsys.readouterr()
