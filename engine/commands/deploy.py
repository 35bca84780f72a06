"""``build.py deploy``: clean strict build, link check, then publish (gh-pages branch or --to DIR).

Refuses (exit 1, nothing published) when the working tree has uncommitted
changes (unless --force), when the build has errors or warnings, or when the
link check finds a broken internal link.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from typing import TYPE_CHECKING

from ..diagnostics import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from ..console import Console
    from ..project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("deploy", help="strict clean build, link check, then publish",
                       description="Build output/ from a clean state with --strict, check every internal "
                                   "link, then publish it to the gh-pages branch (ghp-import) or, with "
                                   "--to DIR, copy it to a folder (only changed files; removed pages "
                                   "are deleted).")
    p.add_argument("--to", metavar="DIR", help="publish into this folder instead of the gh-pages branch")
    p.add_argument("--base-url", metavar="URL", help="override base_url from data/site.yaml")
    p.add_argument("--branch", default="gh-pages", help="branch to publish to (default: gh-pages)")
    p.add_argument("--push", action="store_true", help="push the branch to --remote after committing")
    p.add_argument("--remote", default="origin", help="remote for --push (default: origin)")
    p.add_argument("--cname", metavar="DOMAIN", help="write a CNAME file (GitHub Pages custom domain)")
    p.add_argument("--minify", action="store_true", help="minify HTML, CSS and JS")
    p.add_argument("--force", action="store_true",
                   help="deploy even with uncommitted changes; allow --to into a folder not made by deploy")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    # loaded here, not above: every command's parser is made on every run (urllib, git ...)
    from .. import publish
    from ..pipeline import build
    from ..publish.deploy import publish_gh_pages, sync_to_dir, uncommitted_changes
    from ..publish.linkcheck import check_links
    from ..writer import clean_output
    dirty = uncommitted_changes(project.root)
    if dirty and not args.force:
        for line in dirty[:20]:
            console.error(f"  {line}")
        raise UsageError(f"the working tree has {len(dirty)} uncommitted change"
                         f"{'s' if len(dirty) != 1 else ''}; commit them first or use --force")
    out = project.default_output
    clean_output(out, project)
    if project.cache_dir.is_dir():
        shutil.rmtree(project.cache_dir)
    publish.configure(minify=args.minify)
    result = build(project, out, base_url=args.base_url, strict=True)  # ContentError -> exit 1
    console.info(f"deploy: built {len(result.pages)} pages with --strict")
    if result.site is not None and not result.site.config.origin:
        console.error("deploy: warning: the base URL has no scheme and host, so canonical links, the "
                      "sitemap and the feed use site-relative URLs; set base_url in data/site.yaml "
                      "(or --base-url) to the public address, e.g. https://example.org/health/")
    report = check_links(out)
    where = project.rel(out)
    for problem in report.broken:
        console.error(f"{where}/{problem.file}:{problem.line}: error: broken link "
                      f"{problem.url!r}: {problem.message}")
    if report.broken:
        console.error(f"deploy: {len(report.broken)} broken internal link"
                      f"{'s' if len(report.broken) != 1 else ''}; nothing was published")
        return 1
    console.info(f"deploy: links ok ({report.pages} pages, {report.links} links)")
    if args.to:
        synced = sync_to_dir(out, Path(args.to), force=args.force)
        console.info(f"deploy: {len(synced.copied)} files copied, {len(synced.deleted)} deleted, "
                     f"{synced.unchanged} unchanged in {args.to}")
        for rel in synced.deleted:
            console.debug(f"  deleted {rel}")
        return 0
    head = ""
    from ..publish.deploy import git
    proc = git(project.root, "rev-parse", "--short", "HEAD", check=False)
    if proc.returncode == 0:
        head = proc.stdout.strip()
    message = f"Deploy site from {head}" if head else "Deploy site"
    commit = publish_gh_pages(project.root, out, branch=args.branch, message=message, push=args.push,
                              remote=args.remote, cname=args.cname)
    console.info(f"deploy: committed {commit[:10]} to branch {args.branch}"
                 + (f" and pushed to {args.remote}" if args.push else " (not pushed; use --push)"))
    return 0
