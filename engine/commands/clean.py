"""``build.py clean``: delete the generated output folder (and only such a folder)."""

from __future__ import annotations

import argparse
import shutil

from ..console import Console
from ..project import Project
from ..write.output import clean_output


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("clean", help="delete output/ and the build cache",
                       description="Delete the generated output folder. Folders not made by this "
                                   "tool are refused.")
    p.add_argument("--output", "-o", metavar="DIR", help="output folder (default: output/)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    out = project.output_dir(args.output)
    removed = clean_output(out, project)
    if project.cache_dir.is_dir():
        shutil.rmtree(project.cache_dir)
    console.info(f"removed {out}" if removed else f"nothing to remove at {out}")
    return 0
