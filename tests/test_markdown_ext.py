"""The project's Python-Markdown extensions, with a real site's data and templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.diagnostics import ContentError
from engine.pipeline import load_site
from engine.project import Project
from engine.render.pages import SiteRenderer


def render(site: Path, body: str) -> str:
    article = site / "content" / "calf-cramps.md"
    head = article.read_text().split("---", 2)
    article.write_text("---" + head[1] + "---\n" + body)
    project = Project(site)
    loaded = load_site(project)
    results = SiteRenderer(project, loaded.site).render()
    return next(r.html for r in results if r.page.url == "/calf-cramps/")


def test_citations_are_numbered_in_reading_order(site: Path) -> None:
    html = render(site, "Intro [@ref-two].\n\n::: comparison fixture-table\n\nLater [@ref-one].\n")
    # ref-two is met first (intro), so it is [1]; the table cites ref-one next
    assert html.index('href="#ref-1" id="cite-1-1"') < html.index('id="cite-2-1"')
    assert '<li id="ref-1">' in html and '<li id="ref-2">' in html
    intro = html[html.index("Intro"):html.index("</p>", html.index("Intro"))]
    assert 'href="#ref-1"' in intro


def test_citation_group_and_backlinks(site: Path) -> None:
    html = render(site, "One [@ref-one; @ref-two]. Again [@ref-one].\n")
    assert html.count('href="#ref-1"') == 2
    assert 'href="#cite-1-1"' in html and 'href="#cite-1-2"' in html  # two back-links for ref 1
    assert '<span class="visually-hidden">reference </span>1</a>, <a href="#ref-2"' in html


def test_citation_syntax_inside_code_is_left_alone(site: Path) -> None:
    html = render(site, "Write `[@ref-one]` to cite.\n\n```\n[@ref-nope]\n```\n")
    assert "<code>[@ref-one]</code>" in html
    assert "references-heading" not in html  # nothing was cited


def test_directive_places_data_inside_the_flow(site: Path) -> None:
    html = render(site, "Before.\n\n::: faqs\n\nAfter.\n")
    before, faq, after = html.index("Before."), html.index("Does magnesium help?"), html.index("After.")
    assert before < faq < after
    assert "<details" in html and "<summary>Does magnesium help?</summary>" in html


def test_directive_inside_fenced_code_is_not_run(site: Path) -> None:
    html = render(site, "```\n::: faqs\n```\n")
    assert "::: faqs" in html and "<details" not in html


def test_unknown_directive_is_reported_with_line(site: Path) -> None:
    with pytest.raises(ContentError) as info:
        render(site, "Text.\n\n::: fqas\n")
    message = str(info.value)
    assert "content/calf-cramps.md:" in message and "unknown block '::: fqas'" in message
    assert "did you mean 'faqs'" in message


def test_standard_extensions_are_on(site: Path) -> None:
    html = render(site, "## A heading\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1] \"quoted\"\n\n"
                        "[^1]: The footnote.\n\n<div markdown=\"1\">*inner*</div>\n\n"
                        "Para\n{: #custom-id }\n")
    assert '<h2 id="a-heading">A heading</h2>' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'class="footnote"' in html
    assert "\u201cquoted\u201d" in html
    assert "<em>inner</em>" in html
    assert 'id="custom-id"' in html


def test_instance_is_reset_between_pages(site: Path) -> None:
    project = Project(site)
    loaded = load_site(project)
    renderer = SiteRenderer(project, loaded.site)
    first = renderer.render()
    second = renderer.render()
    assert [r.html for r in first] == [r.html for r in second]


def test_the_contents_list_comes_from_the_template_and_toc_is_plain_text(site: Path) -> None:
    """toc runs without a marker: headings get ids and feed "On this page"; "[TOC]" stays as typed."""
    html = render(site, "[TOC]\n\n## First part\n\nText.\n\n### A detail\n\n## Second part\n\nMore.\n")
    assert "<p>[TOC]</p>" in html
    assert '<h2 id="first-part">' in html and '<h3 id="a-detail">' in html
    contents = html[html.index('<nav class="toc"'):]
    contents = contents[:contents.index("</nav>")]
    assert contents.index('href="#first-part"') < contents.index('href="#second-part"')
    assert '<div class="toc">' not in html


def test_skipping_attr_list_on_pages_without_braces_changes_nothing(real_site: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages whose source has no '{' are converted without attr_list: the same HTML as with it."""
    import engine.render.markdown.renderer as renderer_module
    article = next(p for p in sorted((real_site / "content").rglob("*.md")) if "topic:" in p.read_text())
    article.write_text(article.read_text(encoding="utf-8") + "\nA closing note.\n{: .note }\n", encoding="utf-8")
    project = Project(real_site)
    site = load_site(project).site
    bodies = [p.source.body for p in site.pages if p.source is not None]
    assert any("{" not in body for body in bodies) and any("{" in body for body in bodies)
    skipping = [r.html for r in SiteRenderer(project, site).render()]
    monkeypatch.setattr(renderer_module, "SOURCE_TRIGGERS", {})
    assert [r.html for r in SiteRenderer(project, site).render()] == skipping
    assert any('<p class="note">A closing note.</p>' in html for html in skipping)


def test_attr_list_still_applies_where_braces_are_typed(site: Path) -> None:
    html = render(site, "A lead paragraph.\n{: .lead }\n\n## Heading {: #own-id }\n\nPlain text.\n")
    assert '<p class="lead">A lead paragraph.</p>' in html
    assert 'id="own-id"' in html
    assert "{:" not in html


def test_setting_up_markdown_does_not_search_the_installed_packages() -> None:
    """Extensions are passed as objects: named ones make Markdown scan every package's entry points."""
    import subprocess
    import sys
    code = ("from engine.render.markdown.renderer import MarkdownRenderer; MarkdownRenderer(); import sys; "
            "print('importlib.metadata' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, check=True)
    assert done.stdout.strip() == "False"
