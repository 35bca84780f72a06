"""Deploy a checked build: to a gh-pages branch (ghp-import) or to a folder (rsync-like).

The build and checks are done by ``commands/deploy.py``; this module only
knows about git state and moving files.  Neither target ever receives the
output folder's marker file.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .. import NAME
from ..diagnostics import UsageError
from ..layout import MARKER, same_text
from ..project import Project

DEPLOY_MARKER = f".{NAME}-deploy"
DEPLOY_MARKER_TEXT = ("Deployed by 'python build.py deploy --to'; files not in the site "
                      "are deleted on every deploy.\n")
SKIP = {MARKER}



def deployed_here(dest: Path) -> bool:
    """Whether *dest* was deployed by this tool: its marker, or the same text under the
    ``.NAME-deploy`` name of a version from before the engine had its own name."""
    return (dest / DEPLOY_MARKER).is_file() or any(same_text(p, DEPLOY_MARKER_TEXT) for p in dest.glob(".*-deploy"))

def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=check)


def is_git_repo(root: Path) -> bool:
    try:
        return git(root, "rev-parse", "--is-inside-work-tree", check=False).stdout.strip() == "true"
    except FileNotFoundError:
        return False


def uncommitted_changes(root: Path, own: Iterable[str] = ()) -> list[str]:
    """``git status --porcelain`` lines (ignored files such as output/ are not listed), less the
    tool's own work folders (*own*: path prefixes such as ``.output.``): a live preview writing
    its next build beside output/ is not a change to commit, whatever .gitignore says."""
    if not is_git_repo(root):
        return []
    prefixes = tuple(own)
    lines = [line for line in git(root, "status", "--porcelain").stdout.splitlines() if line.strip()]
    return [line for line in lines if not (prefixes and line[3:].strip('"').startswith(prefixes))]


def site_files(out: Path) -> dict[str, Path]:
    """Files to publish, by path inside the site (the build marker is left out)."""
    return {p.relative_to(out).as_posix(): p for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in SKIP}


def publish_gh_pages(root: Path, out: Path, branch: str = "gh-pages", message: str = "",
                     push: bool = False, remote: str = "origin", cname: str | None = None) -> str:
    """Commit the site to *branch* of the repository at *root* with ghp-import; return the commit id."""
    if not is_git_repo(root):
        raise UsageError(f"{root} is not a git repository; use --to DIR to deploy to a folder")
    try:
        import ghp_import  # noqa: F401
    except ImportError as exc:
        raise UsageError("deploying to gh-pages needs ghp-import: run 'make build'") from exc
    with tempfile.TemporaryDirectory(prefix=f"{NAME}-deploy-") as tmp:
        stage = Path(tmp) / "site"
        for rel, source in site_files(out).items():
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        cmd = [sys.executable, "-m", "ghp_import", "--no-jekyll", "--branch", branch,
               "--message", message or "Deploy site", str(stage)]
        if cname:
            cmd[3:3] = ["--cname", cname]
        if push:
            cmd[3:3] = ["--push", "--remote", remote]
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        if proc.returncode != 0:
            raise UsageError("ghp-import failed: " + (proc.stderr or proc.stdout).strip())
    return git(root, "rev-parse", branch).stdout.strip()


def check_destination(dest: Path, force: bool = False, project: Project | None = None) -> Path:
    """Resolve ``--to`` *dest* and refuse it before anything is built (see :func:`sync_to_dir`)."""
    dest = dest.resolve()
    if project is not None:
        for own in [*project.protected(), project.default_output, project.cache_dir]:
            own = own.resolve()
            if dest == own or own in dest.parents or dest in own.parents:
                raise UsageError(f"refusing to deploy into {dest}: it is (or is inside, or holds) the "
                                 f"project's {project.rel(own) or 'root'} folder; choose a folder "
                                 f"outside the project")
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not force and not deployed_here(dest):
        raise UsageError(f"refusing to deploy into {dest}: it is not empty and was not made by "
                         f"'build.py deploy' (no {DEPLOY_MARKER}); use --force to replace its contents")
    return dest


@dataclass
class SyncResult:
    copied: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0


def sync_to_dir(out: Path, dest: Path, force: bool = False, project: Project | None = None) -> SyncResult:
    """Make *dest* an exact copy of the site: copy new and changed files, delete the rest.

    A non-empty folder that was not made by a previous deploy is refused
    (unless *force*), so a mistyped ``--to`` cannot wipe someone's files.
    The project's own folders (sources, output/, .cache/) are refused even
    with *force*: ``--force`` is also the answer to uncommitted changes, and
    must not turn a typo such as ``--to content`` into deleting the articles.
    """
    dest = check_destination(dest, force, project)
    out = out.resolve()
    if dest == out or out in dest.parents or dest in out.parents:
        raise UsageError(f"cannot deploy {out} into {dest}: the folders overlap")
    dest.mkdir(parents=True, exist_ok=True)
    wanted = site_files(out)
    result = SyncResult()
    for rel, source in wanted.items():
        target = dest / rel
        if target.is_file() and not target.is_symlink() and filecmp.cmp(source, target, shallow=False):
            result.unchanged += 1
            continue
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.deploy-{os.getpid()}")
        shutil.copy2(source, tmp)
        os.replace(tmp, target)
        result.copied.append(rel)
    for path in sorted(dest.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        rel = path.relative_to(dest).as_posix()
        if rel == DEPLOY_MARKER:
            continue
        if path.is_file() or path.is_symlink():
            if rel not in wanted:
                path.unlink()
                result.deleted.append(rel)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    (dest / DEPLOY_MARKER).write_text(DEPLOY_MARKER_TEXT, encoding="utf-8")
    result.deleted.sort()
    return result
