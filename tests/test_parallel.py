"""Builds on a process pool: the workers render and write the pages themselves
(engine/parallel.py), and the result must be what one process makes."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import run_cli, tree_bytes
from test_incremental import backdate

PAGE = "article-{n:03d}/index.html"


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*.html")}


def written(summary: str) -> int:
    found = re.search(r"(\d+) files written", summary)
    assert found, summary
    return int(found.group(1))


def edit_body(site: Path, n: int, text: str) -> None:
    path = site / "content" / f"article-{n:03d}.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


def test_a_parallel_cold_build_equals_a_one_process_build(big_site: Path, tmp_path: Path) -> None:
    assert run_cli(big_site, "build", "-q", "--no-cache", "--jobs", "2").code == 0
    assert run_cli(big_site, "build", "-q", "--no-cache", "--jobs", "1", "--output", str(tmp_path / "one")).code == 0
    parallel, single = tree_bytes(big_site / "output"), tree_bytes(tmp_path / "one")
    assert parallel == single
    assert PAGE.format(n=150) in parallel
    assert not list(big_site.glob(".output.*")), "a staging folder was left behind"


def test_workers_link_unchanged_pages_from_the_previous_output(big_site: Path) -> None:
    """Without a cache the build stages a new folder; a worker that renders the same bytes
    as the previous output's file links that file (it keeps its inode and mtime)."""
    assert run_cli(big_site, "build", "-q", "--no-cache", "--jobs", "2").code == 0
    before = inodes(big_site / "output")
    edit_body(big_site, 42, "A sentence added to one article.")
    run = run_cli(big_site, "build", "--no-cache", "--jobs", "2")
    assert run.code == 0, run.err
    after = inodes(big_site / "output")
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    assert PAGE.format(n=42) in changed
    assert "A sentence added to one article." in (big_site / "output" / PAGE.format(n=42)).read_text("utf-8")
    assert changed == {PAGE.format(n=42)}, sorted(changed)[:10]
    assert written(run.out) < 5     # the edited page and site-wide files such as the search index, if any


def test_an_in_place_rebuild_rendered_by_workers_equals_a_cold_build(big_site: Path, tmp_path: Path) -> None:
    """A template edit re-renders every article on the pool into the cached output folder."""
    backdate(big_site)   # sources older than the racy-stat window: the cache may trust their stats
    assert run_cli(big_site, "build", "-q", "--jobs", "2").code == 0
    template = big_site / "templates" / "article.html"
    text = template.read_text(encoding="utf-8").replace("{% block body %}", "{% block body %}<!-- edited -->", 1)
    template.write_text(text, encoding="utf-8")
    run = run_cli(big_site, "build", "--jobs", "2")
    assert run.code == 0, run.err
    assert "0 from cache" not in run.out and written(run.out) >= 170
    assert run_cli(big_site, "build", "-q", "--no-cache", "--jobs", "1", "--output", str(tmp_path / "cold")).code == 0
    assert tree_bytes(big_site / "output") == tree_bytes(tmp_path / "cold")
    assert "<!-- edited -->" in (big_site / "output" / PAGE.format(n=7)).read_text("utf-8")
    assert not list(big_site.glob(".output.*")), "a pending folder was left behind"


def test_chunks_cover_every_page_once_and_shrink_towards_the_end() -> None:
    """The workers finish within a few pages of each other: the last chunks are small,
    whatever the number of pages and workers, and no page is given twice or left out."""
    from engine.render.parallel import MIN_CHUNK, chunks
    for count in (1, 7, 150, 1_010, 10_010):
        for jobs in (1, 2, 8):
            items = list(range(count))
            got = chunks(items, jobs)
            assert [i for chunk in got for i in chunk] == items
            sizes = [len(chunk) for chunk in got]
            assert sizes == sorted(sizes, reverse=True)
            assert all(size >= MIN_CHUNK for size in sizes[:-1])
            assert sizes[-1] <= max(MIN_CHUNK, count // (4 * jobs))
            # the first results (and the progress bar) come no later than with 8 equal chunks per worker
            assert sizes[0] <= max(MIN_CHUNK, -(-count // (8 * jobs)))
            if count >= 1_000:
                # the tail a worker may render alone is a small share of the whole
                assert max(sizes[-jobs:]) <= max(MIN_CHUNK, count // 100)
