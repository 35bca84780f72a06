"""``build.py where ID`` from the command line: pages that show or cite a record or reference."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from engine.commands.where import UnknownId, targets


def test_where_lists_pages_showing_a_record(real_site: Path) -> None:
    run = run_cli(real_site, "where", "magnesium")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert any(l.startswith("/nutrients/magnesium/ ") and "data/nutrients.yaml" in l
               and "(shows nutrients[magnesium])" in l for l in lines)
    assert any(l.startswith("/calf-cramps/ ") and "content/calf-cramps.md" in l for l in lines)
    assert not any(l.startswith("/search/") for l in lines)
    assert lines[-1].startswith("magnesium: ") and lines[-1].endswith(" pages")


def test_where_lists_pages_citing_a_reference(real_site: Path) -> None:
    run = run_cli(real_site, "where", "nhs-leg-cramps")
    assert run.code == 0, run.err
    assert "/calf-cramps/" in run.out and "(cites nhs-leg-cramps)" in run.out
    assert "/references/" in run.out and "(shows references[nhs-leg-cramps])" in run.out
    assert "/search/" not in run.out


def test_where_follows_an_edit_without_a_build(real_site: Path) -> None:
    """The answer is the sources' as they are now, never a stale cache's."""
    assert "/search/" not in run_cli(real_site, "where", "nhs-dvt").out
    page = real_site / "content" / "search.md"
    page.write_text(page.read_text() + "\nA clot in the leg needs urgent care, say the NHS pages [@nhs-dvt].\n")
    run = run_cli(real_site, "where", "nhs-dvt")
    assert run.code == 0, run.err
    assert "/search/" in run.out and "content/search.md" in run.out


def test_where_unknown_id_exits_1_with_a_hint(real_site: Path) -> None:
    run = run_cli(real_site, "where", "magnesum")
    assert run.code == 1
    assert "no record or reference has the id 'magnesum'" in run.err
    assert "did you mean 'magnesium'?" in run.err
    assert run.out == ""


def test_where_collection_prefix_and_unknown_collection() -> None:
    colls = {"nutrients": ["magnesium"], "faq_groups": ["causes"], "causes": ["age"]}
    assert targets("magnesium", colls) == [("nutrients", "magnesium")]
    assert targets("nutrients:magnesium", colls) == [("nutrients", "magnesium")]
    try:
        targets("causes:magnesium", colls)
    except UnknownId as exc:
        assert exc.suggestions == ["nutrients:magnesium"] or exc.suggestions
    else:
        raise AssertionError("expected UnknownId")
