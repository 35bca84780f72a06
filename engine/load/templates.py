"""The Jinja environment: autoescaping, strict undefined, filters shared by all pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import meta as jinja_meta

from ..diagnostics import Diagnostic


def format_date(value: Any, style: str = "long") -> str:
    if not isinstance(value, (dt.date, dt.datetime)):
        return str(value)
    if style == "iso":
        return value.isoformat()
    return f"{value.day} {value.strftime('%B %Y')}"


def join_list(value: Any, sep: str = ", ") -> str:
    if isinstance(value, (list, tuple)):
        return sep.join(str(v) for v in value)
    return "" if value is None else str(value)


class SiteLoader(jinja2.FileSystemLoader):
    """A file loader that knows which source each compiled template came from.

    The live preview keeps one environment for the whole session.  After a
    template edit, :meth:`refresh` compares every compiled template's source
    with the file now on disk and marks only those that differ out of date,
    so Jinja recompiles the edited file and keeps the other twenty.  (A new
    environment would recompile them all: about 70 ms before the open page
    could be shown.)  The pipeline calls it when the templates folder's
    stats change; it then compares text rather than modification times (as
    Jinja's own ``auto_reload`` does), so a file whose mtime stayed the same
    through a quick second save is still recompiled.
    """

    def __init__(self, searchpath: str) -> None:
        super().__init__(searchpath)
        self._compiled: dict[str, str] = {}    # template name -> source it was compiled from
        self._stale: set[str] = set()

    def get_source(self, environment: jinja2.Environment | None, template: str
                   ) -> tuple[str, str, Any]:
        source, filename, _ = super().get_source(environment, template)  # type: ignore[arg-type]
        self._compiled[template] = source
        self._stale.discard(template)
        return source, filename, lambda: template not in self._stale

    def source_of(self, name: str) -> str:
        """The file's current text, without marking a compiled template current."""
        return super().get_source(None, name)[0]  # type: ignore[arg-type]

    def refresh(self) -> set[str]:
        """Mark the templates whose file changed (or went) since they were compiled; return their names."""
        changed = set()
        for name, source in self._compiled.items():
            try:
                now: str | None = self.source_of(name)
            except (jinja2.TemplateNotFound, OSError, UnicodeDecodeError):
                now = None
            if now != source:
                changed.add(name)
        self._stale |= changed
        for name in changed:
            del self._compiled[name]
        return changed


def make_env(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=SiteLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,    # asks SiteLoader's up-to-date check: a set lookup, no stat
    )
    env.filters["date"] = format_date
    env.filters["join_list"] = join_list
    return env


class TemplateDeps:
    """Which template files a template pulls in (extends/include/import), transitively.

    *refs* maps a template's source text to the names it references; it
    outlives a TemplateDeps so that after an edit only the edited file is
    parsed again.
    """

    def __init__(self, env: jinja2.Environment, refs: dict[str, tuple[str, ...]] | None = None):
        self.env = env
        self._cache: dict[str, frozenset[str]] = {}
        self._refs = {} if refs is None else refs

    def _referenced(self, name: str) -> tuple[str, ...]:
        loader = self.env.loader
        assert isinstance(loader, SiteLoader)   # make_env's
        source = loader.source_of(name)
        refs = self._refs.get(source)
        if refs is None:
            try:
                found = jinja_meta.find_referenced_templates(self.env.parse(source))
                refs = self._refs[source] = tuple(r for r in found if r)
            except jinja2.TemplateError:
                refs = ()
        return refs

    def of(self, name: str) -> frozenset[str]:
        if name in self._cache:
            return self._cache[name]
        self._cache[name] = frozenset({name})  # guards against cycles
        found = {name}
        try:
            refs = self._referenced(name)
        except (jinja2.TemplateError, OSError, UnicodeDecodeError):
            refs = ()
        for ref in refs:
            found |= self.of(ref)
        self._cache[name] = frozenset(found)
        return self._cache[name]


def _template_frame(exc: BaseException, templates_dir: Path, rel_prefix: str) -> tuple[str, int] | None:
    """The innermost traceback frame that runs a template file: (``templates/x.html``, line)."""
    found = None
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html"):  # Jinja maps template frames to the template's file and line
            try:
                rel = Path(filename).resolve().relative_to(templates_dir)
                found = (f"{rel_prefix}/{rel.as_posix()}", tb.tb_lineno)
            except ValueError:
                pass
        tb = tb.tb_next
    return found


def template_diagnostic(exc: BaseException, templates_dir: Path, rel_prefix: str,
                        fallback: str, fallback_line: int = 0) -> Diagnostic:
    """Turn a Jinja exception into ``templates/x.html:LINE:1`` (or the page's own file and line)."""
    templates_dir = templates_dir.resolve()
    if isinstance(exc, jinja2.TemplateSyntaxError):
        name = exc.name or exc.filename or ""
        if name and Path(name).is_absolute():
            try:
                name = Path(name).resolve().relative_to(templates_dir).as_posix()
            except ValueError:
                pass
        return Diagnostic(f"{rel_prefix}/{name}" if name else fallback, exc.lineno or fallback_line, 1, "error",
                          f"template syntax error: {exc.message}", "",
                          "check the {% %} and {{ }} tags on that line, and that every {% if/for/block %} "
                          "has its {% end... %}", cause=True)
    frame = _template_frame(exc, templates_dir, rel_prefix)
    where, line = frame or (fallback, fallback_line)
    if isinstance(exc, jinja2.TemplateNotFound):
        # included from a template: point at the include; chosen by the page: at its 'template' field
        return Diagnostic(where, line, 1, "error", f"template not found: '{exc.name}'",
                          "" if frame else "template", f"use the name of a file in {rel_prefix}/")
    message = str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        message = f"undefined value in template: {message}"
        return Diagnostic(where, line, 1, "error", message, "",
                          "check the variable's spelling, or guard it with '{% if x is defined %}'")
    if isinstance(exc, RecursionError):
        return Diagnostic(where, line, 1, "error", "template error: it calls itself without end "
                          "(maximum recursion depth exceeded)", "",
                          "look for a macro that calls itself with no way to stop, or a template that "
                          "includes, imports or extends itself (directly or through another template)")
    if isinstance(exc, ZeroDivisionError):
        return Diagnostic(where, line, 1, "error", "template error: division by zero", "",
                          "guard the division with '{% if divisor %}'")
    return Diagnostic(where, line, 1, "error", f"template error: {type(exc).__name__}: {message}", "",
                      "the expression on this line failed while a page was rendered; "
                      "check the values and functions it uses")
