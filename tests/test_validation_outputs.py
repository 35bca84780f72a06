"""engine.validate.outputs: output paths no page may take (two pages, outside output/, the build's own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import cli_text as cli, edit
from engine.cli import main




def test_a_generate_rule_may_not_write_into_the_search_index(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site_yaml = site / "data/site.yaml"
    text = site_yaml.read_text()
    assert 'url: "/nutrients/{id}/"' in text
    site_yaml.write_text(text.replace('url: "/nutrients/{id}/"', "url: '/pagefind/{id}/'"), encoding="utf-8")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 1
    assert "data/nutrients.yaml:2:9: error: output path 'pagefind/magnesium/index.html' is reserved" in out, out


@pytest.mark.parametrize("url", ["/robots.txt/", "/feed.xml/", "/404.html", "/static/css/", "/pagefind/x/",
                                 "/.quire-output/"])
def test_every_generated_path_is_reserved(site: Path, capsys: pytest.CaptureFixture[str], url: str) -> None:
    edit(site / "content/calf-cramps.md", "topic: calf\n", f"topic: calf\nurl: '{url}'\n")
    code, out = cli(site, "check", capsys=capsys)
    assert code == 1 and "content/calf-cramps.md:5:6: error: output path " in out and "is reserved" in out, out


def test_the_reserved_names_are_what_a_build_writes_besides_pages(real_site: Path) -> None:
    """Every top-level name in a real build's output that no page wrote is reserved (and so no page can
    take it), and every reserved name that can be made is made."""
    from engine.publish import reserved_outputs
    from engine.layout import MARKER
    assert main(["--root", str(real_site), "-q", "build"]) == 0
    out = real_site / "output"
    tops = {p.name for p in out.iterdir()}
    page_tops = {p.relative_to(out).parts[0] for p in out.rglob("index.html")} - {"index.html"}
    reserved = set(reserved_outputs())
    assert tops - page_tops - {"index.html"} <= reserved, tops - page_tops - reserved
    assert reserved <= tops | {MARKER}, reserved - tops
    assert not page_tops & reserved
