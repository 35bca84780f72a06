"""``check --links``: broken internal links, fragments and assets are found and reported by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_project, run_cli
from engine.publish.linkcheck import check_links
from engine.writer import MARKER


def write(out: Path, rel: str, text: str) -> None:
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    write(out, MARKER, "")
    write(out, "index.html", '<!DOCTYPE html><html><head><link rel="canonical" href="https://x.org/health/">\n'
                             '<link rel="stylesheet" href="/health/static/site.css"></head><body>\n'
                             '<h1 id="top">Home</h1>\n'
                             '<a href="/health/a/">ok</a> <a href="a/#here">ok</a> <a href="#top">ok</a>\n'
                             '<a href="/health/a/#nowhere">bad fragment</a>\n'
                             '<a href="/health/missing/">missing page</a>\n'
                             '<a href="/a/">outside the base path</a>\n'
                             '<img src="/health/img/x.png" alt="">\n'
                             '<a href="https://example.com/">external</a> <a href="mailto:a@b.c">mail</a>\n'
                             '</body></html>\n')
    write(out, "a/index.html", '<!DOCTYPE html><html><body><p id="here">x</p>\n<a href="../">up</a>'
                               '<a href="https://x.org/health/a/#here">own absolute</a></body></html>\n')
    write(out, "static/site.css", "body { background: url(../img/missing.png); }\n")
    return out


def test_broken_links_are_reported_with_file_and_line(tiny):
    report = check_links(tiny)
    assert report.base_path == "/health/"
    found = sorted((p.file, p.line, p.url) for p in report.broken)
    assert found == [
        ("index.html", 5, "/health/a/#nowhere"),
        ("index.html", 6, "/health/missing/"),
        ("index.html", 7, "/a/"),
        ("index.html", 8, "/health/img/x.png"),
        ("static/site.css", 1, "../img/missing.png"),
    ]
    assert list(report.external) == ["https://example.com/"]
    assert report.pages == 2


def test_cli_warns_by_default_and_fails_in_strict_mode(tiny, site):
    run = run_cli(site, "check", "--links", "--output", str(tiny))
    assert run.code == 0
    assert "index.html:6: warning: broken link '/health/missing/'" in run.err
    run = run_cli(site, "check", "--links", "--strict", "--output", str(tiny))
    assert run.code == 1
    assert "index.html:6: error: broken link '/health/missing/'" in run.err
    assert "5 broken internal, 1 external" in run.out


def test_a_site_built_for_another_base_path_is_caught(tmp_path: Path):
    root = make_project(tmp_path / "proj")
    out = tmp_path / "out"
    assert run_cli(root, "build", "--base-url", "/health/", "--output", str(out)).code == 0
    assert check_links(out).broken == []
    wrong = check_links(out, base_path="/other/")
    assert wrong.broken and all("outside the base path" in p.message for p in wrong.broken
                                if not p.url.startswith("#"))


def test_missing_build_is_a_usage_error(site):
    run = run_cli(site, "check", "--links", "--output", str(site / "nothing"))
    assert run.code == 2
    assert "no built site" in run.err
