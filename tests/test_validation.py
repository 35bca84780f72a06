"""Validation beyond the corpus: the real data, schemas, IDE wiring, docs, warnings, templates, paths."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import ROOT, cli_text as cli, edit
from engine.load.sources import walk_files

sys.path.insert(0, str(ROOT / "tools"))
import gen_data_docs  # noqa: E402

SCHEMAS = ROOT / "schemas"




# -- schemas, IDE wiring, docs -------------------------------------------------

def test_schemas_are_valid_draft_2020_12() -> None:
    files = sorted(SCHEMAS.glob("*.schema.json"))
    assert {p.name for p in files} >= {f"{s}.schema.json" for s in
                                       ("site", "nutrients", "causes", "comparisons", "faqs", "references",
                                        "relief", "frontmatter", "common")}
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_data_file_names_its_schema_on_the_first_line() -> None:
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = {glob: schema for schema, globs in settings["yaml.schemas"].items() for glob in globs}
    for path in sorted((ROOT / "data").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first == f"# yaml-language-server: $schema=../schemas/{path.stem}.schema.json", path
        assert (SCHEMAS / f"{path.stem}.schema.json").is_file()
        assert mapping[f"data/{path.name}"] == f"./schemas/{path.stem}.schema.json"


def test_docs_data_md_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    assert committed == gen_data_docs.render(SCHEMAS), "run: python tools/gen_data_docs.py"


def test_docs_mention_every_field() -> None:
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    for name in ("food_sources", "cramp_link", "tier", "grade", "claims", "body_parts", "last_reviewed", "allow_raw_html"):
        assert f"`{name}`" in text


def test_real_site_passes(real_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(real_site, "check", capsys=capsys)
    assert code == 0, out
    assert "check: 0 errors" in out


# -- reporting -----------------------------------------------------------------

def test_all_problems_in_one_run_sorted(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(site / "data/nutrients.yaml", "relation: direct", "relation: direkt")
    edit(site / "data/nutrients.yaml", "food_sources: {items: [\"bananas\"]", "food_source: {items: [\"bananas\"]")
    edit(site / "data/faqs.yaml", "topics: [calf]", "topics: [knee]")
    edit(site / "content/calf-cramps.md", "[@ref-one]", "[@nope]")
    edit(site / "content/index.md", "title: Fixture home", "titel: Fixture home")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 1
    located = [line.split(": error: ")[0] for line in out.splitlines() if ": error: " in line]
    assert located == ["content/calf-cramps.md:8:25", "content/index.md:2:1", "content/index.md:2:1",
                       "data/faqs.yaml:5:14", "data/nutrients.yaml:7:17", "data/nutrients.yaml:37:5"]
    assert "check: 6 errors; nothing was written" in out
    assert re.search(r"^data/nutrients.yaml:37:5: error: unknown field 'food_source' "
                     r"\[nutrients\[potassium\]\.food_source\]\n    hint: did you mean 'food_sources'\?$", out, re.M)


def test_warnings_exit_zero_unless_strict(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refs = site / "data/references.yaml"
    refs.write_text(refs.read_text() + '  - id: ref-unused\n    title: "Unused"\n    publisher: "P"\n'
                    '    url: "https://example.org/u"\n', encoding="utf-8")
    edit(site / "content/calf-cramps.md", "last_reviewed: 2026-01-01\nnext_review: 2030-01-01",
         "last_reviewed: 2019-01-01\nnext_review: 2020-01-01")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 0, out
    assert "data/references.yaml:11:9: warning: reference 'ref-unused' is not cited anywhere" in out
    assert "content/calf-cramps.md:6:14: warning: review was due on 2020-01-01" in out
    code, out = cli(site, "check", "--strict", capsys=capsys)
    assert code == 1
    code, out = cli(site, "build", "--strict", capsys=capsys)
    assert code == 1 and "(--strict)" in out and not (site / "output").exists()


def test_failed_build_writes_nothing(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(site / "data/nutrients.yaml", "grade: limited", "grade: strong")
    code, out = cli(site, "build", capsys=capsys)
    assert code == 1 and "build: 1 error; nothing was written" in out
    assert not (site / "output").exists()


def test_data_file_without_schema_is_a_warning(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "data/extras.yaml").write_text("extras:\n  - id: a\n", encoding="utf-8")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 0
    assert "data/extras.yaml:1:1: warning: no schema for this data file" in out


# -- templates -----------------------------------------------------------------

def _insert_line(path: Path, lineno: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(lineno - 1, text)
    path.write_text("\n".join(lines), encoding="utf-8")


def test_undefined_variable_in_base_template(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _insert_line(site / "templates/base.html", 12, "{{ no_such_variable }}")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 1
    assert "templates/base.html:12:1: error: undefined value in template: 'no_such_variable' is undefined" in out
    assert "Traceback" not in out


def test_syntax_error_in_base_template(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _insert_line(site / "templates/base.html", 12, "{% if %}")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 1
    assert "templates/base.html:12:1: error: template syntax error:" in out


# -- Markdown safety -----------------------------------------------------------

def test_raw_html_in_code_is_fine(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = site / "content/calf-cramps.md"
    page.write_text(page.read_text() + "\nUse `<script>` tags and `onclick=` with care.\n\n```html\n"
                    "<script>alert(1)</script>\n<a href=\"javascript:x\" onclick=\"y\">z</a>\n```\n", encoding="utf-8")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 0, out


def test_allow_raw_html_in_site_yaml(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = site / "content/calf-cramps.md"
    page.write_text(page.read_text() + '\n<iframe src="https://example.org/v"></iframe>\n\n<script>let a = 1;</script>\n',
                    encoding="utf-8")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 1 and "raw <iframe> tag" in out and "raw <script> tag" in out
    (site / "data/site.yaml").write_text((site / "data/site.yaml").read_text() + "allow_raw_html: [script, iframe]\n",
                                         encoding="utf-8")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 0, out


# -- paths ---------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop_in_content_does_not_hang(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "content/guides").mkdir()
    os.symlink("..", site / "content/guides/loop")
    os.symlink(site / "content", site / "content/self")
    started = time.perf_counter()
    files = walk_files(site / "content", (".md",))
    assert len(files) == len(set(os.path.realpath(f) for f in files)) == 2
    code, out = cli(site, "check", capsys=capsys)
    assert time.perf_counter() - started < 20
    assert code == 0, out


def test_dangling_symlink_is_ignored(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.symlink(site / "nowhere.md", site / "content/dangling.md")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 0, out


@pytest.mark.parametrize("rule, message", [
    ("  - {collection: nutrients, template: nutrient.html, url: '/nutrients/{name}/'}",
     "must be a path containing '{id}'"),
    ("  - {collection: nutrient, template: nutrient.html, url: '/n/{id}/'}", "unknown collection 'nutrient'"),
    ("  - {collection: nutrients, template: nutrients.html, url: '/n/{id}/'}", "unknown template 'nutrients.html'"),
])
def test_generate_rules_checked(site: Path, capsys: pytest.CaptureFixture[str], rule: str, message: str) -> None:
    site_yaml = site / "data/site.yaml"
    text = site_yaml.read_text()
    old = '  - {collection: nutrients, template: nutrient.html, url: "/nutrients/{id}/"}\n'
    assert old in text
    site_yaml.write_text(text.replace(old, rule + "\n"), encoding="utf-8")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 1 and "data/site.yaml:8:" in out and message in out, out


def test_missing_include_points_at_the_including_template(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _insert_line(site / "templates/base.html", 12, '{% include "partials/no-such-partial.html" %}')
    code, out = cli(site, "check", capsys=capsys)
    assert code == 1
    assert "templates/base.html:12:1: error: template not found: 'partials/no-such-partial.html'" in out


def test_unknown_template_in_front_matter(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(site / "content/index.md", "template: home.html", "template: hom.html")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 1
    assert "content/index.md:3:11: error: unknown template 'hom.html' [template]\n    hint: did you mean 'home.html'?" in out


def test_unreadable_file_does_not_hide_schema_errors_elsewhere(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(site / "data/faqs.yaml", "topics: [calf]", "topics: [calf")
    edit(site / "data/nutrients.yaml", "relation: direct", "relation: direkt")
    edit(site / "content/index.md", "title: Fixture home", "title: Fixture home\ntitle: again")
    edit(site / "content/calf-cramps.md", "topic: calf", "topic: calf\nnav_order: first")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 1
    located = [line.split(": error: ")[0] for line in out.splitlines() if ": error: " in line]
    # the file that cannot be read comes first (the root cause), then the rest by file
    assert [loc.rsplit(":", 2)[0] for loc in located] == [
        "data/faqs.yaml", "content/calf-cramps.md", "content/index.md", "data/nutrients.yaml"], out


# -- root causes first, consequences suppressed ------------------------------------

def _error_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": error: " in line]


def test_a_broken_block_template_is_the_only_error(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Articles placing '::: faqs' are not told the block is unknown: its syntax error is the cause."""
    faqs = site / "templates/blocks/faqs.html"
    faqs.write_text("{% for faq in records('faqs', args) %}\n" + faqs.read_text(), encoding="utf-8")
    code, out = cli(site, "check", capsys=capsys)
    errors = _error_lines(out)
    assert code == 1 and len(errors) == 1, out
    assert errors[0].startswith("templates/blocks/faqs.html:") and "template syntax error" in errors[0]


def test_an_unreadable_file_is_listed_first_and_hides_only_its_consequences(
        site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(site / "data/references.yaml", "id: ref-one", "id: [ref-one")          # YAML syntax error
    edit(site / "content/calf-cramps.md", "- A point.", "- A point <script>x()</script>.")
    edit(site / "content/index.md", "---\n", "---\nnonsense_field: 1\n")         # a front matter schema error
    (site / "templates/blocks/broken.html").write_text("{% if %}\n", encoding="utf-8")
    code, out = cli(site, "build", capsys=capsys)
    errors = _error_lines(out)
    assert code == 1
    # the two files that cannot be read at all come first, then everything else by file and line
    assert errors[0].startswith("data/references.yaml:2:9: error: YAML syntax error: the '['"), out
    assert errors[1].startswith("templates/blocks/broken.html:1:1: error: template syntax error"), out
    assert any(e.startswith("content/calf-cramps.md:") and "raw <script>" in e for e in errors[2:]), out
    assert any(e.startswith("content/index.md:") and "nonsense_field" in e for e in errors[2:]), out
    # no citation is called unknown because references.yaml could not be read
    assert "unknown reference id" not in out


def test_a_broken_site_yaml_does_not_guess_what_allow_raw_html_allows(
        site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "data/site.yaml").write_text("title: [Broken\nallow_raw_html: [script]\n", encoding="utf-8")
    edit(site / "content/calf-cramps.md", "- A point.", "- A point <script>x()</script>.")
    code, out = cli(site, "check", capsys=capsys)
    errors = _error_lines(out)
    assert code == 1 and errors[0].startswith("data/site.yaml:1:8: error: YAML syntax error"), out
    assert "raw <script>" not in out
