"""Jinja's compiled templates kept in ``.cache/jinja/``, valid wherever the project is."""

from __future__ import annotations

from pathlib import Path
from types import CodeType
from typing import Any

from ..project import Project
from .cache import version_key


def _refiled(code: CodeType, filename: str) -> CodeType:
    """*code* and the functions in it (a template's blocks and macros) compiled as from *filename*."""
    consts = tuple(_refiled(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def template_bytecode(project: Project) -> Any:
    """A Jinja bytecode cache in ``.cache/jinja/``, or None if that folder cannot be made.

    Compiling the templates is a tenth of a second of every build that renders
    anything, however little; Jinja keys each entry on the template's source,
    so an edited template is compiled again.  Entries are named by the template's
    path relative to the project, so they survive a move or a clone.  An
    unreadable or damaged entry is compiled again too, never an error.  Entries are kept per
    :func:`version_key`, which covers the Jinja version and the engine code
    that sets up the environment (what the source checksum does not).
    """
    import shutil

    import jinja2
    folder = project.cache_dir / "jinja" / version_key()
    if not folder.is_dir():
        shutil.rmtree(folder.parent, ignore_errors=True)    # another version's entries
        try:
            folder.mkdir(parents=True)
        except OSError:
            return None

    root = str(project.root.resolve())

    class SafeBytecodeCache(jinja2.FileSystemBytecodeCache):
        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            """Jinja's key hashes the template's absolute file name: moved or cloned, the
            project would compile every template again.  Relative to the project root
            instead (Jinja checks each entry against the template's source anyway)."""
            if filename is not None:
                try:
                    filename = Path(filename).resolve().relative_to(root).as_posix()
                except (ValueError, OSError):
                    pass
            return super().get_cache_key(name, filename)

        def get_bucket(self, environment: Any, name: str, filename: str | None, source: str) -> Any:
            """Jinja's bucket, its code naming the template's file where it is now: the name
            compiled in is what Jinja reports (and template errors point at) as the template's
            file, and an entry made before a move or in another clone names the old place."""
            bucket = super().get_bucket(environment, name, filename, source)
            code = bucket.code
            if code is not None and filename is not None and code.co_filename != filename:
                bucket.code = _refiled(code, filename)
            return bucket

        def load_bytecode(self, bucket: Any) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # noqa: BLE001 - a damaged entry means compiling, not failing
                bucket.reset()

        def dump_bytecode(self, bucket: Any) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass   # costs a compile next time

    return SafeBytecodeCache(str(folder))
