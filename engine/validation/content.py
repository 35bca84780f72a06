"""Safety checks on content Markdown: raw scripts, frames and inline handlers.

The site is health information; a pasted ``<script>`` or ``onclick=`` is far
more likely to be an accident (or an embed copied from somewhere) than a
feature.  They are errors unless ``allow_raw_html`` in ``data/site.yaml``
lists the tag (``script`` also allows event handlers and ``javascript:`` links).
"""

from __future__ import annotations

import re
from typing import Iterator

RISKY_TAGS = ("script", "iframe", "object", "embed")
TAG_RE = re.compile(r"<\s*/?\s*(script|iframe|object|embed)\b", re.IGNORECASE)
HANDLER_RE = re.compile(r"<[a-zA-Z][^<>]*?\s(on[a-zA-Z]+)\s*=", re.IGNORECASE)
JS_URL_RE = re.compile(r"(?:\]\(\s*<?|=\s*[\"']?\s*|<)(j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:)", re.IGNORECASE)
CODE_SPAN_RE = re.compile(r"(`+)(.+?)\1")


def _blank_code_spans(line: str) -> str:
    """Replace inline code with spaces so columns stay right and code is ignored."""
    return CODE_SPAN_RE.sub(lambda m: " " * len(m.group(0)), line)


def body_lines(body: str, first_line: int) -> Iterator[tuple[int, str]]:
    """(line number, text) of body lines outside fenced code blocks, inline code blanked."""
    fence = ""
    for offset, line in enumerate(body.split("\n")):
        stripped = line.lstrip()
        if fence:
            if stripped.startswith(fence):
                fence = ""
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            continue
        yield first_line + offset, _blank_code_spans(line)


def raw_html_problems(body: str, first_line: int, allowed: set[str]) -> Iterator[tuple[int, int, str, str]]:
    """(line, col, message, hint) for every risky construct not allowed by site.yaml."""
    allow_hint = "remove it, or if it is really needed add it to 'allow_raw_html' in data/site.yaml"
    for lineno, line in body_lines(body, first_line):
        for match in TAG_RE.finditer(line):
            tag = match.group(1).lower()
            if tag not in allowed and not match.group(0).replace(" ", "").startswith("</"):
                yield (lineno, match.start() + 1, f"raw <{tag}> tag in Markdown is not allowed",
                       allow_hint.replace("add it", f"add '{tag}'"))
        if "script" in allowed:
            continue
        for match in HANDLER_RE.finditer(line):
            yield (lineno, match.start(1) + 1,
                   f"inline event handler '{match.group(1)}=' in Markdown is not allowed",
                   "remove it; scripts are allowed only if 'allow_raw_html' in data/site.yaml lists 'script'")
        for match in JS_URL_RE.finditer(line):
            yield (lineno, match.start(1) + 1, "'javascript:' link in Markdown is not allowed",
                   "link to a normal web address (https://...) instead")
