"""Safety checks on content Markdown: raw scripts, frames and inline handlers.

The site is health information; a pasted ``<script>`` or ``onclick=`` is far
more likely to be an accident (or an embed copied from somewhere) than a
feature.  They are errors unless ``allow_raw_html`` in ``data/site.yaml``
lists the tag (``script`` also allows event handlers and ``javascript:``/``data:`` links).

These checks are the editor's early warning, with a line and column.  They
are not what keeps scripts off the published pages: the sanitiser
(``engine/markdown/sanitize.py``) does that on the HTML itself, so a trick
that slips past a line check is still removed.

The scan is split in two so that the source cache can keep its result:
:func:`raw_html_candidates` finds every risky construct from the text alone,
and :func:`raw_html_problems` drops those that ``allow_raw_html`` permits.
"""

from __future__ import annotations

import html
import re
from typing import Iterable, Iterator

RISKY_TAGS = ("script", "iframe", "object", "embed")
TAG_RE = re.compile(r"<\s*/?\s*(script|iframe|object|embed)\b", re.IGNORECASE)
#: ``<img onerror=``, also ``<svg/onload=`` and ``<img src=x"onerror=`` (HTML takes '/' and a
#: closing quote as attribute separators)
HANDLER_RE = re.compile(r"<[a-zA-Z][^<>]*?[\s/\"'](on[a-zA-Z]+)\s*=", re.IGNORECASE)
#: where a URL starts: a Markdown link target, an attribute value, an autolink
#: (the URL is looked at, not consumed, so an autolink's '<' does not hide an attribute after it)
URL_START_RE = re.compile(r"(?:\]\(\s*<?|=\s*[\"']?\s*|<)(?=([^\"'<>()\]\n]{1,100}))")
#: schemes that run code or smuggle in a document of their own
SCRIPT_SCHEMES = ("javascript", "vbscript", "data")
#: removed before a scheme is compared: browsers ignore tabs and line breaks in URLs, and
#: the line check once looked for 'java script' with spaces too
_URL_NOISE_RE = re.compile(r"[\x00-\x20]+")
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
    """(line number, text) of body lines outside fenced code blocks, inline code blanked.

    A fence is what Python-Markdown's fenced_code takes for one (its own pattern): at the
    start of a line and closed by the same fence.  An unclosed or indented fence is text,
    and so is checked: Markdown would publish the HTML in it.
    """
    skip = _fenced_lines(body) if ("```" in body or "~~~" in body) else ()
    for offset, line in enumerate(body.split("\n")):
        if offset in skip:
            continue
        yield first_line + offset, _blank_code_spans(line)


def _fenced_lines(body: str) -> set[int]:
    """0-based numbers of the lines of *body* that fenced code blocks take, fences included."""
    from markdown.extensions.fenced_code import FencedBlockPreprocessor
    lines: set[int] = set()
    for match in FencedBlockPreprocessor.FENCED_BLOCK_RE.finditer(body):
        first = body.count("\n", 0, match.start())
        lines.update(range(first, first + match.group(0).count("\n") + 1))
    return lines


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
    if ":" in line or "&" in line:
        for match in URL_START_RE.finditer(line):
            scheme = script_scheme(match.group(1))
            if scheme:
                yield (lineno, match.start(1) + 1, f"'{scheme}:' link in Markdown is not allowed",
                       "link to a normal web address (https://...) instead", "script")


def script_scheme(url: str) -> str:
    """The script-capable scheme *url* starts with ('javascript', 'data' ...), or ''.

    Character references are decoded first (``java&#115;cript:``, ``javascript&colon;``),
    as the browser decodes them in an attribute.
    """
    if "&" in url:
        url = html.unescape(url)
    if ":" not in url:
        return ""
    compact = _URL_NOISE_RE.sub("", url[:url.index(":") + 1]).lower()
    for scheme in SCRIPT_SCHEMES:
        if compact == scheme + ":":
            return scheme
    return ""


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
    if ":" not in body and "&" not in body:
        return True
    # a URL start matched over the whole text covers at least what a line's match covers
    # (its group stops at a line break), so a line can hold a bad URL only if this finds one
    return not any(script_scheme(match.group(1)) for match in URL_START_RE.finditer(body))


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
