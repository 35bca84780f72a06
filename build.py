#!/usr/bin/env python3
"""Build the cramp-guide site.  Run ``python build.py --help``."""

import sys
from pathlib import Path

from engine.cli import main

if __name__ == "__main__":
    sys.exit(main(default_root=Path(__file__).resolve().parent))
