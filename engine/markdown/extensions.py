"""Python-Markdown extensions: citations, data blocks and base-URL links.

These work on the parsed document (block processors, inline processors and
tree processors), not by regex over the final HTML, so they never fire inside
code blocks and they compose with the standard extensions.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import Callable, Protocol

from markdown import Extension, Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

#: ``[@nhs-leg-cramps]`` or ``[@a; @b]``
CITATION_RE = r"\[@([A-Za-z0-9][\w.:-]*(?:\s*[;,]\s*@[A-Za-z0-9][\w.:-]*)*)\]"
#: ``::: comparison calf-nutrients`` alone in its paragraph
DIRECTIVE_RE = re.compile(r"^:::[ \t]*([a-z][a-z0-9-]*)((?:[ \t]+[^\s]+)*)[ \t]*$")


def parse_citation_ids(group: str) -> list[str]:
    return [part.strip().lstrip("@") for part in re.split(r"[;,]", group) if part.strip()]


class PageHooks(Protocol):
    """What the extensions need from the page being rendered."""

    def cite(self, ids: list[str]) -> str: ...
    def render_block(self, name: str, args: list[str]) -> str: ...
    def url(self, path: str) -> str: ...


@dataclass
class HookHolder:
    hooks: PageHooks | None = None


class CitationProcessor(InlineProcessor):
    def __init__(self, pattern: str, holder: HookHolder, md: Markdown):
        super().__init__(pattern, md)
        self.holder = holder

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]
        assert self.holder.hooks is not None
        html = self.holder.hooks.cite(parse_citation_ids(m.group(1)))
        return self.md.htmlStash.store(html), m.start(0), m.end(0)


class DirectiveProcessor(BlockProcessor):
    def __init__(self, parser, holder: HookHolder):
        super().__init__(parser)
        self.holder = holder

    def test(self, parent: etree.Element, block: str) -> bool:
        return DIRECTIVE_RE.match(block.strip()) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0).strip()
        match = DIRECTIVE_RE.match(block)
        assert match is not None and self.holder.hooks is not None
        html = self.holder.hooks.render_block(match.group(1), match.group(2).split())
        placeholder = etree.SubElement(parent, "p")
        placeholder.text = self.parser.md.htmlStash.store(html)


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
        md.parser.blockprocessors.register(DirectiveProcessor(md.parser, self.holder), "site-directive", 105)
        md.inlinePatterns.register(CitationProcessor(CITATION_RE, self.holder, md), "site-citation", 175)
        md.treeprocessors.register(BaseUrlProcessor(md, self.holder), "site-base-url", 1)
        md.registerExtension(self)

    def reset(self) -> None:
        self.holder.hooks = None
