"""Terminal output with --quiet / --verbose; diagnostics go to stderr."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Iterable

from .diagnostics import Diagnostic


@dataclass
class Console:
    verbosity: int = 1  # 0 quiet, 1 normal, 2 verbose

    def info(self, text: str) -> None:
        if self.verbosity >= 1:
            print(text, flush=True)

    def debug(self, text: str) -> None:
        if self.verbosity >= 2:
            print(text, flush=True)

    def error(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def diagnostics(self, items: Iterable[Diagnostic]) -> None:
        for item in items:
            if item.is_error or self.verbosity >= 1:
                print(item.format(), file=sys.stderr, flush=True)
