"""The editor's saves (engine/serve/yamledit.py): only the changed lines differ."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest

from conftest import ROOT
from engine.serve import yamledit
from engine.serve.forms import plain

DATA_FILES = sorted((ROOT / "data").glob("*.yaml")) + sorted((ROOT / "tests" / "fixtures").glob("*/data/*.yaml"))


def changed_lines(before: str, after: str) -> list[str]:
    return [l for l in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
            if l[:1] in "+-" and not l.startswith(("+++", "---"))]


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_saving_unchanged_data_changes_nothing(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert yamledit.edited_text(source, plain(yamledit.load(source))) == source


def test_one_value_is_one_line_with_its_quotes() -> None:
    source = (ROOT / "data" / "nutrients.yaml").read_text(encoding="utf-8")
    data = plain(yamledit.load(source))
    data["nutrients"][0]["food_sources"]["items"][1] = "nuts and almonds"
    assert changed_lines(source, yamledit.edited_text(source, data)) == ['-        - "nuts"',
                                                                         '+        - "nuts and almonds"']


def test_a_file_ruamel_would_rewrap_keeps_its_layout() -> None:
    """references.yaml wraps long flow lists itself: an edit elsewhere leaves them alone."""
    source = (ROOT / "data" / "references.yaml").read_text(encoding="utf-8")
    data = plain(yamledit.load(source))
    data["references"][0]["publisher"] = "NIH ODS"
    lines = changed_lines(source, yamledit.edited_text(source, data))
    assert lines == ["-  publisher: NIH Office of Dietary Supplements", "+  publisher: NIH ODS"]


def test_lists_grow_shrink_and_reorder_dates_stay_dates() -> None:
    source = ("# top comment\nitems:  # the list\n  - id: a\n    when: 2026-01-02\n    tags: [x, y]\n\n"
              "  - id: b  # second\n    when: 2026-02-03\n    tags: [z]\n")
    data = plain(yamledit.load(source))
    data["items"][1]["tags"].append("w")
    data["items"].append({"id": "c", "when": "2026-03-04", "tags": []})
    text = yamledit.edited_text(source, data)
    assert text.startswith("# top comment\nitems:  # the list\n  - id: a\n")
    assert "  - id: b  # second\n" in text and "tags: [z, w]" in text
    loaded = yamledit.load(text)
    assert loaded["items"][0]["when"] == dt.date(2026, 1, 2)
    assert plain(loaded) == data
    data["items"] = [data["items"][1], data["items"][0]]        # reorder, drop c
    assert plain(yamledit.load(yamledit.edited_text(source, data))) == data


def test_a_change_ruamel_cannot_place_is_refused() -> None:
    """A value inside a flow list ruamel would wrap differently: refused, not reformatted."""
    source = (ROOT / "data" / "references.yaml").read_text(encoding="utf-8")
    data = plain(yamledit.load(source))
    wrapped = next(r for r in data["references"] if len(", ".join(r.get("supports", []))) > 120)
    wrapped["supports"] = wrapped["supports"][:-1]
    with pytest.raises(yamledit.CannotKeepFormat):
        yamledit.edited_text(source, data)
