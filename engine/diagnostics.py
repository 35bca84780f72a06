"""Problems found in the sources, reported as ``path:line:col`` messages.

Every stage reports through :class:`Diagnostic` so that the command line, the
live-preview overlay and the tests all see the same text.  A stage that finds
errors raises :class:`ContentError` with *all* the problems it found rather
than stopping at the first one: editors fix a batch, not one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int = 0
    col: int = 0
    severity: str = ERROR
    message: str = ""
    field: str = ""
    hint: str = ""
    #: a file that could not be read or parsed at all (YAML or template syntax, bad UTF-8, a
    #: link out of the project): other messages may follow from it, so it is listed first
    cause: bool = False

    def format(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        text = f"{where}: {self.severity}: {self.message}"
        if self.field:
            text += f" [{self.field}]"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass
class Report:
    """Collects diagnostics from every stage of one build or check."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path: str, line: int = 0, col: int = 0, message: str = "",
              field: str = "", hint: str = "") -> None:
        self.items.append(Diagnostic(path, line, col, ERROR, message, field, hint))

    def warning(self, path: str, line: int = 0, col: int = 0, message: str = "",
                field: str = "", hint: str = "") -> None:
        self.items.append(Diagnostic(path, line, col, WARNING, message, field, hint))

    def extend(self, items: Iterable[Diagnostic]) -> None:
        self.items.extend(items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if not d.is_error]

    def sorted(self) -> list[Diagnostic]:
        return in_order(self.items)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ContentError(self.sorted())


def in_order(items: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Each diagnostic once: root causes first (see ``Diagnostic.cause``), then by file and line."""
    return sorted(set(items), key=lambda d: (not d.cause, d))


def as_cause(diagnostic: Diagnostic) -> Diagnostic:
    """*diagnostic* marked as a root cause (listed before what may follow from it)."""
    return replace(diagnostic, cause=True)


class ContentError(Exception):
    """The sources are wrong; the message tells the editor where and how."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = in_order(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class UsageError(Exception):
    """The command line or the project folder is wrong (exit status 2)."""
