"""engine.load.sources.outside_project: nothing that leads out of the project folder is read or published."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import make_project, tree_bytes
from engine.cli import main
from engine.project import Project
from engine.load.sources import outside_project


@pytest.fixture()
def elsewhere(tmp_path: Path) -> Path:
    """A folder beside the project, with an article and a secret in it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "stolen.md").write_text("---\ntitle: Stolen\n---\nSecret text.\n", encoding="utf-8")
    (folder / "secret.txt").write_text("password\n", encoding="utf-8")
    return folder


def messages(root: Path) -> list[str]:
    return [d.format() for d in outside_project(Project(root.resolve()))]


@pytest.mark.parametrize("link, target", [
    ("content/stolen.md", "stolen.md"),
    ("content/guides", "."),
    ("static/secret.txt", "secret.txt"),
    ("static/img/deep/secret.txt", "secret.txt"),
    ("data/extra.yaml", "secret.txt"),
    ("templates/partials/evil.html", "secret.txt"),
    ("schemas/extra.schema.json", "secret.txt"),
    ("data/site.yaml", "secret.txt"),
    ("static/gone.txt", "no-such-file"),          # a dangling link out is refused too
])
def test_every_link_out_of_the_project_is_refused(site: Path, elsewhere: Path, link: str, target: str) -> None:
    path = site / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.symlink_to(elsewhere / target)
    found = messages(site)
    assert len(found) == 1 and found[0].startswith(f"{link}: error: this "), found
    assert "outside the project folder" in found[0] and f"rm {link}" in found[0]


@pytest.mark.parametrize("folder", ["content", "data", "templates", "static", "schemas"])
def test_a_whole_source_folder_linked_out_is_refused(site: Path, elsewhere: Path, folder: str) -> None:
    top = site / folder
    if top.is_dir():
        os.rename(top, elsewhere / folder)
    top.symlink_to(elsewhere / folder if (elsewhere / folder).exists() else elsewhere)
    found = messages(site)
    assert len(found) == 1 and found[0].startswith(f"{folder}: error: this folder is a link to ")


def test_links_inside_the_project_and_loops_are_fine(site: Path) -> None:
    (site / "content" / "same.md").symlink_to(site / "content" / "calf-cramps.md")
    (site / "static").mkdir(exist_ok=True)
    (site / "static" / "again").symlink_to(site / "static")           # a loop: visited once
    (site / "static" / "up").symlink_to("..")                          # the project root itself
    (site / "content" / ".hidden").symlink_to("/etc")                  # hidden: never read by any walk
    assert messages(site) == []


def test_the_build_refuses_and_leaves_the_output_alone(site: Path, elsewhere: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(site), "-q", "build"]) == 0
    before = tree_bytes(site / "output")
    (site / "static").mkdir(exist_ok=True)
    (site / "static" / "passwd").symlink_to("/etc/passwd")
    (site / "content" / "stolen.md").symlink_to(elsewhere / "stolen.md")
    for command in ("build", "check"):
        assert main(["--root", str(site), command]) == 1
        err = capsys.readouterr().err
        assert "static/passwd: error: this file is a link to /etc/passwd" in err
        assert "content/stolen.md: error: this file is a link to" in err and "Traceback" not in err
    assert tree_bytes(site / "output") == before
    assert main(["--root", str(site), "build", "--no-cache"]) == 1
    assert tree_bytes(site / "output") == before


def test_a_project_reached_through_a_link_is_judged_by_its_real_folder(tmp_path: Path) -> None:
    real = make_project(tmp_path / "real")
    (tmp_path / "alias").symlink_to(real)
    (real / "content" / "same.md").symlink_to(real / "content" / "calf-cramps.md")
    assert messages(tmp_path / "alias") == []
