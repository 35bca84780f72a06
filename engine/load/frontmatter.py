"""Split a Markdown source into YAML front matter and body.

The body's first line number is kept so that messages about the body (an
unknown citation, a bad directive) point at the line in the file, not in
the body string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..diagnostics import ContentError, Diagnostic
from .yamlsource import YamlDoc, parse_yaml

FENCE = "---"
#: characters no article means to contain: C0 controls but tab and line breaks, DEL, C1 controls.
#: A NUL would reach the HTML as it is; others are invisible in an editor, and Python-Markdown
#: silently drops STX and ETX (it uses them itself).
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: reported per file at most; the rest are the same mistake again
MAX_CONTROL_REPORTS = 5


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
                    "write e.g. 'title: Your page title' between the '---' lines"))
            body = "\n".join(lines[index + 1:])
            if CONTROL_RE.search(body):
                raise ContentError(control_characters(body, index + 2, rel))
            return FrontMatter(meta, body, index + 2)
    raise ContentError(Diagnostic(
        rel, 1, 1, "error", "front matter is not closed: no second '---' line found", "",
        "add a line containing only '---' after the last front matter field"))


def control_characters(body: str, body_line: int, rel: str) -> list[Diagnostic]:
    """One error for each line of *body* holding a control character (the first on the line)."""
    found: list[Diagnostic] = []
    for offset, line in enumerate(body.split("\n")):
        match = CONTROL_RE.search(line)
        if match is None:
            continue
        code = ord(match.group(0))
        name = "a NUL byte (U+0000)" if code == 0 else f"the control character U+{code:04X}"
        found.append(Diagnostic(rel, body_line + offset, match.start() + 1, "error",
                                f"the text contains {name}", "",
                                "delete the invisible character (it often comes from copying and pasting, "
                                "or from a file that is not text)"))
        if len(found) == MAX_CONTROL_REPORTS:
            break
    return found
