"""engine.model.links: ``check`` finds broken internal links in content/ and data/ without a build,
at the line that wrote them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import cli_text as cli, edit

PAGE = "content/calf-cramps.md"
ANCHOR = "See the [treatments page](/treatments/) for more."


def add_line(site: Path, text: str) -> int:
    """Append a cited paragraph to the calf page; its line number."""
    path = site / PAGE
    body = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(body, encoding="utf-8")
    return body.count("\n")


@pytest.mark.parametrize("target, message", [
    ("/calf-cramp/", "leads to no page of the site"),             # a typo
    ("/nutrients/magnesum/", "leads to no page of the site"),     # a generated page, misspelt
    ("../../../etc/passwd", "leads outside the site"),
    ("/static/img/no-such.png", "leads to no page of the site"),
    ("/treatments", "needs a trailing '/'"),
])
def test_a_broken_link_is_an_error_at_its_line_and_column(real_site: Path, capsys, target: str,
                                                           message: str) -> None:
    line = add_line(real_site, f"Read [this]({target}) for more on night cramps [@nhs-leg-cramps].")
    code, out = cli(real_site, "check", capsys=capsys)
    assert code == 1, out
    assert f"{PAGE}:{line}:13: error: link '{target}' {message}" in out, out
    assert not (real_site / "output").exists()          # checked without a build


def test_the_message_suggests_the_page_meant(real_site: Path, capsys) -> None:
    add_line(real_site, "Read [this](/calf-cramp/) for more on night cramps [@nhs-leg-cramps].")
    code, out = cli(real_site, "check", capsys=capsys)
    assert "did you mean '/calf-cramps/'?" in out, out


@pytest.mark.parametrize("text", [
    "Read [this](/calf-cramps/) or [that](../leg-cramps/) on night cramps [@nhs-leg-cramps].",     # site, relative
    "Read [this](/nutrients/magnesium/#food-sources) on night cramps [@nhs-leg-cramps].",  # generated, fragment
    "Read [the NHS page](https://www.nhs.uk/no-such-page/) or [mail us](mailto:a@b.example) [@nhs-leg-cramps].",
    "Read [the feed](/feed.xml) and [search](/search/) and [top](#key-points) for more [@nhs-leg-cramps].",
    "Write links like `[text](/nowhere/)` in your own pages, say the editors [@nhs-leg-cramps].",  # inline code
    "```\n[text](/nowhere/)\n```",                                                            # fenced code
    "[ref]: /leg-cramps/",                                                                    # reference definition
])
def test_good_links_and_code_pass(real_site: Path, capsys, text: str) -> None:
    add_line(real_site, text)
    code, out = cli(real_site, "check", capsys=capsys)
    assert code == 0, out


def test_a_broken_reference_definition_is_found(real_site: Path, capsys) -> None:
    line = add_line(real_site, "See [the guide][g] on night cramps [@nhs-leg-cramps].\n\n[g]: /no-guide/")
    code, out = cli(real_site, "check", capsys=capsys)
    assert code == 1 and f"{PAGE}:{line}:6: error: link '/no-guide/' leads to no page" in out, out


def test_a_broken_link_in_data_text_names_the_record_and_field(real_site: Path, capsys) -> None:
    faqs = real_site / "data/faqs.yaml"
    text = faqs.read_text(encoding="utf-8")
    marker = "    answer: "
    at = text.index(marker)
    faqs.write_text(text[:at + len(marker)] + "See [the guide](/no-such-guide/). " + text[at + len(marker):],
                    encoding="utf-8")
    code, out = cli(real_site, "check", capsys=capsys)
    assert code == 1, out
    line = text.count("\n", 0, at) + 1
    assert f"data/faqs.yaml:{line}:" in out and "link '/no-such-guide/' leads to no page" in out, out
    assert "faqs[" in out and "].answer" in out, out


def test_links_stay_site_paths_under_a_sub_path_base_url(real_site: Path, capsys) -> None:
    """Links are written as site paths; the build adds the base path, so the check does not want it."""
    edit(real_site / "data/site.yaml", "base_url: /", "base_url: https://example.org/health/")
    code, out = cli(real_site, "check", capsys=capsys)
    assert code == 0, out
    add_line(real_site, "Read [this](/calf-cramp/) for more on night cramps [@nhs-leg-cramps].")
    code, out = cli(real_site, "check", capsys=capsys)
    assert code == 1 and "link '/calf-cramp/' leads to no page" in out, out
