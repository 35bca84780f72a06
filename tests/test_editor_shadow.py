"""The editor's warm checks (engine/serve/shadow.py) say what a check from scratch says."""

from __future__ import annotations

from pathlib import Path

from engine.project import Project
from engine.serve import yamledit
from engine.serve.editbase import check_with
from engine.serve.forms import plain
from engine.serve.shadow import ShadowChecker


def formatted(diagnostics: list) -> list[str]:
    return sorted(d.format() for d in diagnostics)


def test_shadow_checks_match_a_full_check_and_follow_the_project(real_site: Path) -> None:
    project = Project(real_site)
    checker = ShadowChecker(project)
    rel = "data/nutrients.yaml"
    path = real_site / rel
    try:
        source = path.read_text()
        data = plain(yamledit.load(source))
        data["nutrients"][0]["name"] = ""
        bad = yamledit.edited_text(source, data)
        found = checker.check(rel, bad)
        assert "data/nutrients.yaml:12:11: error: 'name' must not be empty [nutrients[magnesium].name]" \
            in "\n".join(formatted(found))
        assert formatted(found) == formatted(check_with(project, rel, bad))
        assert path.read_text() == source                      # the project is never touched
        assert checker.check(rel, source) == []                 # the copy is put back from the project
        # a change saved in the project by something else is in the copy at the next check
        article = real_site / "content" / "calf-cramps.md"
        article.write_text(article.read_text().replace("topic: calf", "topic: calf\ntemplate: nope.html", 1))
        found = checker.check(rel, source)
        assert any("unknown template 'nope.html'" in d.message for d in found)
        assert formatted(found) == formatted(check_with(project, rel, source))
    finally:
        checker.close()
    assert checker.folder is None
