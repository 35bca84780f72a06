"""The Jinja environment: autoescaping, strict undefined, filters shared by all pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import meta as jinja_meta

from .diagnostics import Diagnostic


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


def make_env(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["date"] = format_date
    env.filters["join_list"] = join_list
    from .publish.jsonld import register as register_jsonld  # {{ jsonld() }} for structured data
    register_jsonld(env)
    return env


class TemplateDeps:
    """Which template files a template pulls in (extends/include/import), transitively."""

    def __init__(self, env: jinja2.Environment):
        self.env = env
        self._cache: dict[str, frozenset[str]] = {}

    def of(self, name: str) -> frozenset[str]:
        if name in self._cache:
            return self._cache[name]
        self._cache[name] = frozenset({name})  # guards against cycles
        found = {name}
        try:
            source = self.env.loader.get_source(self.env, name)[0]  # type: ignore[union-attr]
            refs = jinja_meta.find_referenced_templates(self.env.parse(source))
        except (jinja2.TemplateError, OSError):
            refs = []
        for ref in refs:
            if ref:
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
                          "has its {% end... %}")
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
    return Diagnostic(where, line, 1, "error", f"template error: {type(exc).__name__}: {message}")
