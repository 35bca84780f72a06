"""``memo(macro, value)``: a macro's output reused across pages, never across sites or pages it could differ on."""

from __future__ import annotations

from pathlib import Path

from engine.pipeline import load_site
from engine.project import Project
from engine.render.pages import PageContext, SiteRenderer

from conftest import run_cli

COUNTED = """{% macro entry(ref) -%}<i>{{ ref.title }}</i>{{ counter.append(1) or "" }}{%- endmacro %}"""


def renderer_for(site: Path) -> SiteRenderer:
    (site / "templates" / "partials" / "counted.html").write_text(COUNTED, encoding="utf-8")
    project = Project(site)
    return SiteRenderer(project, load_site(project).site)


def test_a_macro_runs_once_per_value_and_gives_the_same_output(site: Path) -> None:
    renderer = renderer_for(site)
    counter: list[int] = []
    renderer.env.globals["counter"] = counter
    template = renderer.env.from_string(
        '{% from "partials/counted.html" import entry %}'
        '{{ memo(entry, record("references", "ref-one")) }}|{{ memo(entry, record("references", "ref-two")) }}')
    outputs = {template.render(PageContext(renderer, page).variables()) for page in renderer.site.pages}
    assert outputs == {"<i>First reference</i>|<i>Second reference</i>"}
    assert len(counter) == 2, "each reference rendered once, whatever the number of pages"


def test_a_macro_that_sees_the_page_is_not_reused_across_pages(site: Path) -> None:
    renderer = renderer_for(site)
    template = renderer.env.from_string(
        '{% macro here(ref) %}{{ page.url }}:{{ ref.title }}{% endmacro %}'
        '{{ memo(here, record("references", "ref-one")) }}')
    pages = renderer.site.pages
    outputs = [template.render(PageContext(renderer, page).variables()) for page in pages]
    assert outputs == [f"{page.url}:First reference" for page in pages]
    assert len(set(outputs)) == len(pages) > 1


def test_a_new_site_empties_the_memo(site: Path) -> None:
    renderer = renderer_for(site)
    template = renderer.env.from_string(
        '{% from "partials/counted.html" import entry %}{{ memo(entry, record("references", "ref-one")) }}')
    renderer.env.globals["counter"] = []
    page = renderer.site.pages[0]
    assert template.render(PageContext(renderer, page).variables()) == "<i>First reference</i>"
    refs = site / "data" / "references.yaml"
    refs.write_text(refs.read_text(encoding="utf-8").replace("First reference", "Renamed reference"),
                    encoding="utf-8")
    renderer.retarget(load_site(Project(site)).site, templates_changed=False)
    page = renderer.site.pages[0]
    assert template.render(PageContext(renderer, page).variables()) == "<i>Renamed reference</i>"


def test_reference_lists_are_the_same_with_and_without_the_memo(site: Path) -> None:
    """The shipped templates call reference_entry through memo; spelled out directly, the pages are identical."""
    assert run_cli(site, "-q", "build", "--no-cache").code == 0
    with_memo = {p.relative_to(site / "output"): p.read_bytes() for p in (site / "output").rglob("*.html")}
    for name in ("partials/references.html", "references.html"):
        path = site / "templates" / name
        text = path.read_text(encoding="utf-8")
        assert "memo(reference_entry, " in text
        path.write_text(text.replace("memo(reference_entry, entry.record.data)", "reference_entry(entry.record.data)")
                        .replace("memo(reference_entry, ref)", "reference_entry(ref)"), encoding="utf-8")
    assert run_cli(site, "-q", "build", "--no-cache").code == 0
    without = {p.relative_to(site / "output"): p.read_bytes() for p in (site / "output").rglob("*.html")}
    assert without == with_memo
    assert any(b'class="references"' in html for html in with_memo.values())
