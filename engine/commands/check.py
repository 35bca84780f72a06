"""``build.py check``: validate everything and render in memory; write nothing."""

from __future__ import annotations

import argparse

from ..console import Console
from ..pipeline import check
from ..project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate content, data and templates; write nothing",
                       description="Report every problem in content/, data/ and templates/ as "
                                   "path:line:col messages. Exit 1 on errors (or warnings with --strict).")
    p.add_argument("--base-url", metavar="URL", help="override base_url from data/site.yaml")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    report = check(project, base_url=args.base_url)
    console.diagnostics(report.sorted())
    warnings = len(report.warnings)
    console.info(f"check: 0 errors, {warnings} warning{'s' if warnings != 1 else ''}")
    return 1 if (args.strict and warnings) else 0
