"""``build.py deploy``: strict clean build + link check, then gh-pages (ghp-import) or --to DIR."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import make_project, run_cli
from engine.publish.deploy import DEPLOY_MARKER
from engine.writer import MARKER

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


def make_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture: str | None) -> Path:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    root = make_project(tmp_path / "proj", fixture=fixture)
    (root / ".gitignore").write_text("/output/\n/.cache/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.org")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "site")
    return root


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real site in a fresh git repository."""
    return make_repo(tmp_path, monkeypatch, None)


@pytest.fixture
def small_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small fixture site in a fresh git repository (for the refusals: faster)."""
    return make_repo(tmp_path, monkeypatch, "minimal")


def test_deploy_to_gh_pages_branch(repo):
    run = run_cli(repo, "deploy")
    assert run.code == 0, run.err
    files = set(git(repo, "ls-tree", "-r", "--name-only", "gh-pages").split())
    assert {"index.html", "calf-cramps/index.html", "sitemap.xml", "robots.txt", "feed.xml", "404.html",
            "search/index.html", "pagefind/pagefind.js", ".nojekyll"} <= files
    assert MARKER not in files
    assert git(repo, "status", "--porcelain") == ""
    assert "main" in git(repo, "branch", "--show-current")


def test_deploy_refuses_uncommitted_changes_unless_forced(small_repo, tmp_path):
    page = small_repo / "content" / "calf-cramps.md"
    page.write_text(page.read_text() + "\nMore.\n")
    run = run_cli(small_repo, "deploy", "--to", str(tmp_path / "site"))
    assert run.code == 2
    assert "uncommitted" in run.err
    assert not (tmp_path / "site").exists()
    run = run_cli(small_repo, "deploy", "--force", "--to", str(tmp_path / "site"))
    assert run.code == 0, run.err


def test_deploy_refuses_a_failing_build(small_repo, tmp_path):
    page = small_repo / "content" / "calf-cramps.md"
    page.write_text(page.read_text() + "\nSee [@no-such-reference].\n")
    git(small_repo, "commit", "-qam", "break it")
    run = run_cli(small_repo, "deploy", "--to", str(tmp_path / "site"))
    assert run.code == 1
    assert "no-such-reference" in run.err
    assert not (tmp_path / "site").exists()
    assert "gh-pages" not in git(small_repo, "branch", "--list")


def test_deploy_refuses_broken_links(small_repo, tmp_path):
    page = small_repo / "content" / "calf-cramps.md"
    page.write_text(page.read_text() + "\nSee [this page](/no-such-page/).\n")
    git(small_repo, "commit", "-qam", "broken link")
    run = run_cli(small_repo, "deploy", "--to", str(tmp_path / "site"))
    assert run.code == 1
    assert "calf-cramps/index.html:" in run.err and "/no-such-page/" in run.err
    assert not (tmp_path / "site").exists()


def test_deploy_to_directory_copies_changes_and_deletes_removed_pages(repo, tmp_path):
    dest = tmp_path / "site"
    run = run_cli(repo, "deploy", "--to", str(dest))
    assert run.code == 0, run.err
    assert (dest / "toe-cramps" / "index.html").is_file() and (dest / DEPLOY_MARKER).is_file()
    assert not (dest / MARKER).exists()
    css = next((dest / "static" / "css").glob("site.*.css"))
    stamp = css.stat().st_mtime_ns
    # remove a page (and every link to it), then deploy again
    (repo / "content" / "toe-cramps.md").unlink()
    site_yaml = repo / "data" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("  - {title: Toe, url: /toe-cramps/}\n", ""))
    git(repo, "commit", "-qam", "remove toe cramps")
    run = run_cli(repo, "-v", "deploy", "--to", str(dest))
    assert run.code == 0, run.err + run.out
    assert not (dest / "toe-cramps").exists()
    assert "deleted" in run.out
    assert css.stat().st_mtime_ns == stamp  # unchanged files are not copied again
    assert "deleted toe-cramps/index.html" in run.out


def test_deploy_refuses_a_foreign_folder(small_repo, tmp_path):
    dest = tmp_path / "precious"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me")
    run = run_cli(small_repo, "deploy", "--to", str(dest))
    assert run.code == 2
    assert (dest / "notes.txt").read_text() == "keep me"
