"""Site rules on what rendered pages show (engine/validation/pagerules.py): every article must
show an emergency warning sign and the blood-clot warning, whatever its author wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main
from conftest import tree_bytes

RELIEF = """triage_tiers:
  - {id: emergency, heading: "Call 999 now if", action: "Call 999", uncited: general-advice}
  - {id: urgent, heading: "Get help today if", action: "Call 111", uncited: general-advice}
  - {id: routine, heading: "See a GP if", action: "See a GP", uncited: general-advice}
red_flags:
  - id: clot-with-breathlessness
    tier: emergency
    symptom: "Leg pain or swelling with chest pain or breathlessness"
    advice: "A clot may have reached the lungs."
    body_parts: [ankle, calf, foot, toe, leg]
    references: [ref-one]
  - id: blood-clot-one-leg
    tier: urgent
    symptom: "Throbbing pain and swelling in one leg"
    advice: "These can be signs of a blood clot."
    body_parts: [ankle, calf, foot, toe, leg]
    references: [ref-one]
"""

RULES = """rules:
  - id: emergency-route
    pages: {kind: article}
    must_show: {collection: red_flags, where: {tier: emergency}}
    message: "every article must show when to call 999"
    hint: "place '::: red-flags' in the article"
  - id: blood-clot-warning
    pages: {kind: article}
    must_show: {collection: red_flags, id: blood-clot-one-leg}
    message: "every article must show the blood-clot warning"
"""


@pytest.fixture
def ruled(site: Path) -> Path:
    (site / "data" / "relief.yaml").write_text(RELIEF, encoding="utf-8")
    with (site / "data" / "site.yaml").open("a", encoding="utf-8") as f:
        f.write(RULES)
    return site


def build(site: Path, capsys, *args: str) -> tuple[int, str]:
    code = main(["--root", str(site), "build", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def add_red_flags(site: Path) -> None:
    page = site / "content" / "calf-cramps.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n## When to get help\n\n::: red-flags\n", encoding="utf-8")


def test_article_without_the_warnings_fails_at_its_topic_line(ruled: Path, capsys) -> None:
    code, text = build(ruled, capsys)
    assert code == 1
    assert ("content/calf-cramps.md:4:8: error: every article must show when to call 999 "
            "(rule 'emergency-route')") in text
    assert "hint: place '::: red-flags' in the article" in text
    assert "every article must show the blood-clot warning (rule 'blood-clot-warning')" in text
    assert not (ruled / "output" / "calf-cramps").exists()


def test_article_with_the_block_passes_and_shows_tiers_apart(ruled: Path, capsys) -> None:
    add_red_flags(ruled)
    code, text = build(ruled, capsys)
    assert code == 0, text
    html = (ruled / "output" / "calf-cramps" / "index.html").read_text(encoding="utf-8")
    assert '<section class="callout callout-emergency"' in html and "Call 999 now if" in html
    assert '<p class="flag-sign">Throbbing pain and swelling in one leg</p>' in html
    assert html.index("callout-emergency") < html.index("callout-urgent")


def test_a_data_change_that_breaks_the_rule_fails_the_incremental_build(ruled: Path, capsys) -> None:
    add_red_flags(ruled)
    assert build(ruled, capsys)[0] == 0
    before = tree_bytes(ruled / "output")
    relief = ruled / "data" / "relief.yaml"
    relief.write_text(relief.read_text(encoding="utf-8").replace("tier: emergency", "tier: urgent"),
                      encoding="utf-8")
    code, text = build(ruled, capsys)
    assert code == 1
    assert "every article must show when to call 999" in text
    assert tree_bytes(ruled / "output") == before


def test_rule_naming_a_missing_record_is_reported_in_site_yaml(ruled: Path, capsys) -> None:
    add_red_flags(ruled)
    site_yaml = ruled / "data" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("id: blood-clot-one-leg", "id: blood-clot"),
                         encoding="utf-8")
    code, text = build(ruled, capsys)
    assert code == 1
    assert "data/site.yaml:" in text and "no record 'blood-clot' in red_flags" in text


def test_check_applies_the_rules_too(ruled: Path, capsys) -> None:
    code = main(["--root", str(ruled), "check"])
    out = capsys.readouterr()
    assert code == 1 and "(rule 'emergency-route')" in out.out + out.err
