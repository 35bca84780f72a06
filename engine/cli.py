"""Command line: ``python build.py [--quiet|--verbose] COMMAND ...``.

Exit status: 0 success, 1 content errors, 2 usage errors (also: a Python without the
dependencies, see environment.py), 3 a bug in the tool.  Content errors
are printed as ``path:line:col: error: message`` and never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from . import NAME, __version__, environment
from .commands import build, check, clean, new, where
from .console import Console
from .diagnostics import ContentError, UsageError
from .project import Project

COMMANDS = [build, check, clean, new, where]
for _optional in ("serve", "deploy"):  # present once those features are installed
    try:
        COMMANDS.append(importlib.import_module(f".commands.{_optional}", __package__))
    except ModuleNotFoundError:  # pragma: no cover
        pass


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description=f"{NAME}: build the static site of this folder from content/, data/ and templates/.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    loud.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    parser.add_argument("--root", metavar="DIR", default=None,
                        help="project folder (default: the folder holding build.py)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in COMMANDS:
        module.add_parser(sub)
    for command in sub.choices.values():  # -q/-v also accepted after the command name
        group = command.add_mutually_exclusive_group()
        group.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                           help="print errors only")
        group.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                           help="print more detail")
    return parser


def main(argv: list[str] | None = None, default_root: Path | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors
    console = Console(0 if args.quiet else 2 if args.verbose else 1)
    root = Path(args.root) if args.root else (default_root or Path.cwd())
    if not root.is_dir():
        console.error(f"build.py: error: project folder not found: {root}")
        return 2
    project = Project(root.resolve())
    try:
        return int(args.run(args, project, console) or 0)
    except ContentError as exc:
        console.diagnostics(exc.diagnostics)
        count = len([d for d in exc.diagnostics if d.is_error])
        console.error(f"{args.command}: {count} error{'s' if count != 1 else ''}; nothing was written")
        return 1
    except UsageError as exc:
        console.error(f"build.py {args.command}: error: {exc}")
        return 2
    except KeyboardInterrupt:
        console.error("interrupted; output/ was left as it was")
        return 130
    except OSError as exc:   # the file system said no (disk full, permissions, read-only ...)
        where = f": {exc.filename}" if exc.filename else ""
        console.error(f"build.py {args.command}: error: {exc.strerror or exc}{where}")
        console.error("  fix the cause (free space, permissions, a read-only folder) and run the command again")
        if console.verbosity >= 2:
            import traceback
            traceback.print_exception(exc)
        return 2
    except ModuleNotFoundError as exc:
        if environment.is_missing_dependency(exc):   # a Python without the packages: not a bug
            tool_root = Path(__file__).resolve().parent.parent
            console.error(environment.missing_dependency_message(exc, tool_root, list(argv or sys.argv[1:])))
            return environment.EXIT_SETUP
        return internal_error(exc, console)
    except Exception as exc:  # a bug in the tool, not in the content
        return internal_error(exc, console)


def internal_error(exc: BaseException, console: Console) -> int:
    """A bug in the tool, not in the content: say so (the traceback with --verbose), exit 3."""
    console.error(f"internal error: {type(exc).__name__}: {exc}")
    if console.verbosity >= 2:
        import traceback
        traceback.print_exception(exc)
    else:
        console.error("run again with --verbose for details, and please report it")
    return 3
