"""``build.py check``: validate everything and render in memory; write nothing.

``check --links`` instead checks a built output folder (output/ or --output DIR):
every internal href/src, #fragment and asset must resolve; external links are
listed, and fetched with ``--external``.
"""

from __future__ import annotations

import argparse

from ..console import Console
from ..diagnostics import UsageError
from ..pipeline import check
from ..project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate content, data and templates; write nothing",
                       description="Report every problem in content/, data/ and templates/ as "
                                   "path:line:col messages. Exit 1 on errors (or warnings with --strict). "
                                   "With --links, check the links of a built site instead.")
    p.add_argument("--base-url", metavar="URL", help="override base_url from data/site.yaml")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too (and on broken links)")
    p.add_argument("--links", action="store_true",
                   help="check every internal link, #fragment and asset of the built site")
    p.add_argument("--output", "-o", metavar="DIR", help="built site to check with --links (default: output/)")
    p.add_argument("--external", action="store_true", help="with --links: also fetch external links (online)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    if args.links or args.external:
        return run_links(args, project, console)
    report = check(project, base_url=args.base_url)
    console.diagnostics(report.sorted())
    warnings = len(report.warnings)
    console.info(f"check: 0 errors, {warnings} warning{'s' if warnings != 1 else ''}")
    return 1 if (args.strict and warnings) else 0


def run_links(args: argparse.Namespace, project: Project, console: Console) -> int:
    from ..config import base_path_of, normalise_base_url
    from ..publish.linkcheck import check_links

    out = project.output_dir(args.output)
    if not (out / "index.html").is_file():
        raise UsageError(f"no built site at {project.rel(out) or out}; run 'build.py build' first")
    base_path = None
    if args.base_url:
        base_path = base_path_of(normalise_base_url(args.base_url))
    report = check_links(out, base_path, external=args.external)
    level = "error" if args.strict else "warning"
    where = project.rel(out)
    for problem in report.broken:
        console.error(f"{where}/{problem.file}:{problem.line}: {level}: broken link "
                      f"{problem.url!r}: {problem.message}")
    fetched = report.fetched
    if fetched is not None and fetched.unreachable:
        console.error(f"check: {level}: the network looks unreachable: {fetched.unreachable}; "
                      f"none of the {len(report.external)} external links were checked (is this "
                      f"computer offline, or behind a proxy?)")
    elif fetched is not None:
        for failure in fetched.failed:      # one line per URL, however many pages use it
            uses = report.external[failure.url]
            more = f" (and {len(uses) - 1} more use{'s' if len(uses) != 2 else ''})" if len(uses) > 1 else ""
            console.error(f"{where}/{uses[0].file}:{uses[0].line}: {level}: external link "
                          f"{failure.url}: {failure.message}{more}")
    elif console.verbosity >= 2:
        for url, uses in sorted(report.external.items()):
            console.info(f"external: {url} ({len(uses)} use{'s' if len(uses) != 1 else ''}, "
                         f"first {uses[0].file}:{uses[0].line})")
    if fetched is None:
        outside = " (not fetched; use --external)"
    elif fetched.unreachable:
        outside = " (not fetched: network unreachable)"
    else:
        outside = f" ({len(fetched.failed)} failing)"
    console.info(f"links: {report.pages} pages, {report.links} links checked under {report.base_path}; "
                 f"{len(report.broken)} broken internal, {len(report.external)} external{outside}")
    if report.broken and args.strict:
        return 1
    if fetched is not None and (fetched.failed or fetched.unreachable) and args.strict:
        return 1
    return 0
