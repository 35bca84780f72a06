#!/usr/bin/env python3
"""Build the cramp-guide site.  Run ``python build.py --help``."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:     # ``python -I`` leaves the script's folder off the path
    sys.path.insert(0, str(ROOT))

from engine import environment  # noqa: E402  (standard library only)


def run() -> int:
    too_old = environment.python_too_old_message()
    if too_old:
        print(too_old, file=sys.stderr)
        return environment.EXIT_SETUP
    try:
        from engine.cli import main
    except ModuleNotFoundError as exc:    # a dependency imported at start-up is not installed
        if not environment.is_missing_dependency(exc):
            raise
        print(environment.missing_dependency_message(exc, ROOT, sys.argv[1:]), file=sys.stderr)
        return environment.EXIT_SETUP
    return main(default_root=ROOT)


if __name__ == "__main__":
    sys.exit(run())
