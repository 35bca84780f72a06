"""The writers: the replaced output folder is removed in the background; in-place updates wait flat, then move."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import tree_bytes
from engine.writer import MARKER, InPlaceOutput, StagedOutput, remove_in_background


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
    pending = list(writer.pending.iterdir())
    assert len(pending) == 3 and all(p.is_file() for p in pending)
    assert (out / "a" / "index.html").read_bytes() == b"a"   # nothing visible before commit
    writer.finish({"a/index.html", "b/c/index.html", "new/deep/index.html", "d.html", MARKER},
                  {"a/index.html", "b/c/index.html", "d.html", MARKER})
    writer.commit()
    assert tree_bytes(out) == {"a/index.html": b"a2", "b/c/index.html": b"c2", "new/deep/index.html": b"n",
                               "d.html": b"d", MARKER: (out / MARKER).read_bytes()}
    assert not writer.pending.exists()
