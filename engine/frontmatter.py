"""Split a Markdown source into YAML front matter and body.

The body's first line number is kept so that messages about the body (an
unknown citation, a bad directive) point at the line in the file, not in
the body string.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import ContentError, Diagnostic
from .yamlsource import YamlDoc, parse_yaml

FENCE = "---"


@dataclass
class FrontMatter:
    meta: YamlDoc
    body: str
    body_line: int  # 1-based line number of the body's first line


def split(text: str, rel: str) -> FrontMatter:
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        raise ContentError(Diagnostic(
            rel, 1, 1, "error", "missing front matter: the file must start with a '---' line",
            "", "start the file with '---', the fields (title: ...), then another '---'"))
    for index in range(1, len(lines)):
        stripped = lines[index].rstrip()
        if stripped == FENCE or stripped == "...":
            meta_text = "\n".join(lines[1:index])
            meta = parse_yaml(meta_text, rel, line_offset=1, allow_empty=True)
            if not isinstance(meta.data, dict):
                raise ContentError(Diagnostic(
                    rel, 2, 1, "error", "front matter must be a set of 'field: value' lines", "",
                    "write e.g. 'title: Calf cramps' between the '---' lines"))
            return FrontMatter(meta, "\n".join(lines[index + 1:]), index + 2)
    raise ContentError(Diagnostic(
        rel, 1, 1, "error", "front matter is not closed: no second '---' line found", "",
        "add a line containing only '---' after the last front matter field"))
