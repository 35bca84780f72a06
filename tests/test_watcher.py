"""The preview's change detection (engine/serve/watcher.py) on real folders: with the
operating system's notifications it walks the sources only when told something changed,
and it still reports every kind of change exactly."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from engine.serve import watcher as watchmod
from engine.serve.watcher import ADDED, CHANGED, DELETED, SourceWatcher


def make_sources(root: Path) -> list[Path]:
    (root / "content" / "guides").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "content" / "calf.md").write_text("calf\n", encoding="utf-8")
    (root / "content" / "guides" / "toe.md").write_text("toe\n", encoding="utf-8")
    (root / "data" / "site.yaml").write_text("title: x\n", encoding="utf-8")
    return [root / "content", root / "data", root / "schemas", root / "data" / "site.yaml"]


class Counting(SourceWatcher):
    """The real watcher, counting its walks of the folders."""

    walks = 0

    def _take(self):  # type: ignore[no-untyped-def]
        self.walks += 1
        return super()._take()


def changes_within(watcher: SourceWatcher, seconds: float = 5.0) -> list[tuple[str, str]]:
    """Scan as the server does (every few ms) until something is reported."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = watcher.scan()
        if found:
            return [(c.path.name, c.kind) for c in found]
        time.sleep(0.01)
    return []


@pytest.fixture()
def watched(tmp_path: Path):
    watcher = Counting(make_sources(tmp_path))
    assert watcher.notes is not None, "watchdog should give notifications on this machine"
    yield tmp_path, watcher
    watcher.close()


def test_an_idle_watcher_does_not_walk_the_folders(watched) -> None:
    root, watcher = watched
    time.sleep(0.2)
    watcher.scan()               # anything reported while setting up
    walks = watcher.walks
    for _ in range(50):
        assert watcher.scan() == []
    assert watcher.walks == walks
    (root / "content" / "calf.md").read_text(encoding="utf-8")   # reading is not a change
    time.sleep(0.2)
    assert watcher.scan() == [] and watcher.walks == walks


def test_every_kind_of_change_is_reported(watched, monkeypatch: pytest.MonkeyPatch) -> None:
    root, watcher = watched
    monkeypatch.setattr(watchmod, "RESCAN_EVERY", 3600.0)   # found through notifications only
    calf = root / "content" / "calf.md"
    calf.write_text("calf, edited\n", encoding="utf-8")
    assert changes_within(watcher) == [("calf.md", CHANGED)]
    (root / "content" / "guides" / "new.md").write_text("new\n", encoding="utf-8")
    assert changes_within(watcher) == [("new.md", ADDED)]
    tmp = root / "content" / "guides" / ".toe.md.swp"
    tmp.write_text("toe, saved by renaming\n", encoding="utf-8")
    os.replace(tmp, root / "content" / "guides" / "toe.md")
    assert changes_within(watcher) == [("toe.md", CHANGED)]
    (root / "content" / "guides" / "new.md").unlink()
    assert changes_within(watcher) == [("new.md", DELETED)]
    (root / "schemas").mkdir()   # a watched folder made after the start (its parent is watched)
    (root / "schemas" / "x.schema.json").write_text("{}", encoding="utf-8")
    assert changes_within(watcher) == [("x.schema.json", ADDED)]


def test_a_file_written_in_place_is_stat_ed_alone(watched, monkeypatch: pytest.MonkeyPatch) -> None:
    """Saving an article (in place, or an editor's hidden temporary file renamed over it)
    looks at that file only; a file added, deleted or renamed walks the folders."""
    root, watcher = watched
    monkeypatch.setattr(watchmod, "RESCAN_EVERY", 3600.0)
    time.sleep(0.2)
    watcher.scan()
    walks = watcher.walks
    calf = root / "content" / "calf.md"
    calf.write_text("calf, edited in place\n", encoding="utf-8")
    assert changes_within(watcher) == [("calf.md", CHANGED)]
    tmp = root / "content" / "guides" / ".toe.md.tmp"
    tmp.write_text("toe, saved by renaming\n", encoding="utf-8")
    os.replace(tmp, root / "content" / "guides" / "toe.md")
    assert changes_within(watcher) == [("toe.md", CHANGED)]
    assert watcher.walks == walks
    (root / "content" / "added.md").write_text("added\n", encoding="utf-8")
    assert changes_within(watcher) == [("added.md", ADDED)]
    assert watcher.walks == walks + 1
    os.replace(root / "content" / "added.md", root / "content" / "renamed.md")
    assert sorted(changes_within(watcher)) == [("added.md", DELETED), ("renamed.md", ADDED)]
    assert watcher.walks == walks + 2


def test_a_custom_walk_is_used_and_patched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview's walk (cache.input_stats, by path inside the project): asked for a full
    walk at the start and after an addition, for the written files after a save."""
    from engine.incremental.cache import input_stats, restat
    from engine.project import Project

    monkeypatch.setattr(watchmod, "RESCAN_EVERY", 3600.0)
    paths = make_sources(tmp_path)
    project = Project(tmp_path)
    calls: list[object] = []

    def walk(written):  # type: ignore[no-untyped-def]
        calls.append(written and sorted(os.path.basename(p) for p in written))
        if written is not None:
            walked = restat(watcher.latest, tmp_path, written)
            return None if walked is None else (walked[0], walked)
        found: dict = {}
        stats = input_stats(project, found)
        return stats, (stats, found)

    watcher = SourceWatcher(paths, walk=walk, root=tmp_path)
    try:
        time.sleep(0.2)
        watcher.scan()
        calls.clear()
        (tmp_path / "content" / "calf.md").write_text("calf, edited\n", encoding="utf-8")
        assert changes_within(watcher) == [("calf.md", CHANGED)]
        assert calls == [["calf.md"]]
        fresh: dict = {}
        assert watcher.latest == (input_stats(project, fresh), fresh)
        (tmp_path / "content" / "added.md").write_text("added\n", encoding="utf-8")
        assert changes_within(watcher) == [("added.md", ADDED)]
        assert calls[-1] is None
    finally:
        watcher.close()


def test_a_change_without_a_notification_is_found_by_the_periodic_walk(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    watcher = Counting(make_sources(tmp_path))
    try:
        watcher.notes.close()                      # as if the file system sent nothing
        time.sleep(0.1)
        watcher.scan()
        (tmp_path / "content" / "calf.md").write_text("calf, edited\n", encoding="utf-8")
        assert watcher.scan() == []                # no notification, no walk yet
        monkeypatch.setattr(watchmod, "RESCAN_EVERY", 0.0)
        assert changes_within(watcher, 1.0) == [("calf.md", CHANGED)]
    finally:
        watcher.close()


def test_without_notifications_every_scan_walks(tmp_path: Path) -> None:
    watcher = Counting(make_sources(tmp_path), notify=False)
    assert watcher.notes is None
    walks = watcher.walks
    (tmp_path / "data" / "site.yaml").write_text("title: y\n", encoding="utf-8")
    assert [(c.path.name, c.kind) for c in watcher.scan()] == [("site.yaml", CHANGED)]
    assert watcher.scan() == [] and watcher.walks == walks + 2
