"""Python-Markdown's block processors, asked only about blocks they could match.

The block parser offers every block of a page to each processor in turn,
and most ``test`` methods run a regular-expression search over the whole
block: is there a ``#`` heading on any line, a ``>`` quote, an ``---`` rule,
a ``|`` table, a ``[id]: url`` definition?  For an ordinary paragraph the
answer is no, found the slow way, about ten times per block.  As with the
inline patterns (inline.py), each of those searches needs a literal
substring, so when the block lacks it the processor is passed over at once.

A processor is only wrapped when its class and regular expression are the
ones pinned here, so a Markdown upgrade that changes one leaves it untested
by trigger (and slower) rather than wrong.  ``tests/test_markdown_blocks.py``
converts the site and random Markdown with and without this extension.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from typing import Callable

from markdown import Extension, Markdown, blockprocessors
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import footnotes, tables

#: name -> (class, its regular expression as pinned (None: matched without one), substrings one of which
#: every block it accepts contains).  A processor whose ``test`` always says yes and whose ``run``
#: gives up without a match (reference, footnote) is equivalent to one whose ``test`` says no.
TRIGGERS: dict[str, tuple[type, str | None, tuple[str, ...]]] = {
    "table": (tables.TableProcessor, None, ("|",)),
    "hashheader": (blockprocessors.HashHeaderProcessor,
                   r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)", ("#",)),
    "setextheader": (blockprocessors.SetextHeaderProcessor, r"^.*?\n(?:=+|-+)[ ]*(\n|$)", ("\n=", "\n-")),
    "hr": (blockprocessors.HRProcessor,
           r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
           r"(?P=atomicgroup)[ ]*$", ("-", "_", "*")),
    "quote": (blockprocessors.BlockQuoteProcessor, r"(^|\n)[ ]{0,3}>[ ]?(.*)", (">",)),
    "footnote": (footnotes.FootnoteBlockProcessor, r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$", ("[^",)),
    "reference": (blockprocessors.ReferenceProcessor,
                  r'^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$',
                  ("]:",)),
}


def _regex_of(processor: BlockProcessor) -> str | None:
    found = getattr(processor, "SEARCH_RE", None) or getattr(processor, "RE", None)
    if found is None:
        return None
    return found if isinstance(found, str) else found.pattern


def _pinned(name: str, processor: BlockProcessor) -> tuple[str, ...] | None:
    known = TRIGGERS.get(name)
    if known is None or type(processor) is not known[0]:
        return None
    if known[1] is not None and _regex_of(processor) != known[1]:
        return None
    return known[2]


def _triggered(test: Callable[[etree.Element, str], bool],
               needed: tuple[str, ...]) -> Callable[[etree.Element, str], bool]:
    if len(needed) == 1:
        only = needed[0]

        def one(parent: etree.Element, block: str) -> bool:
            return only in block and test(parent, block)
        return one

    def any_of(parent: etree.Element, block: str) -> bool:
        return any(t in block for t in needed) and test(parent, block)
    return any_of


def trigger_block_tests(md: Markdown) -> list[str]:
    """Wrap the pinned processors' ``test``; returns the names wrapped."""
    wrapped = []
    registry = md.parser.blockprocessors
    for name in TRIGGERS:
        if name not in registry:
            continue
        processor = registry[name]
        needed = _pinned(name, processor)
        if needed is None or getattr(processor, "_triggered", False):
            continue
        processor.test = _triggered(processor.test, needed)  # type: ignore[method-assign]
        processor._triggered = True  # type: ignore[attr-defined]
        wrapped.append(name)
    return wrapped


class TriggeredBlockExtension(Extension):
    """List it after the extensions whose processors it should cover (tables, footnotes)."""

    def extendMarkdown(self, md: Markdown) -> None:
        trigger_block_tests(md)
