"""The command line as users run it: sub-commands, exit codes, output folders."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, tree_bytes
from engine.cli import main


def cli(root: Path, *args: str) -> int:
    return main(["--root", str(root), *args])


@pytest.mark.parametrize("command", ["build", "check", "clean", "new"])
def test_every_subcommand_has_help(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(site: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli(site, "publish-everything")
    assert exit_info.value.code == 2


def test_build_writes_clean_urls(site: Path) -> None:
    assert cli(site, "build", "-q") == 0
    out = site / "output"
    assert (out / "index.html").is_file()
    assert (out / "calf-cramps" / "index.html").is_file()
    assert (out / "nutrients" / "magnesium" / "index.html").is_file()
    assert (out / "static" / "css" / "site.css").is_file() or any((out / "static" / "css").glob("site*.css"))


def test_output_option_and_quiet(site: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "elsewhere"
    assert cli(site, "build", "--output", str(target), "--quiet") == 0
    assert (target / "calf-cramps" / "index.html").is_file()
    assert capsys.readouterr().out == ""


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append(value)


def internal_urls(folder: Path) -> list[tuple[str, str]]:
    found = []
    for page in folder.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            if url.startswith(("#", "http://", "https://", "mailto:", "data:")):
                continue
            found.append((page.relative_to(folder).as_posix(), url))
    return found


def test_sub_path_base_url_prefixes_every_internal_link(site: Path) -> None:
    assert cli(site, "build", "-q", "--base-url", "https://example.org/health/") == 0
    urls = internal_urls(site / "output")
    assert urls, "expected internal links"
    bad = [(page, url) for page, url in urls if not url.startswith("/health/")]
    assert bad == []
    # the link written in Markdown as /calf-cramps/#key-points is rewritten too
    calf = (site / "output" / "calf-cramps" / "index.html").read_text()
    assert 'href="/health/calf-cramps/#key-points"' in calf


def test_real_site_sub_path(real_site: Path) -> None:
    assert run_cli(real_site, "build", "-q", "--base-url", "https://example.org/health/").code == 0
    bad = [(p, u) for p, u in internal_urls(real_site / "output") if not u.startswith("/health/")]
    assert bad == []


def test_two_builds_are_byte_identical(site: Path, tmp_path: Path) -> None:
    assert cli(site, "build", "-q", "--output", str(tmp_path / "a")) == 0
    assert cli(site, "build", "-q", "--output", str(tmp_path / "b")) == 0
    first, second = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert first == second
    assert len(first) > 5


def test_script_in_yaml_value_is_escaped(site: Path) -> None:
    faqs = site / "data" / "faqs.yaml"
    faqs.write_text(faqs.read_text().replace("Probably not for most people.",
                                             "Probably <script>alert(1)</script> not."))
    nutrients = site / "data" / "nutrients.yaml"
    nutrients.write_text(nutrients.read_text().replace('"nuts"', '"nuts <img src=x onerror=alert(1)>"'))
    assert cli(site, "build", "-q") == 0
    calf = (site / "output" / "calf-cramps" / "index.html").read_text()
    assert "<script>alert(1)</script>" not in calf
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in calf
    assert "<img src=x" not in calf and "&lt;img src=x onerror=alert(1)&gt;" in calf


def test_failed_build_leaves_previous_output_untouched(site: Path, capsys) -> None:
    assert cli(site, "build", "-q") == 0
    before = tree_bytes(site / "output")
    # an error only the render stage can find: a template using an undefined variable
    article = site / "templates" / "article.html"
    article.write_text(article.read_text().replace("{% block body %}", "{% block body %}{{ no_such_thing }}", 1))
    assert cli(site, "build") == 1
    err = capsys.readouterr().err
    assert "templates/article.html:" in err and "no_such_thing" in err
    assert "Traceback" not in err
    assert tree_bytes(site / "output") == before
    assert not [p for p in site.iterdir() if ".staging-" in p.name or ".old-" in p.name]


def test_content_error_exit_status_and_message(site: Path) -> None:
    calf = site / "content" / "calf-cramps.md"
    calf.write_text(calf.read_text().replace("[@ref-one]", "[@ref-nope]"))
    result = run_cli(site, "build")
    assert result.code == 1
    assert re.search(r"content/calf-cramps\.md:8:\d+: error: unknown reference id 'ref-nope'", result.err)
    assert "Traceback" not in result.err + result.out
    assert not (site / "output").exists()


def test_check_writes_nothing(site: Path) -> None:
    result = run_cli(site, "check")
    assert result.code == 0, result.err
    assert "0 errors" in result.out
    assert not (site / "output").exists()


@pytest.mark.parametrize("target", [".", "content", "data", "templates"])
def test_refuses_protected_output_folders(site: Path, target: str) -> None:
    before = tree_bytes(site / "content")
    assert cli(site, "build", "--output", str(site / target)) == 2
    assert cli(site, "clean", "--output", str(site / target)) == 2
    assert tree_bytes(site / "content") == before


def test_refuses_folder_not_made_by_the_tool(site: Path, tmp_path: Path, capsys) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    assert cli(site, "build", "--output", str(precious)) == 2
    assert cli(site, "clean", "--output", str(precious)) == 2
    assert (precious / "thesis.txt").read_text() == "do not delete"
    assert "not made by this tool" in capsys.readouterr().err


def test_an_output_folder_of_an_earlier_version_is_still_ours(site: Path, tmp_path: Path) -> None:
    """Output folders made before the engine had its own name carry the old marker: they are
    rebuilt (and then carry the new one), not refused as someone else's folder."""
    from engine.layout import MARKER, MARKER_TEXT
    old = tmp_path / "old-output"
    old.mkdir()
    (old / ".earlier-name-output").write_text(MARKER_TEXT)
    (old / "stale.html").write_text("<p>from an earlier build</p>")
    assert cli(site, "build", "-q", "--output", str(old)) == 0
    assert (old / MARKER).is_file() and (old / "index.html").is_file()
    assert not (old / "stale.html").exists()


def test_a_look_alike_marker_with_other_text_does_not_make_a_folder_ours(site: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / ".my-output").write_text("my own notes\n")
    (precious / "thesis.txt").write_text("do not delete")
    assert cli(site, "build", "-q", "--output", str(precious)) == 2
    assert (precious / "thesis.txt").read_text() == "do not delete"


def test_clean_removes_output(site: Path) -> None:
    assert cli(site, "build", "-q") == 0
    assert cli(site, "clean", "-q") == 0
    assert not (site / "output").exists()
    assert cli(site, "clean", "-q") == 0  # nothing to remove is fine


def test_new_article_scaffold_builds(real_site: Path) -> None:
    assert cli(real_site, "new", "article", "Calf cramps at night", "--topic", "calf", "-q") == 0
    created = real_site / "content" / "calf-cramps-at-night.md"
    text = created.read_text()
    assert text.startswith("---\ntitle: \"Calf cramps at night\"\n")
    assert "topic: calf" in text
    assert cli(real_site, "new", "article", "Calf cramps at night") == 2  # exists already
    assert run_cli(real_site, "build", "-q").code == 0
    assert (real_site / "output" / "calf-cramps-at-night" / "index.html").is_file()


def test_new_topic_needs_its_warning_signs_before_it_builds(real_site: Path) -> None:
    """A page on a topic no data covers yet builds only once the safety records cover it."""
    assert cli(real_site, "new", "article", "Hand cramps", "-q") == 0
    page = real_site / "content" / "hand-cramps.md"
    lines = page.read_text().split("\n")
    assert lines[3].startswith("# topic: ") and lines[4].startswith("#   ")
    page.write_text("\n".join(lines[:3] + ["topic: hand"] + lines[5:]))
    result = run_cli(real_site, "build", "-q")
    assert result.code == 1
    assert "content/hand-cramps.md:4:8: error: every article must show at least one emergency (999) warning sign" \
        in result.err


def test_new_article_does_not_invent_a_topic(real_site: Path) -> None:
    """'Night cramps ...' gives no 'topic: night': the topic is left commented, listing the site's
    topics (from topics: in site.yaml, values and the ids of its collections)."""
    run = run_cli(real_site, "new", "article", "Night cramps in older adults")
    assert run.code == 0, run.err
    text = (real_site / "content" / "night-cramps-in-older-adults.md").read_text()
    front = text.split("---\n")[1]
    assert "topic: night" not in text and not re.search(r"^topic:", front, re.M)
    comment = [line for line in front.splitlines() if line.startswith("#")]
    assert comment and "ankle, calf, foot, toe, leg" in " ".join(comment) and "magnesium" in " ".join(comment)
    # an unknown --topic is not written either; the user is told why
    run = run_cli(real_site, "new", "article", "Night cramps", "--topic", "night")
    assert run.code == 0 and "'night' is not a topic of this site" in run.err
    assert "\ntopic:" not in (real_site / "content" / "night-cramps.md").read_text()
    # a known one is
    assert cli(real_site, "new", "article", "Cramps after running", "--topic", "calf", "-q") == 0
    assert "\ntopic: calf\n" in (real_site / "content" / "cramps-after-running.md").read_text()


def test_unfinished_scaffold_fails_check_strict(real_site: Path) -> None:
    """The scaffold builds (so the preview shows it), but its placeholder text is a warning per
    place to fill in, so check --strict (and deploy) refuse it until it is written."""
    assert cli(real_site, "new", "article", "Night cramps in older adults", "-q") == 0
    rel = "content/night-cramps-in-older-adults.md"
    assert run_cli(real_site, "check").code == 0
    run = run_cli(real_site, "check", "--strict")
    assert run.code == 1
    assert f"{rel}:3:14: warning: 'description' is still the scaffold's placeholder text" in run.err
    assert f"{rel}:10:1: warning: placeholder text from the scaffold: this page is unfinished" in run.err
    # finishing one place removes its warning; the rest stay
    page = real_site / rel
    page.write_text(page.read_text().replace(
        "TODO: one or two sentences for search results and link previews (at most 160 characters).",
        "Why cramps wake older adults at night, and what helps."))
    run = run_cli(real_site, "check", "--strict")
    assert run.code == 1 and "'description'" not in run.err and f"{rel}:10:1:" in run.err


def test_placeholder_marker_in_code_is_not_a_placeholder() -> None:
    from engine.validate.statements import check_placeholders
    body = "Write `TODO` in code.\n\n```\nTODO inside a fence\n```\n\nA TODO left here.\n"
    found = check_placeholders("content/x.md", None, body, 5)
    assert [(d.line, d.col) for d in found] == [(11, 3)]


def test_new_article_rejects_unusable_title(site: Path) -> None:
    assert cli(site, "new", "article", "!!!") == 2


def test_output_tilde_is_the_home_folder(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'--output=~/x' reaches the tool unexpanded (the shell expands '~' only at a word's start)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(site)
    assert cli(site, "build", "-q", "--output=~/public") == 0
    assert (home / "public" / "index.html").is_file()
    assert not (site / "~").exists()
    assert cli(site, "clean", "--output", "~/public") == 0
    assert not (home / "public").exists()


def test_output_tilde_user_that_does_not_exist_is_refused(site: Path, capsys) -> None:
    assert cli(site, "build", "--output", "~no-such-user-here/site") == 2
    err = capsys.readouterr().err
    assert "there is no user 'no-such-user-here'" in err and "full path" in err
    assert not (site / "~no-such-user-here").exists()


# -- a Python without the dependencies (outside .venv) ------------------------------

def bare_python(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``build.py`` under this Python with no site-packages at all (``-I -S``): the standard
    library only, as a system ``python3`` without the project's packages."""
    return subprocess.run([sys.executable, "-I", "-S", str(script), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", [["check"], ["build"], ["-q", "check", "--strict"], ["serve", "--port", "0"],
                                     ["deploy", "--to", "elsewhere"]])
def test_missing_dependencies_are_named_with_the_way_to_get_them(site: Path, tmp_path: Path,
                                                                 command: list[str]) -> None:
    tool = tmp_path / "tool"              # the tool without a .venv beside it
    tool.mkdir()
    shutil.copy2(ROOT / "build.py", tool / "build.py")
    shutil.copytree(ROOT / "engine", tool / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    proc = bare_python(tool / "build.py", "--root", str(site), *command, cwd=tool)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "is not installed" in proc.stderr and "dependencies are missing" in proc.stderr
    assert "run 'make build' once" in proc.stderr
    assert f".venv/bin/python build.py --root {site} {shlex.join(command)}" in proc.stderr
    assert not (site / "output").exists() and not (tool / "elsewhere").exists()


def test_with_a_venv_beside_it_the_message_names_its_python(tmp_path: Path) -> None:
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv (make build makes one)")
    proc = bare_python(ROOT / "build.py", "check", cwd=tmp_path)       # run from another folder
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{ROOT / '.venv' / 'bin' / 'python'} {ROOT / 'build.py'} check" in proc.stderr


def test_a_missing_engine_module_is_still_a_bug() -> None:
    from engine.environment import is_missing_dependency
    assert is_missing_dependency(ModuleNotFoundError("No module named 'markdown'", name="markdown"))
    assert is_missing_dependency(ModuleNotFoundError("x", name="yaml._yaml"))
    assert not is_missing_dependency(ModuleNotFoundError("x", name="engine.nothing"))
    assert not is_missing_dependency(ImportError("x"))


def test_new_refuses_a_slug_too_long_for_a_file_name(site: Path) -> None:
    run = run_cli(site, "new", "article", "Cramps " * 60)
    assert run.code == 2 and "characters long; give a shorter one" in run.err
    assert "Traceback" not in run.err and "internal error" not in run.err
    assert sorted(p.name for p in (site / "content").iterdir()) == ["calf-cramps.md", "index.md"]


def test_a_file_system_refusal_is_an_error_message_not_a_bug_report(site: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output's parent folder should be")
    run = run_cli(site, "build", "--output", str(blocker / "out"))
    assert run.code == 2, run.err
    assert "build.py build: error:" in run.err and str(blocker) in run.err
    assert "Traceback" not in run.err and "internal error" not in run.err
