"""The broken-input corpus (tests/broken/): every kind of editor mistake, through the real command line.

Each folder in tests/broken/ holds files laid over the minimal fixture site;
tests/broken/manifest.json says where the error must be reported
(``file:line:col``) and what the message must say.  Every case checks:
exit status 1, the exact position and message, no traceback, and that the
output/ of a previous good build is byte-for-byte unchanged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import make_project, run_cli, tree_bytes
from engine.cli import main

BROKEN = Path(__file__).resolve().parent / "broken"
MANIFEST = json.loads((BROKEN / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("corpus") / "base")
    assert main(["--root", str(root), "-q", "build"]) == 0
    assert (root / "output" / "index.html").is_file()
    return root


def apply_case(entry: dict, base: Path, dest: Path) -> Path:
    shutil.copytree(base, dest, symlinks=True)
    folder = BROKEN / entry["case"]
    for path in sorted(folder.rglob("*")):
        target = dest / path.relative_to(folder)
        if path.is_symlink():          # a case about links: the link itself, as stored
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            target.symlink_to(path.readlink())
        elif path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    for rel in entry.get("delete", []):
        (dest / rel).unlink()
    return dest


def test_manifest_matches_folders() -> None:
    names = [entry["case"] for entry in MANIFEST]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
    assert len(names) >= 40


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["case"] for e in MANIFEST])
def test_broken_input(entry: dict, built_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = apply_case(entry, built_site, tmp_path / "site")
    before = tree_bytes(root / "output")
    command, *options = entry.get("command", "build").split()
    if entry.get("subprocess"):
        result = run_cli(root, command, *options)
        code, text = result.code, result.out + result.err
    else:
        code = main(["--root", str(root), command, *options])
        captured = capsys.readouterr()
        text = captured.out + captured.err
    assert code == 1, text
    assert "Traceback" not in text and "internal error" not in text, text
    lines = text.splitlines()
    prefix = entry["where"] + (": warning: " if "--strict" in options else ": error: ")
    found = [i for i, line in enumerate(lines) if line.startswith(prefix) and entry["message"] in line]
    assert found, f"expected '{prefix}...{entry['message']}' in:\n{text}"
    if "hint" in entry:
        hint_line = lines[found[0] + 1] if found[0] + 1 < len(lines) else ""
        assert hint_line.startswith("    hint: ") and entry["hint"] in hint_line, text
    assert f"{command}: " in text and ("nothing was written" in text or "--strict" in options)
    assert tree_bytes(root / "output") == before
