"""Where a project's folders are, and which of them the tool may never overwrite."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def schemas_dir(self) -> Path:
        return self.root / "schemas"

    @property
    def site_file(self) -> Path:
        return self.data_dir / "site.yaml"

    @property
    def default_output(self) -> Path:
        return self.root / "output"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache"

    def source_dirs(self) -> list[Path]:
        """The folders whose files the build reads, listed once: the build cache scans them, the
        preview watches them, the writer never writes into them, and ``sources.outside_project``
        refuses anything in them that leads out of the project."""
        return [self.content_dir, self.data_dir, self.templates_dir, self.static_dir, self.schemas_dir]

    def output_dir(self, value: str | None) -> Path:
        """The output folder given on the command line (``--output``), or the default.

        ``--output=~/site`` or a quoted ``"~/site"`` reaches us unexpanded (the shell
        expands a ``~`` only at the start of a word); built as it is, it would make a
        folder literally named ``~``.  So ``~`` and ``~user`` are expanded here, and
        one that cannot be is refused.
        """
        if not value:
            return self.default_output
        expanded = os.path.expanduser(value)
        if expanded.startswith("~"):
            from .diagnostics import UsageError
            user = expanded[1:].split("/", 1)[0].split(os.sep, 1)[0]
            raise UsageError(f"--output {value}: there is no user '{user}' whose home folder '~{user}' "
                             "could stand for; write the folder's full path")
        return Path(expanded).resolve()

    def protected(self) -> list[Path]:
        """Folders that must never be built into or deleted."""
        return [self.root, self.content_dir, self.data_dir, self.templates_dir,
                self.static_dir, self.schemas_dir, self.root / "tests", self.root / "engine"]

    def rel(self, path: Path) -> str:
        """Path as shown in messages: relative to the project root, with '/'."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()
