"""Python-Markdown's inline processor, minus the patterns that cannot match.

The stock ``InlineProcessor`` tries every inline pattern (16 on our pages)
against every run of text, and each try is a Python call, a regex search
and a registry lookup even when the text holds none of the characters the
pattern needs.  On the benchmark articles that was about half of the time
spent converting Markdown.  Every pattern we know needs a literal trigger
(``[`` for links, ``<`` for raw HTML, ``*`` or ``_`` for emphasis, ...), so
a substring test that fails proves the search would fail, and the pattern
is skipped.  The order in which patterns are tried, and so the output, are
those of the stock processor; ``tests/test_markdown_inline.py`` converts the
site and random Markdown with both and compares the HTML.

An extension's pattern may name its own triggers in a ``TRIGGERS`` class
attribute (our citation pattern needs ``[@``).  Other patterns not in
:data:`TRIGGERS` (a built-in whose regular expression changed in a Markdown
upgrade, say) are always tried.

Reference-style links (``[text][id]``, ``[id]``) are skipped when the page
defines no ``[id]: url`` references: they then leave the text exactly as
they found it (an undefined reference is left alone), and each one used to
re-read the text of every ordinary link on the page, only to give up.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension, Markdown, util
from markdown.treeprocessors import InlineProcessor

#: pattern name -> (its regular expression as pinned, substrings one of which every match contains)
TRIGGERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "backtick": (r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)", ("`",)),
    "escape": (r"\\(.)", ("\\",)),
    "reference": (r"(?<!\!)\[", ("[",)),
    "link": (r"(?<!\!)\[", ("[",)),
    "image_link": (r"\!\[", ("![",)),
    "image_reference": (r"\!\[", ("![",)),
    "short_reference": (r"(?<!\!)\[", ("[",)),
    "short_image_ref": (r"\!\[", ("![",)),
    "autolink": (r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>", ("<",)),
    "automail": (r"<([^<> !]+@[^@<> ]+)>", ("<",)),
    "linebreak": (r"  \n", ("  \n",)),
    "entity": (r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)", ("&",)),
    "em_strong": (r"\*|_", ("*", "_")),
    "footnote": (r"\[\^([^\]]*)\]", ("[^",)),
}
#: raw inline HTML always starts with '<'; its expression is long, so only its start is pinned
HTML_PREFIX = r"(<(\/?+[a-zA-Z]"
#: patterns that only ever make a link out of a reference defined on the page (``md.references``)
REFERENCE_PATTERNS = frozenset({"reference", "image_reference", "short_reference", "short_image_ref"})
#: a trigger list that nothing contains: the pattern is skipped
NEVER: tuple[str, ...] = ()


def _triggers_for(name: str, regex: str) -> tuple[str, ...] | None:
    if name == "html":
        return ("<",) if regex.startswith(HTML_PREFIX) else None
    known = TRIGGERS.get(name)
    if known is None or known[0] != regex:
        return None
    return known[1]


class TriggeredInlineProcessor(InlineProcessor):
    """``InlineProcessor`` that skips a pattern when its trigger is absent from the text."""

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        registry = self.inlinePatterns
        patterns = list(registry)     # sorted by priority, as the stock loop indexes them
        names = {id(registry[name]): name for name in _names(registry)}
        self._patterns = patterns
        no_references = not self.md.references   # filled by the block parser, which has run
        triggers = []
        for pattern in patterns:
            name = names.get(id(pattern), "")
            found = _triggers_for(name, pattern.compiled_re.pattern)
            if found is None and not name:
                found = getattr(pattern, "TRIGGERS", None)   # an extension's own pattern
            if found is not None and no_references and name in REFERENCE_PATTERNS:
                found = NEVER
            triggers.append(found)
        # one trigger is tested with a plain 'in' (the common case: no generator)
        self._triggers = [t[0] if t is not None and len(t) == 1 else t for t in triggers]
        return super().run(tree, ancestors)

    # The stock method is name-mangled; this replaces it for every call made
    # by the inherited code (run and __applyPattern recurse through it).
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802
        if isinstance(data, util.AtomicString):
            return data
        patterns, triggers = self._patterns, self._triggers
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        count = len(patterns)
        start = 0
        while patternIndex < count:
            needed = triggers[patternIndex]
            if needed is not None and (needed not in data if needed.__class__ is str
                                       else not any(t in data for t in needed)):
                patternIndex += 1     # what a failed try would do: next pattern, from the start
                start = 0
                continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def _names(registry: util.Registry) -> list[str]:
    return [name for name in [*TRIGGERS, "html"] if name in registry]


class TriggeredInlineExtension(Extension):
    """Replaces the stock ``inline`` tree processor (same name and priority)."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(TriggeredInlineProcessor(md), "inline", 20)
