"""The real site: every page the editors expect, built from the real data."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, make_project, run_cli

SHARED = ROOT.parent / "shared"
ARTICLES = ["ankle-cramps", "calf-cramps", "toe-cramps", "foot-cramps", "leg-cramps"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("site") / "real", fixture=None)
    result = run_cli(project, "build", "-q")
    assert result.code == 0, result.err
    return project / "output"


def data(name: str) -> dict:
    return yaml.safe_load((ROOT / "data" / f"{name}.yaml").read_text(encoding="utf-8"))


def page(built: Path, url: str) -> str:
    return (built / url.strip("/") / "index.html").read_text(encoding="utf-8")


def disclaimer_words() -> str:
    text = data("site")["disclaimer"]
    return " ".join(text.split())[:60]


def references_block(html: str) -> str:
    start = html.index('<section class="references"')
    return html[start:html.index("</section>", start)]


def check_citations(html: str) -> int:
    cited = set(re.findall(r'href="#ref-(\d+)"', html.split('<section class="references"')[0]))
    listed = re.findall(r'<li id="ref-(\d+)">', references_block(html))
    assert listed == [str(n) for n in range(1, len(listed) + 1)], "numbered 1..N in order"
    assert cited == set(listed), "every citation has an entry and every entry is cited"
    for number in listed:  # every back-link points at a citation on the page
        for backlink in re.findall(rf'href="#(cite-{number}-\d+)"', html):
            assert f'id="{backlink}"' in html
    return len(listed)


@pytest.mark.parametrize("slug", ARTICLES)
def test_article_has_every_part(built: Path, slug: str) -> None:
    html = page(built, slug)
    assert disclaimer_words() in " ".join(html.split())
    assert check_citations(html) >= 5
    for heading in ("Key points", "Other causes", "Relief and prevention", "When to see a doctor",
                    "Frequently asked questions"):
        assert f">{heading}</h2>" in html
    assert "<table" in html and "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert html.count('<details class="faq"') >= 3
    assert "Last reviewed:" in html and "Next review due:" in html


@pytest.mark.parametrize("nutrient", [n["id"] for n in data("nutrients")["nutrients"]])
def test_every_nutrient_has_a_page(built: Path, nutrient: str) -> None:
    html = page(built, f"nutrients/{nutrient}")
    record = next(n for n in data("nutrients")["nutrients"] if n["id"] == nutrient)
    assert f"<h1>{record['name']}</h1>" in html
    assert disclaimer_words() in " ".join(html.split())
    assert check_citations(html) >= 1
    assert "Discussed on" in html  # lists the cramp pages that show it


def test_hub_pages_exist_and_home_leads_everywhere(built: Path) -> None:
    for url in ("causes", "comparisons", "faqs", "references", "about", "nutrients"):
        assert (built / url / "index.html").is_file(), url
    home = (built / "index.html").read_text()
    for slug in ARTICLES:
        assert f'href="/{slug}/"' in home
    for nutrient in data("nutrients")["nutrients"]:
        assert f'href="/nutrients/{nutrient["id"]}/"' in home


def test_faq_hub_lists_every_question_once_grouped(built: Path) -> None:
    html = page(built, "faqs")
    for faq in data("faqs")["faqs"]:
        assert html.count(f'id="faq-{faq["id"]}"') == 1
        section = html[html.index(f'<h2 id="faq-group-{faq["group"]}">'):]
        section = section[:section.index("</section>")]
        assert f'id="faq-{faq["id"]}"' in section, (faq["id"], faq["group"])


def test_unknown_faq_group_is_an_error_with_line(tmp_path: Path) -> None:
    project = make_project(tmp_path / "bad", fixture=None)
    path = project / "data" / "faqs.yaml"
    lines = path.read_text().split("\n")
    target = next(i for i, line in enumerate(lines) if line.strip() == "group: relief")
    lines[target] = lines[target].replace("relief", "releif")
    path.write_text("\n".join(lines))
    result = run_cli(project, "check")
    assert result.code == 1
    assert f"data/faqs.yaml:{target + 1}:12: error: unknown faq_groups id 'releif'" in result.err
    assert "did you mean 'relief'?" in result.err


def test_references_page_links_back_to_citing_pages(built: Path) -> None:
    html = page(built, "references")
    refs = data("references")["references"]
    for ref in refs:
        assert f'<li id="{ref["id"]}">' in html
    entry = html[html.index('<li id="nhs-leg-cramps">'):]
    entry = entry[:entry.index("</li>")]
    assert 'href="/leg-cramps/"' in entry


def test_changed_food_source_changes_every_table(tmp_path: Path) -> None:
    project = make_project(tmp_path / "edit", fixture=None)
    path = project / "data" / "nutrients.yaml"
    text = path.read_text()
    record = next(n for n in data("nutrients")["nutrients"] if n["id"] == "magnesium")
    old = record["food_sources"]["items"][0]
    assert text.count(old) >= 1
    path.write_text(text.replace(old, "Zzyzx test food", 1))
    assert run_cli(project, "build", "-q").code == 0
    tables = [t for t in data("comparisons")["comparisons"]
              if "magnesium" in t["rows"] and any(c["field"] == "food_sources" for c in t["columns"])]
    assert tables, "the real data has a table showing magnesium's food sources"
    seen = 0
    for html_file in (project / "output").rglob("*.html"):
        html = html_file.read_text()
        for table in tables:
            marker = f'<table id="data-{table["id"]}">'  # table ids are prefixed: headings may share the name
            if marker in html:
                chunk = html[html.index(marker):]
                chunk = chunk[:chunk.index("</table>")]
                assert "Zzyzx test food" in chunk, (html_file, table["id"])
                assert old not in chunk
                seen += 1
    assert seen >= len(tables)


def test_unknown_citation_in_real_article_fails_with_line(tmp_path: Path) -> None:
    project = make_project(tmp_path / "bad", fixture=None)
    article = project / "content" / "toe-cramps.md"
    lines = article.read_text().split("\n")
    target = next(i for i, line in enumerate(lines) if "[@" in line)
    lines[target] = lines[target].replace("[@", "[@no-such-source; @", 1)
    article.write_text("\n".join(lines))
    result = run_cli(project, "build")
    assert result.code == 1
    assert f"content/toe-cramps.md:{target + 1}:" in result.err
    assert "unknown reference id 'no-such-source'" in result.err


def test_bibliography_holds_only_verified_shared_references() -> None:
    shared = SHARED / "references.yaml"
    if not shared.is_file():
        pytest.skip("../shared/references.yaml is not beside this checkout")
    checked = {r["id"]: r for r in yaml.safe_load(shared.read_text(encoding="utf-8"))}
    for ref in data("references")["references"]:
        assert ref["id"] in checked and checked[ref["id"]]["verified"] is True, ref["id"]
        assert ref["url"] == checked[ref["id"]]["url"]


def test_no_wording_copied_from_the_seeds() -> None:
    tool = SHARED / "tools" / "seed_overlap.py"
    if not tool.is_file():
        pytest.skip("../shared/tools/seed_overlap.py is not beside this checkout")
    proc = subprocess.run([sys.executable, str(tool), "content", "data", "templates"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout
    assert "0 shared run(s)" in proc.stdout


# -- content safety (issue 16): what a reader at risk must find ------------------------

@pytest.mark.parametrize("slug", ARTICLES)
def test_article_shows_the_999_route_and_the_blood_clot_warning(built: Path, slug: str) -> None:
    html = page(built, slug)
    emergency = html[html.index('<section class="callout callout-emergency"'):]
    emergency = emergency[:emergency.index("</section>")]
    assert "999" in emergency and "breathless" in emergency
    assert 'id="flag-blood-clot-one-leg"' in html
    # tiers in order, the sign and the advice as two separate lines
    assert html.index("callout-emergency") < html.index("callout-urgent") < html.index("callout-routine")
    assert '<p class="flag-sign">' in html and '<p class="flag-advice">' in html


def test_home_page_signposts_urgent_help(built: Path) -> None:
    html = (built / "index.html").read_text(encoding="utf-8")
    signpost = html[html.index('<section class="signpost"'):]
    assert "999" in signpost[:signpost.index("</section>")]


def test_no_page_says_to_keep_taking_a_statin(built: Path) -> None:
    for path in built.rglob("*.html"):
        text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
            if "statin" in sentence.lower():
                assert not re.search(r"\b(keep|carry on|continue) taking\b", sentence, re.I), (path, sentence)


def test_statin_warning_says_stop_and_get_help(built: Path) -> None:
    flags = {f["id"]: f for f in data("relief")["red_flags"]}
    statin = next(f for f in flags.values() if "statin" in f["symptom"].lower())
    assert statin["tier"] == "urgent"
    assert "stop taking the statin" in statin["advice"].lower()


def test_every_grade_shown_carries_its_label(built: Path) -> None:
    labels = {g["id"]: g["label"] for g in data("grades")["evidence_grades"]}
    for path in built.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for grade_id in re.findall(r'<span class="grade grade-([a-z-]+)">', html):
            after = html.split(f'<span class="grade grade-{grade_id}">', 1)[1]
            assert after.startswith(f'<span class="grade-label">{labels[grade_id]}</span>'), (path, grade_id)


def test_real_site_passes_check_strict(tmp_path: Path) -> None:
    project = make_project(tmp_path / "strict", fixture=None)
    result = run_cli(project, "check", "--strict")
    assert result.code == 0, result.err
