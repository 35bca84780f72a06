"""``build.py deploy``: strict clean build + link check, then gh-pages (ghp-import) or --to DIR."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import make_project, run_cli, tree_bytes
from engine.publish.deploy import DEPLOY_MARKER
from engine.layout import MARKER
from test_serve import serve  # noqa: F401  (the real preview server in a subprocess)

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


HTTPS = ("--base-url", "https://example.org/health/")


def test_deploy_to_gh_pages_branch(repo):
    run = run_cli(repo, "deploy", *HTTPS)
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
    run = run_cli(small_repo, "deploy", *HTTPS, "--to", str(tmp_path / "site"))
    assert run.code == 2
    assert "uncommitted" in run.err
    assert not (tmp_path / "site").exists()
    run = run_cli(small_repo, "deploy", *HTTPS, "--force", "--to", str(tmp_path / "site"))
    assert run.code == 0, run.err


def test_deploy_refuses_a_failing_build(small_repo, tmp_path):
    page = small_repo / "content" / "calf-cramps.md"
    page.write_text(page.read_text() + "\nSee [@no-such-reference].\n")
    git(small_repo, "commit", "-qam", "break it")
    run = run_cli(small_repo, "deploy", *HTTPS, "--to", str(tmp_path / "site"))
    assert run.code == 1
    assert "no-such-reference" in run.err
    assert not (tmp_path / "site").exists()
    assert "gh-pages" not in git(small_repo, "branch", "--list")


def test_deploy_refuses_broken_links(small_repo, tmp_path):
    page = small_repo / "content" / "calf-cramps.md"
    page.write_text(page.read_text() + "\nSee [this page](/no-such-page/).\n")
    git(small_repo, "commit", "-qam", "broken link")
    run = run_cli(small_repo, "deploy", *HTTPS, "--to", str(tmp_path / "site"))
    assert run.code == 1
    assert "calf-cramps/index.html:" in run.err and "/no-such-page/" in run.err
    assert not (tmp_path / "site").exists()


def test_deploy_to_directory_copies_changes_and_deletes_removed_pages(repo, tmp_path):
    dest = tmp_path / "site"
    run = run_cli(repo, "deploy", *HTTPS, "--to", str(dest))
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
    run = run_cli(repo, "-v", "deploy", *HTTPS, "--to", str(dest))
    assert run.code == 0, run.err + run.out
    assert not (dest / "toe-cramps").exists()
    assert "deleted" in run.out
    assert css.stat().st_mtime_ns == stamp  # unchanged files are not copied again
    assert "deleted toe-cramps/index.html" in run.out


def test_deploy_refuses_a_foreign_folder(small_repo, tmp_path):
    dest = tmp_path / "precious"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me")
    run = run_cli(small_repo, "deploy", *HTTPS, "--to", str(dest))
    assert run.code == 2
    assert (dest / "notes.txt").read_text() == "keep me"


def test_deploy_replaces_a_folder_an_earlier_version_deployed(small_repo, tmp_path):
    from engine.publish.deploy import DEPLOY_MARKER_TEXT
    dest = tmp_path / "site"
    dest.mkdir()
    (dest / ".earlier-name-deploy").write_text(DEPLOY_MARKER_TEXT)
    (dest / "gone.html").write_text("old page")
    run = run_cli(small_repo, "deploy", *HTTPS, "--to", str(dest))
    assert run.code == 0, run
    assert (dest / DEPLOY_MARKER).is_file() and not (dest / "gone.html").exists()
    assert not (dest / ".earlier-name-deploy").exists()


# -- a refused deploy changes nothing --------------------------------------------

def snapshot(root: Path) -> dict[str, dict[str, bytes]]:
    """Every byte of output/ and .cache/ (and which other folders exist beside them)."""
    return {"output": tree_bytes(root / "output"), ".cache": tree_bytes(root / ".cache"),
            "entries": {p.name: b"" for p in root.iterdir()}}


def uncited_reference(root: Path) -> None:
    """A reference nobody cites: a warning, so an error under deploy's --strict."""
    refs = root / "data" / "references.yaml"
    refs.write_text(refs.read_text() + '  - id: ref-unused\n    title: "Unused"\n    publisher: "P"\n'
                    '    url: "https://example.org/unused"\n')


def broken_link(root: Path) -> None:
    page = root / "content" / "calf-cramps.md"
    page.write_text(page.read_text() + "\nSee [this page](/no-such-page/).\n")


def unknown_citation(root: Path) -> None:
    page = root / "content" / "calf-cramps.md"
    page.write_text(page.read_text() + "\nSee [@no-such-reference].\n")


@pytest.mark.parametrize("breakage, commit, args, code, says", [
    (uncited_reference, True, HTTPS, 1, "ref-unused"),
    (broken_link, True, HTTPS, 1, "/no-such-page/"),
    (unknown_citation, True, HTTPS, 1, "no-such-reference"),
    (broken_link, False, HTTPS, 2, "uncommitted"),
    (None, True, (), 2, "--allow-non-https-base-url"),
    (None, True, ("--base-url", "http://example.org/"), 2, "not an https:// address"),
])
def test_a_refused_deploy_leaves_output_and_cache_byte_identical(small_repo, tmp_path, breakage, commit,
                                                                 args, code, says):
    assert run_cli(small_repo, "build").code == 0           # the last good build, with its cache
    assert (small_repo / ".cache").is_dir() and (small_repo / "output" / "index.html").is_file()
    if breakage is not None:
        breakage(small_repo)
        if commit:
            git(small_repo, "commit", "-qam", "break it")
    before = snapshot(small_repo)
    stamps = {p: p.stat().st_mtime_ns for p in (small_repo / "output").rglob("*")}
    run = run_cli(small_repo, "deploy", *args, "--to", str(tmp_path / "site"))
    assert run.code == code, run.err
    assert says in run.err
    assert "Traceback" not in run.err
    assert snapshot(small_repo) == before
    assert {p: p.stat().st_mtime_ns for p in (small_repo / "output").rglob("*")} == stamps
    assert not (tmp_path / "site").exists()
    assert "gh-pages" not in git(small_repo, "branch", "--list")


def test_a_successful_deploy_does_not_touch_output_or_cache_either(small_repo, tmp_path):
    assert run_cli(small_repo, "build").code == 0
    before = snapshot(small_repo)
    dest = tmp_path / "site"
    run = run_cli(small_repo, "deploy", *HTTPS, "--to", str(dest))
    assert run.code == 0, run.err
    assert snapshot(small_repo) == before
    assert 'href="https://example.org/health/calf-cramps/"' in (dest / "calf-cramps" / "index.html").read_text()
    assert "<loc>https://example.org/health/" in (dest / "sitemap.xml").read_text()
    assert not list(tmp_path.glob("quire-deploy-*"))


def test_a_path_only_base_url_needs_the_explicit_option(small_repo, tmp_path):
    dest = tmp_path / "site"
    run = run_cli(small_repo, "deploy", "--to", str(dest))
    assert run.code == 2 and "base URL '/' has no scheme and host" in run.err
    assert "base_url in data/site.yaml" in run.err and not dest.exists()
    run = run_cli(small_repo, "deploy", "--allow-non-https-base-url", "--to", str(dest))
    assert run.code == 0, run.err
    assert "warning: the base URL '/' has no scheme and host" in run.err
    assert (dest / "index.html").is_file()


@pytest.mark.parametrize("target", ["content", "output", ".cache", "."])
def test_deploy_never_syncs_into_the_project_even_with_force(small_repo, target):
    assert run_cli(small_repo, "build").code == 0
    before = tree_bytes(small_repo / "content"), snapshot(small_repo)
    run = run_cli(small_repo, "deploy", *HTTPS, "--force", "--to", str(small_repo / target))
    assert run.code == 2 and "refusing to deploy into" in run.err
    assert (tree_bytes(small_repo / "content"), snapshot(small_repo)) == before


def test_a_running_preview_keeps_serving_through_deploys(small_repo, tmp_path, serve):
    server = serve(small_repo, "--no-search")
    code, _, page = server.request("/calf-cramps/")
    assert code == 200
    builds = server.status()["builds"]
    broken_link(small_repo)
    git(small_repo, "commit", "-qam", "broken link")
    server.wait_build(builds)
    assert run_cli(small_repo, "deploy", *HTTPS, "--to", str(tmp_path / "refused")).code == 1
    assert server.request("/calf-cramps/")[0] == 200
    assert server.request("/")[0] == 200
    git(small_repo, "revert", "--no-edit", "HEAD")
    run = run_cli(small_repo, "deploy", *HTTPS, "--to", str(tmp_path / "site"))
    assert run.code == 0, run.err
    assert server.request("/calf-cramps/")[0] == 200
    assert "changed or deleted outside the preview" not in server.output()


def test_the_tools_own_work_folders_are_not_uncommitted_changes(small_repo, tmp_path):
    """A live preview's next build, half written beside output/ (.output.pending-PID), is not a
    change to commit, even when the project's .gitignore does not list it."""
    pending = small_repo / ".output.pending-12345"
    pending.mkdir()
    (pending / "page.html").write_text("half written", encoding="utf-8")
    (small_repo / ".cache").mkdir(exist_ok=True)
    (small_repo / ".cache" / "x").write_text("cache", encoding="utf-8")
    run = run_cli(small_repo, "deploy", *HTTPS, "--to", str(tmp_path / "site"))
    assert run.code == 0, run.err
    (small_repo / "notes.txt").write_text("a real change", encoding="utf-8")
    run = run_cli(small_repo, "deploy", *HTTPS, "--to", str(tmp_path / "site"))
    assert run.code == 2 and "?? notes.txt" in run.err and ".output.pending" not in run.err
