"""Template checks: syntax errors in any template, and which collections each data block
selects with its ``args`` (so ``::: faqs some-topic`` can be checked against them).

Kept apart from the page checks because the source cache keeps their result as one unit,
keyed on every template's bytes (:class:`TemplateFiles`)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import jinja2

from ..diagnostics import Diagnostic
from ..load.templates import make_env, template_diagnostic
from ..load.yamlsource import not_utf8

#: a block template's selection: ``records("faqs", args)``
RECORDS_CALL_RE = re.compile(r"""records\(\s*["']([a-z_]+)["']\s*,\s*args\b""")


@dataclass
class TemplateFiles:
    """The bytes of every template: what the template checks depend on."""

    rel_prefix: str
    files: dict[str, bytes]            # name inside templates/ -> bytes, readable ones
    problems: list[Diagnostic]         # files that could not be read
    names: set[str]                    # every *.html name, readable or not

    @cached_property
    def key(self) -> str:
        """Digest of the prefix and every file's name and bytes (equal keys, equal checks)."""
        digest = hashlib.blake2b(self.rel_prefix.encode(), digest_size=16)
        for name, raw in sorted(self.files.items()):
            digest.update(b"\0%d\0%s\0" % (len(raw), name.encode("utf-8", "surrogatepass")))
            digest.update(raw)
        return digest.hexdigest()


@dataclass
class TemplateCheck:
    problems: list[Diagnostic]         # syntax errors, unreadable files
    blocks: dict[str, list[str] | None]   # block name -> collections it selects with args (None: takes no ids)
    names: set[str]                    # every template name (for 'template:' fields)


def read_templates(templates_dir: Path, rel_prefix: str) -> TemplateFiles:
    files = sorted(templates_dir.rglob("*.html")) if templates_dir.is_dir() else []
    sources: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    for path in files:
        try:
            sources[path.relative_to(templates_dir).as_posix()] = path.read_bytes()
        except OSError as exc:
            problems.append(Diagnostic(project_rel(templates_dir, path, rel_prefix), 0, 0, "error",
                                       f"cannot read template: {exc.strerror}", cause=True))
    return TemplateFiles(rel_prefix, sources, problems, {p.relative_to(templates_dir).as_posix() for p in files})


_template_cache: dict[str, tuple[list[Diagnostic], dict[str, list[str] | None]]] = {}


def analyse_templates(found: TemplateFiles, templates_dir: Path) -> TemplateCheck:
    """Syntax errors in any template, and which collections each block template reads."""
    key = found.key  # by content, so copies of a project share it
    if key in _template_cache and not found.problems:
        problems, blocks = _template_cache[key]
        return TemplateCheck(list(problems), dict(blocks), set(found.names))
    rel_prefix = found.rel_prefix
    problems = list(found.problems)
    block_collections: dict[str, list[str] | None] = {}
    env = make_env(templates_dir)
    for name, raw in found.files.items():
        path = templates_dir / name
        try:
            source = raw.decode("utf-8")
            env.parse(source, name, str(path))
        except jinja2.TemplateSyntaxError as exc:
            problems.append(template_diagnostic(exc, templates_dir, rel_prefix, f"{rel_prefix}/{name}"))
            _still_a_block(name, source, block_collections)
            continue
        except UnicodeDecodeError as exc:
            problems.append(not_utf8(raw, exc.start, f"{rel_prefix}/{name}"))
            _still_a_block(name, "", block_collections)
            continue
        if name.startswith("blocks/"):
            block_collections[name[len("blocks/"):-len(".html")]] = block_selection(source)
    if len(_template_cache) > 8:
        _template_cache.clear()
    _template_cache[key] = (problems, block_collections)
    return TemplateCheck(list(problems), dict(block_collections), set(found.names))


def _still_a_block(name: str, source: str, blocks: dict[str, list[str] | None]) -> None:
    """A block template that does not parse is still a block: the articles that place it are not
    told it is unknown (the syntax error is the one thing to fix).  The collections it names
    are taken from its text as far as it can be read; ids given to it are checked against them."""
    if name.startswith("blocks/"):
        blocks[name[len("blocks/"):-len(".html")]] = block_selection(source) if source else []


def block_selection(source: str) -> list[str] | None:
    """The collections a block template selects with the ids an article gives it
    (``records("faqs", args)``), or None when it never reads ``args`` at all: then ids given
    to it would be silently ignored, which is an error in the article."""
    if not re.search(r"\bargs\b", source):
        return None
    return RECORDS_CALL_RE.findall(source)


def check_templates(templates_dir: Path, rel_prefix: str) -> tuple[list[Diagnostic], dict[str, list[str] | None]]:
    """Syntax errors in any template, and which collections each block template reads."""
    result = analyse_templates(read_templates(templates_dir, rel_prefix), templates_dir)
    return result.problems, result.blocks


def project_rel(templates_dir: Path, path: Path, rel_prefix: str) -> str:
    return f"{rel_prefix}/{path.relative_to(templates_dir).as_posix()}"
