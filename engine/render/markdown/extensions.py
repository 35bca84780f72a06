"""Python-Markdown extensions: citations, data blocks and base-URL links.

These work on the parsed document (block processors, inline processors and
tree processors), not by regex over the final HTML, so they never fire inside
code blocks and they compose with the standard extensions.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import Protocol

from markdown import Extension, Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from ...load.syntax import CITATION_RE, DIRECTIVE_RE, parse_citation_ids  # noqa: F401 - the syntax, defined once

class PageHooks(Protocol):
    """What the extensions need from the page being rendered."""

    def cite(self, ids: list[str]) -> str: ...
    def render_block(self, name: str, args: list[str]) -> str: ...
    def url(self, path: str) -> str: ...


@dataclass
class HookHolder:
    hooks: PageHooks | None = None
    #: HTML made by the templates (data blocks, citation markers) for the page being
    #: converted; the text holds TRUSTED_PLACEHOLDER % index where each one goes, so
    #: that the sanitiser sees only what came from the Markdown (see renderer.py)
    trusted: list[str] = field(default_factory=list)


#: marks where a piece of ``HookHolder.trusted`` goes; STX/ETX, like Python-Markdown's own
#: placeholders, because its whitespace preprocessor deletes them from every source text
TRUSTED_PLACEHOLDER = "\x02cgtrusted:%d\x03"
TRUSTED_RE = re.compile("<p>\x02cgtrusted:([0-9]+)\x03</p>|\x02cgtrusted:([0-9]+)\x03")


CITE_TAG = "site-cite"
DIRECTIVE_TAG = "site-directive"


class CitationProcessor(InlineProcessor):
    """Marks ``[@id]`` in the tree; numbering happens later, in document order."""

    #: every match contains this (see markdown/inline.py): text without it is not searched
    TRIGGERS = ("[@",)

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]
        element = etree.Element(CITE_TAG)
        element.set("ids", " ".join(parse_citation_ids(m.group(1))))
        return element, m.start(0), m.end(0)


class DirectiveProcessor(BlockProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return DIRECTIVE_RE.match(block.strip()) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        match = DIRECTIVE_RE.match(blocks.pop(0).strip())
        assert match is not None
        element = etree.SubElement(parent, DIRECTIVE_TAG)
        element.set("name", match.group(1))
        element.set("args", " ".join(match.group(2).split()))


class OrderedRenderProcessor(Treeprocessor):
    """Renders citations and data blocks in reading order.

    Block processors run before inline processors, so rendering either where
    it is parsed would number a table's citations before the paragraph above
    it.  Both are left as marker elements and resolved here, in one walk of
    the finished tree, so citation numbers follow the order a reader meets them.
    """

    def __init__(self, md: Markdown, holder: HookHolder):
        super().__init__(md)
        self.holder = holder

    def run(self, root: etree.Element) -> None:
        hooks = self.holder.hooks
        assert hooks is not None
        parents = {child: parent for parent in root.iter() for child in parent}
        for element in list(root.iter()):
            if element.tag == DIRECTIVE_TAG:
                html = hooks.render_block(element.get("name", ""), (element.get("args") or "").split())
                element.tag = "p"
                element.attrib.clear()
                element.text = self._keep(html)
            elif element.tag == CITE_TAG:
                html = hooks.cite((element.get("ids") or "").split())
                _replace_with_text(parents[element], element, self._keep(html))

    def _keep(self, html: str) -> str:
        """Set *html* aside (it comes from a template, not from the editor) and return its placeholder."""
        self.holder.trusted.append(html)
        return TRUSTED_PLACEHOLDER % (len(self.holder.trusted) - 1)


def _replace_with_text(parent: etree.Element, element: etree.Element, text: str) -> None:
    index = list(parent).index(element)
    text += element.tail or ""
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + text
    parent.remove(element)


class BaseUrlProcessor(Treeprocessor):
    """Prefix root-relative links and images with the site's base path."""

    def __init__(self, md: Markdown, holder: HookHolder):
        super().__init__(md)
        self.holder = holder

    def run(self, root: etree.Element) -> None:
        assert self.holder.hooks is not None
        for element in root.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if value and value.startswith("/") and not value.startswith("//"):
                    element.set(attr, self.holder.hooks.url(value))


class SiteExtension(Extension):
    """Registers the three processors; the page's hooks are set before each convert."""

    def __init__(self, **kwargs):
        self.holder = HookHolder()
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        md.parser.blockprocessors.register(DirectiveProcessor(md.parser), "site-directive", 105)
        md.inlinePatterns.register(CitationProcessor(CITATION_RE, md), "site-citation", 175)
        md.treeprocessors.register(OrderedRenderProcessor(md, self.holder), "site-ordered-render", 2)
        md.treeprocessors.register(BaseUrlProcessor(md, self.holder), "site-base-url", 1)
        md.registerExtension(self)

    def reset(self) -> None:
        self.holder.hooks = None
        self.holder.trusted = []
