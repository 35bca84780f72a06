"""Safety checks on content Markdown: raw scripts, frames and inline handlers.

The site is health information; a pasted ``<script>`` or ``onclick=`` is far
more likely to be an accident (or an embed copied from somewhere) than a
feature.  They are errors unless ``allow_raw_html`` in ``data/site.yaml``
lists the tag (``script`` also allows event handlers and ``javascript:`` links).

The scan is split in two so that the source cache can keep its result:
:func:`raw_html_candidates` finds every risky construct from the text alone,
and :func:`raw_html_problems` drops those that ``allow_raw_html`` permits.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

RISKY_TAGS = ("script", "iframe", "object", "embed")
TAG_RE = re.compile(r"<\s*/?\s*(script|iframe|object|embed)\b", re.IGNORECASE)
HANDLER_RE = re.compile(r"<[a-zA-Z][^<>]*?\s(on[a-zA-Z]+)\s*=", re.IGNORECASE)
JS_URL_RE = re.compile(r"(?:\]\(\s*<?|=\s*[\"']?\s*|<)(j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:)", re.IGNORECASE)
CODE_SPAN_RE = re.compile(r"(`+)(.+?)\1")
ALLOW_HINT = "remove it, or if it is really needed add it to 'allow_raw_html' in data/site.yaml"

#: (line, col, message, hint, the ``allow_raw_html`` entry that would permit it)
Candidate = tuple[int, int, str, str, str]


def _blank_code_spans(line: str) -> str:
    """Replace inline code with spaces so columns stay right and code is ignored."""
    if "`" not in line:   # most lines: skip the regex (this runs on every line of every page)
        return line
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


def line_candidates(lineno: int, line: str) -> Iterator[Candidate]:
    """Risky constructs on one (code-blanked) body line, whatever ``allow_raw_html`` says.

    The cheap ``in`` tests are necessary conditions of each pattern, so skipping the
    regex when they fail changes nothing.
    """
    if "<" in line:
        for match in TAG_RE.finditer(line):
            tag = match.group(1).lower()
            if not match.group(0).replace(" ", "").startswith("</"):
                yield (lineno, match.start() + 1, f"raw <{tag}> tag in Markdown is not allowed",
                       ALLOW_HINT.replace("add it", f"add '{tag}'"), tag)
        for match in HANDLER_RE.finditer(line):
            yield (lineno, match.start(1) + 1,
                   f"inline event handler '{match.group(1)}=' in Markdown is not allowed",
                   "remove it; scripts are allowed only if 'allow_raw_html' in data/site.yaml lists 'script'",
                   "script")
    if ":" in line:
        for match in JS_URL_RE.finditer(line):
            yield (lineno, match.start(1) + 1, "'javascript:' link in Markdown is not allowed",
                   "link to a normal web address (https://...) instead", "script")


def plain_and_safe(body: str) -> bool:
    """Whether :func:`body_lines` would yield *body*'s lines unchanged and
    :func:`line_candidates` find nothing on any of them.

    True means no code fence or span (nothing blanked or skipped), and no
    pattern matching anywhere in the whole text: a match within one line is a
    match within the text, so a line-by-line scan can only find less.  (Over
    the whole text ``\\s`` also matches a line break, which can only make this
    say False more often.)  Almost every page passes, and one regular
    expression search over the text is far cheaper than the per-line scan.
    """
    if "`" in body or "~~~" in body:
        return False
    if "<" in body and (TAG_RE.search(body) or HANDLER_RE.search(body)):
        return False
    return ":" not in body or not _may_hold_js_url(body)


#: the part of JS_URL_RE every match contains, tried only where a 'j' or 'J' is (the only
#: characters that match 'j' ignoring case): cheaper than searching the whole text for it
_JS_WORD_RE = re.compile(r"j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:", re.IGNORECASE)


def _may_hold_js_url(text: str) -> bool:
    for letter in "jJ":
        at = text.find(letter)
        while at != -1:
            if _JS_WORD_RE.match(text, at):
                return True
            at = text.find(letter, at + 1)
    return False


def raw_html_candidates(body: str, first_line: int) -> list[Candidate]:
    """Every risky construct in *body*, in the order they are reported."""
    return [c for lineno, line in body_lines(body, first_line) for c in line_candidates(lineno, line)]


def allowed_only(candidates: Iterable[Candidate], allowed: set[str]) -> Iterator[tuple[int, int, str, str]]:
    """The candidates ``allow_raw_html`` does not permit, as (line, col, message, hint)."""
    for lineno, col, message, hint, needs in candidates:
        if needs not in allowed:
            yield lineno, col, message, hint


def raw_html_problems(body: str, first_line: int, allowed: set[str]) -> Iterator[tuple[int, int, str, str]]:
    """(line, col, message, hint) for every risky construct not allowed by site.yaml."""
    return allowed_only(raw_html_candidates(body, first_line), allowed)
