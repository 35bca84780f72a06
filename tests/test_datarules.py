"""Data text: every statement cited by its own object, claims the sources support, legends complete
(engine/validation/datarules.py), run through the real command line on the fixture site."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import edit as edit_file
from engine.cli import main

REFS = """references:
  - id: ref-one
    title: "First reference"
    publisher: "Publisher One"
    url: "https://example.org/one"
    supports: [cause_dehydration, magnesium_food_sources]
  - id: ref-two
    title: "Second reference"
    publisher: "Publisher Two"
    url: "https://example.org/two"
    supports: [magnesium_older_adults_no_effect]
  - id: ref-unseen
    title: "A fact sheet seen only by its title"
    publisher: "Publisher Three"
    url: "https://example.org/three"
    supports: [magnesium_food_sources]
    text_seen: false
"""


def run(site: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--root", str(site), "check", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def cited_site(site: Path) -> Path:
    (site / "data" / "references.yaml").write_text(REFS, encoding="utf-8")
    # every reference cited somewhere, so the fixture checks clean under --strict
    page = site / "content" / "calf-cramps.md"
    page.write_text(page.read_text(encoding="utf-8").replace("[@ref-one]", "[@ref-one; @ref-unseen]"),
                    encoding="utf-8")
    return site


def test_fixture_with_supports_is_clean(cited_site: Path, capsys) -> None:
    code, text = run(cited_site, capsys, "--strict")
    assert code == 0, text


def edit(site: Path, name: str, old: str, new: str) -> None:
    edit_file(site / "data" / name, old, new)


def test_text_in_an_object_without_references_is_a_statement_without_citation(cited_site: Path, capsys) -> None:
    edit(cited_site, "nutrients.yaml", 'at_risk: {items: ["older adults"], references: [ref-one]}',
         'at_risk: {items: ["older adults who take diuretics"], references: []}')
    code, text = run(cited_site, capsys, "--strict")
    assert code == 1
    assert "data/nutrients.yaml:18:23: warning: statement without a citation [nutrients[magnesium].at_risk.items[0]]" in text


def test_object_marked_uncited_needs_no_reference(cited_site: Path, capsys) -> None:
    edit(cited_site, "nutrients.yaml", 'at_risk: {items: ["older adults"], references: [ref-one]}',
         'at_risk: {items: [], references: [], note: "No verified source lists who is at risk.", uncited: site-text}')
    code, text = run(cited_site, capsys, "--strict")
    assert code == 0, text


def test_reference_that_does_not_support_the_claim_is_an_error(cited_site: Path, capsys) -> None:
    edit(cited_site, "nutrients.yaml", 'summary: "Trials found no benefit."\n          references: [ref-two]',
         'summary: "Trials found no benefit."\n          references: [ref-two, ref-one]\n'
         '          claims: [magnesium_older_adults_no_effect]')
    code, text = run(cited_site, capsys)
    assert code == 1
    assert ("data/nutrients.yaml:16:33: error: reference 'ref-one' is not recorded as supporting "
            "'magnesium_older_adults_no_effect'") in text
    assert "hint: it supports: cause_dehydration, magnesium_food_sources" in text


def test_unknown_claim_keyword_gets_a_suggestion(cited_site: Path, capsys) -> None:
    edit(cited_site, "nutrients.yaml", 'food_sources: {items: ["nuts", "seeds"], references: [ref-one]}',
         'food_sources: {items: ["nuts", "seeds"], references: [ref-one], claims: [magnesium_food_source]}')
    code, text = run(cited_site, capsys)
    assert code == 1
    assert "error: unknown claim keyword 'magnesium_food_source'" in text
    assert "did you mean 'magnesium_food_sources'?" in text


def test_citation_only_by_unseen_sources_is_warned(cited_site: Path, capsys) -> None:
    edit(cited_site, "nutrients.yaml", 'food_sources: {items: ["nuts", "seeds"], references: [ref-one]}',
         'food_sources: {items: ["nuts", "seeds"], references: [ref-unseen]}')
    code, text = run(cited_site, capsys, "--strict")
    assert code == 1
    assert "cited only by sources whose text was never seen" in text


def test_citation_inside_data_text_is_an_error(cited_site: Path, capsys) -> None:
    edit(cited_site, "faqs.yaml", 'answer: "Probably not for most people."',
         'answer: "Probably not for most people [@ref-two]."')
    code, text = run(cited_site, capsys)
    assert code == 1
    assert "data/faqs.yaml:4:13: error: citations are not written inside data text" in text


def test_grade_missing_from_the_legend_is_an_error(cited_site: Path, capsys) -> None:
    edit(cited_site, "grades.yaml", '  - {id: advised, label: "Advised by health services", '
                                    'meaning: "Advised, but not tested in good trials.", uncited: site-text}\n', "")
    code, text = run(cited_site, capsys)
    assert code == 1
    assert "data/grades.yaml:1:1: error: 'advised' is an allowed value (schema of data/" in text
    assert "with no entry in 'evidence_grades'" in text


def test_long_sentence_in_data_text_is_warned(cited_site: Path, capsys) -> None:
    long = " ".join(["cramps"] * 30)
    edit(cited_site, "faqs.yaml", 'answer: "Probably not for most people."', f'answer: "{long}."')
    code, text = run(cited_site, capsys, "--strict")
    assert code == 1
    assert "data/faqs.yaml:4:13: warning: sentence of 30 words (at most 25)" in text


@pytest.mark.parametrize("link", ["javascript:alert(1)", "java&#115;cript:alert(1)", "data:text/html,x", " JAVASCRIPT:x"])
def test_script_links_in_data_text_are_errors(cited_site: Path, capsys, link: str) -> None:
    edit(cited_site, "faqs.yaml", 'answer: "Probably not for most people."',
         f'answer: "Probably not, [see here]({link})."')
    code, text = run(cited_site, capsys)
    assert code == 1
    assert "data/faqs.yaml:4:13: error: '" in text and "link in data text is not allowed" in text
