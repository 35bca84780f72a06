"""Shared fixtures: real project folders on disk, and the real command line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_project(dest: Path, fixture: str | None = "minimal") -> Path:
    """A project folder: the real templates and static files plus fixture (or real) content and data."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("templates", "static", "schemas"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name)
    source = FIXTURES / fixture if fixture else ROOT
    for name in ("content", "data"):
        shutil.copytree(source / name, dest / name)
    return dest


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(root: Path, *args: str) -> Run:
    """Run ``build.py`` as a user would, in a subprocess."""
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=120)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A small fixture site (tests/fixtures/minimal) with the real templates."""
    return make_project(tmp_path / "site")


@pytest.fixture
def real_site(tmp_path: Path) -> Path:
    """A copy of the real site's content and data."""
    return make_project(tmp_path / "real", fixture=None)


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first *old* in a file by *new*, as an editor would; *old* must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def cli_text(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``build.py --root ROOT ARGS`` in this process: its exit status and everything it printed."""
    from engine.cli import main
    code = main(["--root", str(root), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


BIG_SITE_ARTICLE = """---
title: Article {n} on calf cramps
description: "Synthetic article {n}."
topic: calf
last_reviewed: 2026-01-01
next_review: 2030-01-01
---

Calf cramps, note {n}. Stretching may help.
"""


@pytest.fixture()
def big_site(tmp_path: Path) -> Path:
    """The minimal site plus enough articles for a build to render on a process pool."""
    from engine.render.parallel import MIN_PARALLEL_PAGES
    site = make_project(tmp_path / "site")
    for n in range(MIN_PARALLEL_PAGES + 20):
        (site / "content" / f"article-{n:03d}.md").write_text(BIG_SITE_ARTICLE.format(n=n), encoding="utf-8")
    return site
