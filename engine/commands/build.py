"""``build.py build``: render the site into output/ (or --output DIR)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..console import Console
from ..pipeline import build
from ..project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="build the site into output/",
                       description="Validate the sources and build the site. The previous output is "
                                   "replaced only when the whole build succeeds.")
    p.add_argument("--output", "-o", metavar="DIR", help="output folder (default: output/)")
    p.add_argument("--base-url", metavar="URL", help="override base_url from data/site.yaml, "
                                                     "e.g. https://example.org/health/")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    out = Path(args.output).resolve() if args.output else project.default_output
    result = build(project, out, base_url=args.base_url, strict=args.strict)
    console.diagnostics(result.warnings)
    console.info(f"built {len(result.pages)} pages ({result.files_written} files) into "
                 f"{project.rel(out.resolve()) or out} in {result.seconds:.2f} s")
    return 0
