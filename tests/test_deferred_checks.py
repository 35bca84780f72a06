"""A cold parallel build checks the sources while the workers render: same errors, nothing written."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli, tree_bytes


def break_article(site: Path, old: str, new: str, n: int = 77) -> Path:
    path = site / "content" / f"article-{n:03d}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return path


def test_a_mistake_found_while_workers_render_fails_the_build_cleanly(big_site: Path) -> None:
    assert run_cli(big_site, "build", "-q", "--no-cache", "--jobs", "2").code == 0
    before = tree_bytes(big_site / "output")
    break_article(big_site, "last_reviewed: 2026-01-01", "last_reviewed: someday")
    result = run_cli(big_site, "build", "--no-cache", "--jobs", "2")
    assert result.code == 1, result.err
    assert "content/article-077.md:5:" in result.err and "last_reviewed" in result.err
    assert "Traceback" not in result.err
    assert tree_bytes(big_site / "output") == before
    assert not list(big_site.glob(".output.*")), "the workers' staged pages were left behind"
    # the same messages as a single-process build, which checks before rendering
    assert result.err == run_cli(big_site, "build", "--no-cache", "--jobs", "1").err


def test_sources_that_cannot_make_a_site_model_are_reported_not_crashed_on(big_site: Path) -> None:
    break_article(big_site, "topic: calf", "topic: calf\nnav_order: first")
    result = run_cli(big_site, "build", "--no-cache", "--jobs", "2")
    assert result.code == 1, result.err
    assert "content/article-077.md:" in result.err and "nav_order" in result.err
    assert "Traceback" not in result.err and not (big_site / "output").exists()


def test_strict_warnings_still_fail_a_deferred_build(big_site: Path) -> None:
    plain = run_cli(big_site, "build", "-q", "--no-cache", "--jobs", "2")
    assert plain.code == 0
    path = break_article(big_site, "next_review: 2030-01-01", "next_review: 2020-01-01")   # overdue: a warning
    path.write_text(path.read_text(encoding="utf-8").replace("2026-01-01", "2019-01-01"), encoding="utf-8")
    warned = run_cli(big_site, "build", "--no-cache", "--jobs", "2")
    assert warned.code == 0 and "warning" in warned.err
    strict = run_cli(big_site, "build", "--no-cache", "--jobs", "2", "--strict")
    assert strict.code == 1 and "(--strict)" in strict.err
