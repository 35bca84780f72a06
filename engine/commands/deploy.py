"""``build.py deploy``: clean strict build, link check, then publish (gh-pages branch or --to DIR).

Refuses (nothing published, nothing on disk changed) when the working tree
has uncommitted changes (unless --force), when the base URL is not an
``https://`` address (unless --allow-non-https-base-url), when the build has
errors or warnings, or when the link check finds a broken internal link.

The site is built from scratch into a temporary folder, never into output/:
checking it must not cost the last good build in output/, the build cache in
.cache/, or a running preview that serves them.  (Deploy used to delete both
first, and a refused deploy left the project with neither.)
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from typing import TYPE_CHECKING

from .. import NAME
from ..diagnostics import ContentError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from ..config import SiteConfig
    from ..console import Console
    from ..project import Project

ALLOW_OPTION = "--allow-non-https-base-url"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("deploy", help="strict clean build, link check, then publish",
                       description="Build the site from scratch with --strict into a temporary folder "
                                   "(output/ and .cache/ are not touched), check every internal link, "
                                   "then publish it to the gh-pages branch (ghp-import) or, with --to "
                                   "DIR, copy it to a folder (only changed files; removed pages are "
                                   "deleted). The base URL must be an https:// address.")
    p.add_argument("--to", metavar="DIR", help="publish into this folder instead of the gh-pages branch")
    p.add_argument("--base-url", metavar="URL", help="override base_url from data/site.yaml")
    p.add_argument("--branch", default="gh-pages", help="branch to publish to (default: gh-pages)")
    p.add_argument("--push", action="store_true", help="push the branch to --remote after committing")
    p.add_argument("--remote", default="origin", help="remote for --push (default: origin)")
    p.add_argument("--cname", metavar="DOMAIN", help="write a CNAME file (GitHub Pages custom domain)")
    p.add_argument("--minify", action="store_true", help="minify HTML, CSS and JS")
    p.add_argument(ALLOW_OPTION, action="store_true",
                   help="publish even though the base URL is not an https:// address (a bare path such "
                        "as / gives site-relative canonical links, sitemap and feed)")
    p.add_argument("--force", action="store_true",
                   help="deploy even with uncommitted changes; allow --to into a folder not made by deploy")
    p.set_defaults(run=run)


def planned_config(project: Project, base_url: str | None) -> SiteConfig | None:
    """The settings the build will use, read before building so a wrong base URL is refused at
    once; None when data/site.yaml cannot be read (the build then reports why)."""
    from ..config import config_from_data
    from ..load.yamlsource import load_yaml_file
    if not project.site_file.is_file():
        return config_from_data({}, base_url)
    try:
        data = load_yaml_file(project.site_file, project.rel(project.site_file)).data
    except (ContentError, OSError):
        return None
    return config_from_data(data if isinstance(data, dict) else {}, base_url)


def check_base_url(config: SiteConfig, allow: bool, console: Console) -> None:
    """Refuse a base URL that is not https://scheme-and-host: canonical links, the sitemap
    and the feed are built from it, and search engines and feed readers need absolute https
    addresses.  With *allow*, say what will be published and go on."""
    if config.origin.startswith("https://"):
        return
    what = (f"'{config.base_url}' has no scheme and host" if not config.origin
            else f"'{config.base_url}' is not an https:// address")
    consequence = ("canonical links, the sitemap and the feed would use site-relative URLs"
                   if not config.origin else "canonical links, the sitemap and the feed would use it")
    if allow:
        console.error(f"deploy: warning: the base URL {what}; {consequence} ({ALLOW_OPTION})")
        return
    raise UsageError(f"refusing to publish: the base URL {what}, so {consequence}. Set base_url in "
                     f"data/site.yaml (or pass --base-url) to the public address, e.g. "
                     f"https://example.org/health/, or pass {ALLOW_OPTION} to publish anyway")


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    # loaded here, not above: every command's parser is made on every run (urllib, git ...)
    from ..publish.deploy import check_destination, uncommitted_changes
    out = project.default_output.name
    dirty = uncommitted_changes(project.root, (f"{out}/", f".{out}.", f"{project.cache_dir.name}/"))
    if dirty and not args.force:
        for line in dirty[:20]:
            console.error(f"  {line}")
        raise UsageError(f"the working tree has {len(dirty)} uncommitted change"
                         f"{'s' if len(dirty) != 1 else ''}; commit them first or use --force")
    if args.to:
        check_destination(Path(args.to), args.force, project)
    config = planned_config(project, args.base_url)
    if config is not None:
        check_base_url(config, args.allow_non_https_base_url, console)
    with tempfile.TemporaryDirectory(prefix=f"{NAME}-deploy-") as tmp:
        return build_check_publish(args, project, console, Path(tmp) / "site")


def build_check_publish(args: argparse.Namespace, project: Project, console: Console, out: Path) -> int:
    """Build into *out* (a fresh folder: a clean build, no cache read or written), check the
    links, then publish; every refusal happens before anything outside *out* is touched."""
    from ..config import BuildOptions
    from ..pipeline import build
    from ..publish.deploy import git, publish_gh_pages, sync_to_dir
    from ..publish.linkcheck import check_links
    result = build(project, out, base_url=args.base_url, strict=True,  # ContentError -> exit 1
                   options=BuildOptions(minify=args.minify))
    console.info(f"deploy: built {len(result.pages)} pages with --strict")
    if result.site is not None:
        check_base_url(result.site.config, args.allow_non_https_base_url, console)
    report = check_links(out)
    for problem in report.broken:
        console.error(f"{problem.file}:{problem.line}: error: broken link "
                      f"{problem.url!r}: {problem.message}")
    if report.broken:
        console.error(f"deploy: {len(report.broken)} broken internal link"
                      f"{'s' if len(report.broken) != 1 else ''} (paths inside the built site); "
                      f"nothing was published, and output/ and .cache/ were not touched")
        return 1
    console.info(f"deploy: links ok ({report.pages} pages, {report.links} links)")
    if args.to:
        synced = sync_to_dir(out, Path(args.to), force=args.force, project=project)
        console.info(f"deploy: {len(synced.copied)} files copied, {len(synced.deleted)} deleted, "
                     f"{synced.unchanged} unchanged in {args.to}")
        for rel in synced.deleted:
            console.debug(f"  deleted {rel}")
        return 0
    head = ""
    proc = git(project.root, "rev-parse", "--short", "HEAD", check=False)
    if proc.returncode == 0:
        head = proc.stdout.strip()
    message = f"Deploy site from {head}" if head else "Deploy site"
    commit = publish_gh_pages(project.root, out, branch=args.branch, message=message, push=args.push,
                              remote=args.remote, cname=args.cname)
    console.info(f"deploy: committed {commit[:10]} to branch {args.branch}"
                 + (f" and pushed to {args.remote}" if args.push else " (not pushed; use --push)"))
    return 0
