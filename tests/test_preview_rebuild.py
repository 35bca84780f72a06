"""The live preview's rebuilds (IncrementalBuilder with ``settle_later``): the site model
patched in place after body edits, the output folder taken on trust between settles, and
the cache written after the fact, all give exactly what a build from scratch gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.incremental.cache import input_stats, load, restat
from engine.diagnostics import ContentError
from engine.serve.rebuild import IncrementalBuilder
from engine.pipeline import build
from engine.project import Project

from conftest import tree_bytes
from test_incremental import Site, backdate, outcome_dir


def rebuild(builder: IncrementalBuilder, site: Site, tmp: Path) -> None:
    """One preview rebuild and settle, then the output compared with a cold build's."""
    try:
        builder.rebuild()
    except ContentError:
        with pytest.raises(ContentError):
            build(site.project, tmp / "cold")
        return
    finally:
        assert builder.settle() is False     # nothing but the preview wrote to output/
    assert tree_bytes(builder.out) == tree_bytes(outcome_dir(site.project, tmp / "cold"))


def preview(site_dir: Path, tmp: Path) -> tuple[Site, IncrementalBuilder]:
    site = Site(site_dir)
    builder = IncrementalBuilder(site.project, tmp / "out", settle_later=True)
    rebuild(builder, site, tmp)
    return site, builder


def test_a_body_edit_patches_the_model_and_anything_else_builds_a_new_one(site: Path, tmp_path: Path) -> None:
    s, builder = preview(site, tmp_path)
    model = builder.state.model
    assert model is not None
    first = model.site
    calf = site / "content" / "calf-cramps.md"
    s.write(calf, calf.read_text(encoding="utf-8") + "\nA sentence added below the front matter.\n")
    rebuild(builder, s, tmp_path)
    assert builder.state.model.site is first          # patched, not built again
    page = next(p for p in first.pages if p.rel == "content/calf-cramps.md")
    assert "A sentence added below" in page.source.body
    assert "A sentence added below" in (builder.out / "calf-cramps" / "index.html").read_text(encoding="utf-8")
    for edit, args in [("change_title", (0,)), ("edit_record", (0,)), ("add_article", ("calf", False, "ref-one")),
                       ("delete", (0,))]:
        before = builder.state.model.site
        getattr(s, edit)(*args)
        rebuild(builder, s, tmp_path)
        assert builder.state.model.site is not before, edit


def test_a_preview_session_equals_builds_from_scratch(site: Path, tmp_path: Path) -> None:
    """Every kind of edit, body edits between them (each patches the model the one before
    left), and a broken body that is then mended."""
    s, builder = preview(site, tmp_path)
    steps = [("change_body", 0), ("change_body", 1), ("change_title", 1), ("change_body", 1),
             ("add_article", "calf", True, "ref-two"), ("change_body", 2), ("edit_record", 1),
             ("change_body", 0), ("toggle_membership", 0, "leg"), ("change_body", 0),
             ("edit_template", "article.html"), ("change_body", 1), ("edit_reference", "ref-two"),
             ("change_body", 2), ("edit_stylesheet",), ("change_body", 0), ("rename", 1), ("change_body", 1),
             ("delete", 0), ("change_body", 0), ("change_description", 0), ("change_body", 0)]
    for name, *args in steps:
        getattr(s, name)(*args)
        rebuild(builder, s, tmp_path)
    article = s.articles()[0]
    good = article.read_text(encoding="utf-8")
    s.write(article, good + "\nCited from nowhere [@no-such-reference].\n")
    before = tree_bytes(builder.out)
    rebuild(builder, s, tmp_path)                       # an error ...
    assert tree_bytes(builder.out) == before            # ... and output/ as it was
    s.write(article, good + "\nMended.\n")
    rebuild(builder, s, tmp_path)


def test_damage_to_the_output_is_found_by_settle_and_repaired(site: Path, tmp_path: Path) -> None:
    s, builder = preview(site, tmp_path)
    assert builder.state.outputs_verified
    (builder.out / "index.html").unlink()               # by hand, while the preview runs
    calf = site / "content" / "calf-cramps.md"
    s.write(calf, calf.read_text(encoding="utf-8") + "\nAnother sentence.\n")
    builder.rebuild()                                   # trusts output/: the home page is not looked at
    assert not (builder.out / "index.html").exists()
    assert builder.settle() is True                     # ... but settle finds it gone
    builder.rebuild()
    assert builder.settle() is False
    assert tree_bytes(builder.out) == tree_bytes(outcome_dir(s.project, tmp_path / "cold"))


def test_the_cache_reaches_disk_at_settle(site: Path, tmp_path: Path) -> None:
    s, builder = preview(site, tmp_path)
    backdate(site)
    calf = site / "content" / "calf-cramps.md"
    s.write(calf, calf.read_text(encoding="utf-8") + "\nSaved at settle.\n")
    builder.rebuild()
    on_disk = load(s.project, builder.out)
    assert on_disk is not None and on_disk.started_ns != builder.state.cache.started_ns
    builder.settle()
    assert load(s.project, builder.out).started_ns == builder.state.cache.started_ns
    os.utime(calf, (1_700_000_000, 1_700_000_000))      # out of the racy window, as minutes later
    builder.rebuild()
    builder.settle()
    again = build(s.project, builder.out, use_cache=True)   # a command-line build after the session
    assert again.skipped


def test_restat_equals_a_new_walk_after_writes_in_place(site: Path) -> None:
    project = Project(site)
    found: dict = {}
    walk = (input_stats(project, found), found)
    calf = site / "content" / "calf-cramps.md"
    calf.write_text(calf.read_text(encoding="utf-8") + "\nx\n", encoding="utf-8")
    patched = restat(walk, project.root, [str(calf)])
    fresh: dict = {}
    assert patched == (input_stats(project, fresh), fresh)
    assert walk[0]["content/calf-cramps.md"] != patched[0]["content/calf-cramps.md"]   # not changed in place
    new = site / "content" / "new.md"
    new.write_text("new\n", encoding="utf-8")
    assert restat(walk, project.root, [str(new)]) is None                 # added: a walk must say
    assert restat(walk, project.root, [str(site / "README.md")]) is None   # not a source
    calf.unlink()
    assert restat(walk, project.root, [str(calf)]) is None                # gone
