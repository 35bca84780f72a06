"""The writers: the replaced output folder is removed in the background; in-place updates wait flat, then move."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, tree_bytes
from engine.write.output import (MARKER, InPlaceOutput, StagedOutput, clear_leftovers, remove_in_background,
                           remove_marked, unproven_leftovers)


def staged_build(out: Path, pages: dict[str, bytes]) -> StagedOutput:
    writer = StagedOutput(out)
    for rel, data in pages.items():
        writer.put(rel, data)
    writer.finish(set(pages) | {MARKER})
    writer.commit()
    return writer


def wait_gone(paths: list[Path], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while any(p.exists() for p in paths):
        assert time.monotonic() < deadline, f"still there: {paths}"
        time.sleep(0.02)


def test_the_replaced_output_goes_away_and_the_new_one_is_complete(tmp_path: Path) -> None:
    out = tmp_path / "out"
    staged_build(out, {f"p{i}/index.html": b"old %d" % i for i in range(50)})
    staged_build(out, {"p1/index.html": b"new", "q/index.html": b"q"})
    assert tree_bytes(out) == {"p1/index.html": b"new", "q/index.html": b"q",
                               MARKER: (out / MARKER).read_bytes()}
    wait_gone(list(tmp_path.glob(".out.*")))


def test_a_leftover_replaced_output_is_cleared_by_the_next_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    staged_build(out, {"a.html": b"a"})
    leftover = tmp_path / ".out.old-1-2"          # as if the removal had been killed
    (leftover / "x").mkdir(parents=True)
    (leftover / MARKER).write_text("")
    (leftover / "x" / "y.html").write_text("y")
    staged_build(out, {"a.html": b"b"})
    assert (out / "a.html").read_bytes() == b"b"
    wait_gone([leftover])


def test_folders_without_the_marker_are_never_touched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    mine = tmp_path / ".out.old-notes"
    mine.mkdir()
    (mine / "notes.txt").write_text("an editor's file")
    staged_build(out, {"a.html": b"a"})
    staged_build(out, {"a.html": b"b"})
    time.sleep(0.2)
    assert (mine / "notes.txt").read_text() == "an editor's file"


def test_remove_in_background_of_a_missing_folder_is_harmless(tmp_path: Path) -> None:
    remove_in_background(tmp_path / "nothing-here")


def test_in_place_updates_wait_in_one_flat_folder_then_land_where_they_belong(tmp_path: Path) -> None:
    """No folder per changed page in the pending area (each was an inode made and freed per build)."""
    out = tmp_path / "out"
    staged_build(out, {"a/index.html": b"a", "b/c/index.html": b"c", "d.html": b"d"})
    writer = InPlaceOutput(out)
    writer.put("a/index.html", b"a2")
    writer.put("b/c/index.html", b"c2")
    writer.put("new/deep/index.html", b"n")
    writer.put("d.html", b"d")                       # unchanged: not written at all
    pending = [p for p in writer.pending.iterdir() if p.name != MARKER]
    assert len(pending) == 3 and all(p.is_file() for p in pending)
    assert (out / "a" / "index.html").read_bytes() == b"a"   # nothing visible before commit
    writer.finish({"a/index.html", "b/c/index.html", "new/deep/index.html", "d.html", MARKER},
                  {"a/index.html", "b/c/index.html", "d.html", MARKER})
    writer.commit()
    assert tree_bytes(out) == {"a/index.html": b"a2", "b/c/index.html": b"c2", "new/deep/index.html": b"n",
                               "d.html": b"d", MARKER: (out / MARKER).read_bytes()}
    assert not writer.pending.exists()


# -- what killed builds leave behind -----------------------------------------------

def marked_folder(path: Path, files: int = 20) -> Path:
    """A folder as a build leaves it: the marker plus pages."""
    for i in range(files):
        (path / f"p{i}").mkdir(parents=True)
        (path / f"p{i}" / "index.html").write_text(f"page {i}")
    (path / MARKER).write_text("")
    return path


def test_a_killed_background_removal_keeps_the_marker_and_the_next_build_finishes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The removal is killed after deleting one entry (an ``rm`` that dies half way):
    the marker is deleted last, so what is left is still provably the build's."""
    real_rm = shutil.which("rm")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "rm").write_text(f'#!/bin/sh\nshift 2\n{real_rm} -rf -- "$1"\nkill -9 $$\n')
    (fake / "rm").chmod(0o755)
    out = tmp_path / "out"
    staged_build(out, {"a.html": b"a"})
    old = marked_folder(tmp_path / ".out.old-1-2")
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    proc = remove_in_background(old)
    assert proc is not None and proc.wait(20) != 0
    left = sorted(p.name for p in old.iterdir())
    assert MARKER in left and len(left) == 20      # one page gone, then killed
    monkeypatch.undo()
    assert unproven_leftovers(out) == []
    InPlaceOutput(out).discard()                    # an incremental build clears it too
    wait_gone([old])


def test_remove_marked_deletes_the_marker_last(tmp_path: Path) -> None:
    folder = marked_folder(tmp_path / ".out.old-3-4")
    remove_marked(folder)
    assert not folder.exists()


@pytest.mark.parametrize("kind", ["staging", "pending"])
def test_leftover_work_folders_are_cleared_by_either_kind_of_build(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    staged_build(out, {"a.html": b"a"})
    left = marked_folder(tmp_path / f".out.{kind}-999999999")   # no such process
    empty = tmp_path / f".out.{kind}-999999998"
    empty.mkdir()
    writer = InPlaceOutput(out)
    assert not empty.exists()
    writer.put("a.html", b"b")
    writer.finish({"a.html", MARKER}, {"a.html", MARKER})
    writer.commit()
    wait_gone([left, writer.pending])
    assert tree_bytes(out) == {"a.html": b"b", MARKER: (out / MARKER).read_bytes()}


def test_a_running_builds_folders_and_unmarked_lookalikes_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    staged_build(out, {"a.html": b"a"})
    running = marked_folder(tmp_path / f".out.staging-{os.getppid()}")   # a live process: at work
    unmarked = tmp_path / ".out.old-5-6"                                  # the marker is the proof
    (unmarked / "x").mkdir(parents=True)
    (unmarked / "x" / "notes.txt").write_text("keep")
    clear_leftovers(out)
    staged_build(out, {"a.html": b"b"})
    time.sleep(0.1)
    assert (running / MARKER).is_file() and len(list(running.iterdir())) == 21
    assert (unmarked / "x" / "notes.txt").read_text() == "keep"
    assert unproven_leftovers(out) == [unmarked]


def test_the_build_names_a_lookalike_it_will_not_delete(site: Path) -> None:
    assert run_cli(site, "build").code == 0
    lookalike = site / ".output.old-7-8"
    lookalike.mkdir()
    (lookalike / "draft.md").write_text("mine")
    run = run_cli(site, "build", "--no-cache")
    assert run.code == 0, run.err
    assert "note: .output.old-7-8 looks like a leftover of an interrupted build" in run.err
    assert (lookalike / "draft.md").read_text() == "mine"


@pytest.mark.parametrize("how", ["full", "in place"])
def test_a_build_killed_at_any_point_leaves_nothing_the_next_build_keeps(big_site: Path, how: str) -> None:
    """SIGKILL a real build once its work folder exists (whenever that lands, before, during or
    after the swap), then build again: no staging, pending or replaced folder survives, whether
    the next build has nothing to do (after the killed --no-cache build) or works in place."""
    assert run_cli(big_site, "build").code == 0
    args = ["--no-cache"] if how == "full" else []
    if how == "in place":
        for page in (big_site / "content").glob("article-*.md"):
            page.write_text(page.read_text() + "\nOne more line.\n")
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--root", str(big_site), "-q", "build",
                             "--jobs", "1", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if any((p / MARKER).exists() for p in big_site.glob(".output.*-*")):
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(30)
    run = run_cli(big_site, "build")     # "full": nothing changed since the last good build (no-op)
    assert run.code == 0, run.err
    assert "note:" not in run.err
    wait_gone(list(big_site.glob(".output.*")))
    assert (big_site / "output" / "article-000" / "index.html").is_file()
