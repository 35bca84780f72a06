"""The build cache on disk: a delta after a small change, a full file after a large one,
and the dependency table's numbering (engine/incremental/cache.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.incremental import cache as cachemod, store
from engine.incremental.cache import BuildCache, DepTable, PageEntry, pack_ids, unpack_ids
from engine.pipeline import build
from engine.project import Project

from test_incremental import Site, backdate


def entry(ids: list[int]) -> PageEntry:
    return PageEntry("self", pack_ids(ids), frozenset(), (), "html")


def test_packed_ids_round_trip_small_and_large() -> None:
    assert list(unpack_ids(pack_ids([3, 1, 2]))) == [1, 2, 3]
    assert list(unpack_ids(pack_ids([70_000, 5]))) == [5, 70_000]
    assert list(unpack_ids(pack_ids([]))) == []


def test_changed_reports_only_wanted_keys_whose_value_differs() -> None:
    table = DepTable([("file", "a"), ("listing", "x"), ("template", "t")], ["1", "2", "3"])
    now = {("file", "a"): "1", ("listing", "x"): "new", ("template", "t"): "new"}
    changed, values = table.changed(now.__getitem__, lambda dep: dep[0] != "listing")
    assert changed == {2}
    assert values == ["1", "2", "new"]      # the listing keeps its recorded value


def test_compact_renumbers_only_when_most_numbers_are_unused() -> None:
    keys = [("record", f"r:{i}") for i in range(200)]
    cache = BuildCache(deps=DepTable(keys, [str(i) for i in range(200)]),
                       pages={"a.html": entry([5, 150]), "b.html": entry([150])},
                       site_deps={"feed.xml": pack_ids([199])})
    cachemod.compact(cache)
    assert cache.deps.keys == [keys[5], keys[150], keys[199]]
    assert cache.deps.values == ["5", "150", "199"]
    assert list(unpack_ids(cache.pages["a.html"].deps)) == [0, 1]
    assert list(unpack_ids(cache.pages["b.html"].deps)) == [1]
    assert list(unpack_ids(cache.site_deps["feed.xml"])) == [2]
    before = cache.deps
    cachemod.compact(cache)              # nothing unused now: left alone
    assert cache.deps is before


def test_a_small_change_writes_a_delta_and_a_large_one_a_full_file(site: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "DELTA_MIN", 1)            # the fixture site has a dozen pages
    s = Site(site)
    project = Project(site)
    out = tmp_path / "out"
    build(project, out, use_cache=True)
    full, delta = cachemod.cache_file(project, out), cachemod.delta_file(project, out)
    assert full.is_file() and not delta.exists()
    written = full.read_bytes()
    s.change_body(0)
    backdate(site)
    build(project, out, use_cache=True)
    assert delta.is_file() and full.read_bytes() == written
    loaded = cachemod.load(project, out)
    assert loaded is not None and loaded.origin is not None
    other = tmp_path / "other"
    build(project, other, use_cache=True)                   # the same pages, from scratch
    cold = cachemod.load(project, other)
    assert cold is not None
    assert {rel: e.html for rel, e in loaded.pages.items()} == {rel: e.html for rel, e in cold.pages.items()}
    s.edit_template("base.html")                            # every page changes
    backdate(site)
    build(project, out, use_cache=True)
    assert not delta.exists() and full.read_bytes() != written


def test_a_delta_for_another_full_file_is_ignored(site: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "DELTA_MIN", 1)
    s = Site(site)
    project = Project(site)
    out = tmp_path / "out"
    build(project, out, use_cache=True)
    s.change_body(0)
    backdate(site)
    build(project, out, use_cache=True)
    delta = cachemod.delta_file(project, out)
    stale = delta.read_bytes()
    s.edit_template("base.html")
    backdate(site)
    build(project, out, use_cache=True)                      # a new full file
    delta.write_bytes(stale)                                  # made against the old one
    loaded = cachemod.load(project, out)
    _base_id, base = store.read(cachemod.cache_file(project, out), cachemod.header())
    assert loaded is not None
    assert {rel: e.html for rel, e in loaded.pages.items()} == {rel: e.html for rel, e in base.pages.items()}


def test_dependency_versions_from_folder_names_match_importlib_metadata() -> None:
    from importlib import metadata
    installed = cachemod._installed_versions()
    for name in cachemod.DEPENDENCIES:
        assert cachemod._module_version(name, installed) == metadata.version(name)
    assert cachemod._module_version("no-such-project-xyz", installed) == "-"
