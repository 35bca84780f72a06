"""Markdown pages: no statement without a source, and a reading level readers can manage.

Both checks read the page's blocks as an editor sees them: paragraphs, list
items and table cells, each with the line it starts on, so a warning points
at the sentence to fix.  Headings, code, raw HTML, ``::: block`` lines and
links on their own (navigation) are not statements.

A block is cited when it holds ``[@id]``; it needs no citation when it ends
with a marker class written the attr_list way (``{: .general-advice}``), or
when the page's front matter says ``uncited: site-text``.  Reading level is
Flesch-Kincaid from textstat (a maintained library, not a hand-made syllable
counter), per page and per paragraph long enough to score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Collection, Iterator, NamedTuple

from ..diagnostics import Diagnostic

FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
ITEM_RE = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])\s+")
ATTR_RE = re.compile(r"\{:?\s*([^}\n]*)\}\s*$")
CITE_RE = re.compile(r"\[@\s*[A-Za-z0-9][^\]]*\]")
EMPTY_CITE_RE = re.compile(r"\[@[\s;,@]*\]")
LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
LINK_ONLY_RE = re.compile(r"^(?:\s*!?\[[^\]]*\]\([^)]*\)\s*[,;.]?)+$")
WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-Z0-9])")
TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


class Block(NamedTuple):
    line: int
    col: int
    kind: str          # paragraph | item | cell
    text: str


@dataclass(frozen=True)
class StatementRules:
    min_words: int = 6
    markers: tuple[str, ...] = ("general-advice", "site-text")


@dataclass(frozen=True)
class ReadabilityRules:
    max_grade: float = 8.0
    max_sentence_words: int = 25
    min_words: int = 40


def rules_from_site(site: dict[str, Any]) -> tuple[StatementRules, ReadabilityRules]:
    """The two rule sets from ``statements:`` and ``readability:`` in site.yaml (types checked by its schema)."""
    s = site.get("statements") if isinstance(site.get("statements"), dict) else {}
    r = site.get("readability") if isinstance(site.get("readability"), dict) else {}
    base_s, base_r = StatementRules(), ReadabilityRules()
    markers = s.get("markers")
    return (StatementRules(int(s.get("min_words", base_s.min_words)),
                           tuple(map(str, markers)) if isinstance(markers, list) else base_s.markers),
            ReadabilityRules(float(r.get("max_grade", base_r.max_grade)),
                             int(r.get("max_sentence_words", base_r.max_sentence_words)),
                             int(r.get("min_words", base_r.min_words))))


def blocks(body: str, first_line: int) -> Iterator[Block]:
    """Paragraphs, list items and table cells of a Markdown body, with where each starts."""
    fence = ""
    current: list[str] = []
    start = (0, 0, "")
    in_html = False
    table_rows = 0

    def flush() -> Iterator[Block]:
        if current:
            yield Block(start[0], start[1], start[2], " ".join(s.strip() for s in current))
        current.clear()

    for lineno, line in enumerate(body.split("\n"), first_line):
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = ""
            continue
        found = FENCE_RE.match(line)
        if found:
            yield from flush()
            fence = found.group(1)[0] * 3
            continue
        if not stripped:
            yield from flush()
            in_html = False
            table_rows = 0
            continue
        if in_html:
            continue
        if stripped.startswith(("#", ":::")) or (stripped.startswith("<") and not current):
            yield from flush()
            in_html = stripped.startswith("<")
            continue
        if current and ATTR_RE.fullmatch(stripped):      # '{: .general-advice}' on its own line
            current.append(stripped)
            continue
        if stripped.startswith("|") or (table_rows and "|" in stripped):
            yield from flush()
            table_rows += 1
            if TABLE_RULE_RE.match(stripped) or table_rows == 1:
                continue          # the rule under the header, and the header row: headings
            start_col = line.find("|") + 2 if stripped.startswith("|") else len(line) - len(line.lstrip()) + 1
            for cell in re.split(r"(?<!\\)\|", stripped.strip("|")):
                if cell.strip():
                    yield Block(lineno, start_col + len(cell) - len(cell.lstrip()), "cell", cell.strip())
                start_col += len(cell) + 1
            continue
        item = ITEM_RE.match(line)
        if item:
            yield from flush()
            start = (lineno, item.end() + 1, "item")
            current.append(line[item.end():])
            continue
        if line.startswith("    ") and not current:
            continue              # indented code
        if not current:
            text = stripped.lstrip(">").strip()
            start = (lineno, len(line) - len(line.lstrip()) + 1, "paragraph")
            current.append(text)
        else:
            current.append(stripped.lstrip(">").strip() if stripped.startswith(">") else stripped)
    yield from flush()


def marker_classes(text: str) -> set[str]:
    found = ATTR_RE.search(text)
    if not found:
        return set()
    return {part[1:] for part in found.group(1).split() if part.startswith(".")}


def plain(text: str) -> str:
    """The words a reader sees: no citations, link targets, attribute lists or emphasis marks."""
    text = CITE_RE.sub("", ATTR_RE.sub("", text))
    text = LINK_RE.sub(r"\1", text)
    return re.sub(r"[*_`]+", "", text).strip()


def words(text: str) -> int:
    return len(WORD_RE.findall(text))


def check_statements(rel: str, body: str, first_line: int, rules: StatementRules,
                     unseen: Collection[str] = (), parsed: list[Block] | None = None) -> list[Diagnostic]:
    """A warning per block of *min_words* words or more that cites nothing and is not marked,
    and per citation made only of sources whose text was never seen (*unseen*).
    *parsed*: :func:`blocks` of the body, when the caller has them already."""
    out: list[Diagnostic] = []
    for block in parsed if parsed is not None else blocks(body, first_line):
        if EMPTY_CITE_RE.search(block.text):
            out.append(Diagnostic(rel, block.line, block.col, "error", "empty citation '[@]'", "citation",
                                  "write the reference id after '@', e.g. [@source-id], an id from data/references.yaml"))
            continue
        for cited in CITE_RE.findall(block.text):
            ids = [part.strip().lstrip("@") for part in re.split(r"[;,]", cited[2:-1]) if part.strip()]
            if ids and unseen and all(rid in unseen for rid in ids):
                out.append(Diagnostic(rel, block.line, block.col, "warning",
                                      f"{cited} cites only sources whose text was never seen (text_seen: false)",
                                      "citation", "add a source whose text was checked, or drop the statement"))
        if CITE_RE.search(block.text) or marker_classes(block.text) & set(rules.markers):
            continue
        text = ATTR_RE.sub("", block.text).strip()
        if LINK_ONLY_RE.match(text) or words(plain(text)) < rules.min_words:
            continue
        out.append(Diagnostic(rel, block.line, block.col, "warning", "statement without a citation", "",
                              "cite the source that backs it, e.g. [@source-id]; if it is common-sense "
                              "advice or about the site, end it with {: ." + " } or {: .".join(rules.markers) + " }"))
    return out


_READER: Any = None


def _reader() -> Any:
    """textstat's calculator with one change: each word's syllable count is kept.

    textstat counts a text's syllables by hyphenating every word with pyphen, and that
    was nine tenths of the check (3 ms a page); a site repeats its words on every page,
    so a word is hyphenated once.  The formula, the word and sentence counts and the
    rounding stay textstat's own, so the grade is exactly textstat's.
    """
    global _READER
    if _READER is None:
        import textstat   # imported on first use: a build with every page cached never needs it
        from functools import lru_cache

        base = type(textstat.textstat)

        class CachedSyllables(base):  # type: ignore[misc, valid-type]
            def syllable_count(self, text: str, lang: Any = None) -> int:
                text = self.remove_punctuation(text.lower())
                return sum(_word(word) for word in text.split())

        reader = CachedSyllables()
        positions = reader.pyphen.positions

        @lru_cache(maxsize=1 << 16)
        def _word(word: str) -> int:
            return len(positions(word)) + 1

        _READER = reader
    return _READER


def grade(text: str) -> float:
    """Flesch-Kincaid grade of *text*, by textstat (syllables from pyphen's dictionaries)."""
    return float(_reader().flesch_kincaid_grade(text))


def _counts(text: str) -> tuple[int, int, int]:
    """textstat's word, sentence and syllable counts of *text*."""
    reader = _reader()
    return reader.lexicon_count(text), reader.sentence_count(text), reader.syllable_count(text)


def _grade_of(words_: int, sentences: int, syllables: int) -> float:
    """textstat's Flesch-Kincaid formula and rounding, from counts: a page's grade is made from
    its paragraphs' counts instead of counting the whole text a second time."""
    reader = _reader()
    asl = reader._legacy_round(words_ / sentences, 1) if sentences else 0.0
    asw = reader._legacy_round(syllables / words_, 1) if words_ else 0.0
    return float(reader._legacy_round(0.39 * asl + 11.8 * asw - 15.59, 1))


def check_readability(rel: str, body: str, first_line: int, rules: ReadabilityRules,
                      title_line: int = 1, parsed: list[Block] | None = None) -> list[Diagnostic]:
    """Warnings for long sentences, hard paragraphs and a hard page.
    *parsed*: :func:`blocks` of the body, when the caller has them already."""
    out: list[Diagnostic] = []
    total = [0, 0, 0]
    for block in parsed if parsed is not None else blocks(body, first_line):
        if block.kind == "cell":
            continue
        text = plain(block.text)
        if not text:
            continue
        counts = _counts(text)
        total = [a + b for a, b in zip(total, counts)]
        for sentence in SENTENCE_END_RE.split(text):
            count = words(sentence)
            if count > rules.max_sentence_words:
                out.append(Diagnostic(rel, block.line, block.col, "warning",
                                      f"sentence of {count} words (at most {rules.max_sentence_words}): "
                                      f"'{' '.join(sentence.split()[:8])} ...'", "readability",
                                      "split it into two sentences"))
        if words(text) >= rules.min_words:
            score = _grade_of(*counts)        # = grade(text): the same counts, formula and rounding
            if score > rules.max_grade:
                out.append(Diagnostic(rel, block.line, block.col, "warning",
                                      f"paragraph reads at grade {score:g} (at most {rules.max_grade:g})",
                                      "readability", "use shorter sentences and everyday words"))
    if total[0] >= rules.min_words:
        score = _grade_of(*total)
        if score > rules.max_grade:
            out.append(Diagnostic(rel, title_line, 1, "warning",
                                  f"page reads at grade {score:g} (at most {rules.max_grade:g})", "readability",
                                  "use shorter sentences and everyday words"))
    return out


#: how scaffolds (``templates/archetypes/*.md``) mark text the writer must replace
PLACEHOLDER_RE = re.compile(r"\bTODO\b")
PLACEHOLDER_HINT = ("replace the scaffold's placeholder with the page's own text (pages made by "
                    "'build.py new' mark what is still to write with TODO)")


def check_placeholders(rel: str, meta: Any, body: str, first_line: int) -> list[Diagnostic]:
    """A warning per front-matter value and body line still holding scaffold placeholder text
    (``TODO``, outside code), so ``check --strict`` and ``deploy`` refuse an unfinished page."""
    from .content import body_lines
    out: list[Diagnostic] = []
    data = getattr(meta, "data", None)
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and PLACEHOLDER_RE.search(value):
                out.append(meta.diag((key,), f"'{key}' is still the scaffold's placeholder text",
                                     severity="warning", hint=PLACEHOLDER_HINT))
    if "TODO" not in body:
        return out
    for lineno, line in body_lines(body, first_line):
        match = PLACEHOLDER_RE.search(line)
        if match:
            out.append(Diagnostic(rel, lineno, match.start() + 1, "warning",
                                  "placeholder text from the scaffold: this page is unfinished", "",
                                  PLACEHOLDER_HINT))
    return out
