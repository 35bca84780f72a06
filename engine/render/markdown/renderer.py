"""One reused Python-Markdown instance per process, reset between pages.

Building a ``Markdown`` object with its extensions costs far more than
converting a short page, so the instance is made once and ``reset()``.

Every piece of HTML made here goes through the sanitiser (``sanitize.py``,
nh3) before it leaves: a page body with the template-made parts (data
blocks, citation markers) set aside and put back afterwards, and each data
snippet.  Whatever the line checks miss, no script reaches a reader.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import markdown
from markdown import Extension
from markdown.extensions.attr_list import AttrListTreeprocessor
from markdown.extensions.fenced_code import FencedCodeExtension
from markupsafe import Markup

from .blocks import TriggeredBlockExtension
from .extensions import TRUSTED_RE, PageHooks, SiteExtension
from .inline import TriggeredInlineExtension
from .sanitize import Sanitizer
from .typography import TypographyExtension

#: typographic quotes come from our TypographyExtension, not "smarty" (see typography.py)
#: fenced_code: a ``` fence is code (escaped), not text whose HTML is passed through
PAGE_EXTENSIONS = ["fenced_code", "tables", "toc", "attr_list", "footnotes", "md_in_html"]
EXTENSION_CONFIG: dict[str, dict[str, Any]] = {
    # The "On this page" list is made by the templates from ``toc_tokens``.  With no
    # marker, toc does not walk every page's whole tree looking for a "[TOC]" paragraph
    # to replace (0.6 ms of a 7 ms page); "[TOC]" typed in an article stays text.
    "toc": {"toc_depth": "2-3", "marker": ""},
}


def page_extensions() -> list[Extension]:
    """PAGE_EXTENSIONS as objects, configured with EXTENSION_CONFIG.

    Given names, Python-Markdown looks each one up among the installed
    packages' entry points (importlib.metadata): about 40 ms of every build
    that renders a page.
    """
    from markdown.extensions.attr_list import AttrListExtension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.md_in_html import MarkdownInHtmlExtension
    from markdown.extensions.tables import TableExtension
    from markdown.extensions.toc import TocExtension
    classes = {"fenced_code": FencedCodeExtension, "tables": TableExtension, "toc": TocExtension,
               "attr_list": AttrListExtension, "footnotes": FootnoteExtension,
               "md_in_html": MarkdownInHtmlExtension}
    return [classes[name](**EXTENSION_CONFIG.get(name, {})) for name in PAGE_EXTENSIONS]


#: tree processors that only change text holding a substring, with the class and pattern
#: that make it so; a page whose source lacks the substring is converted without them.
#: attr_list looks for ``{: .class }`` after every block and inline element of every page.
SOURCE_TRIGGERS: dict[str, tuple[type, str, str]] = {
    "attr_list": (AttrListTreeprocessor, r"\{\:?[ ]*([^\}\n ][^\n]*)\}", "{"),
}


def _nothing(root: Any) -> None:
    return None


def source_triggered(md: markdown.Markdown) -> list[tuple[Any, str]]:
    """(processor, trigger) for each SOURCE_TRIGGERS processor *md* has, as pinned there."""
    found = []
    for name, (cls, pattern, trigger) in SOURCE_TRIGGERS.items():
        processor = md.treeprocessors[name] if name in md.treeprocessors else None
        if type(processor) is cls and getattr(processor, "BASE_RE", None) == pattern:
            found.append((processor, trigger))
    return found


@contextmanager
def _untriggered_skipped(triggered: list[tuple[Any, str]], text: str) -> Iterator[None]:
    """Switch off, for one conversion, the processors *text* gives nothing to do."""
    skipped = [processor for processor, trigger in triggered if trigger not in text]
    for processor in skipped:
        processor.run = _nothing
    try:
        yield
    finally:
        for processor in skipped:
            del processor.run


@dataclass
class RenderedMarkdown:
    html: str
    toc: list[dict[str, Any]] = field(default_factory=list)


class MarkdownRenderer:
    """Markdown to sanitised HTML, for page bodies and data fields.

    *allow_raw_html*: ``allow_raw_html`` from site.yaml (see ``sanitize.Sanitizer``).
    """

    def __init__(self, allow_raw_html: Iterable[str] = ()) -> None:
        self.site_ext = SiteExtension()
        self.page_md = markdown.Markdown(
            extensions=[*page_extensions(), TypographyExtension(), self.site_ext, TriggeredInlineExtension(),
                        TriggeredBlockExtension()],
            output_format="html")
        # Data fields (an FAQ answer, a cause's explanation) get the light set:
        # no headings, so no toc; rendered once per text and cached.
        self.snippet_md = markdown.Markdown(extensions=[FencedCodeExtension(), TypographyExtension(),
                                                        TriggeredInlineExtension(), TriggeredBlockExtension()],
                                            output_format="html")
        # Data values are text, never HTML: with the raw-HTML processors removed,
        # a '<script>' typed into YAML comes out escaped as '&lt;script&gt;'.
        self.snippet_md.preprocessors.deregister("html_block")
        self.snippet_md.inlinePatterns.deregister("html")
        self._snippets: dict[str, Markup] = {}
        self._source_triggered = source_triggered(self.page_md)   # checked once, not per page
        self._allowed: frozenset[str] = frozenset()
        self.sanitizer = Sanitizer()
        self.allow(allow_raw_html)

    def allow(self, allow_raw_html: Iterable[str]) -> None:
        """Use site.yaml's ``allow_raw_html`` (a new site loaded by the live preview may change it)."""
        allowed = frozenset(allow_raw_html)
        if allowed != self._allowed:
            self._allowed = allowed
            self.sanitizer = Sanitizer(allowed)
            self._snippets.clear()

    def page(self, text: str, hooks: PageHooks) -> RenderedMarkdown:
        self.page_md.reset()
        self.site_ext.holder.hooks = hooks
        try:
            with _untriggered_skipped(self._source_triggered, text):
                html = self.page_md.convert(text)
            toc = list(getattr(self.page_md, "toc_tokens", []))
            html = self._put_back(self.sanitizer.clean(html), self.site_ext.holder.trusted)
        finally:
            self.site_ext.holder.hooks = None
        return RenderedMarkdown(html, toc)

    def _put_back(self, html: str, trusted: list[str]) -> str:
        """Replace each placeholder with the template-made HTML it stands for, as Python-Markdown
        puts back its own stash: a block-level piece alone in a paragraph replaces the paragraph."""
        if not trusted:
            return html
        raw_html = self.page_md.postprocessors["raw_html"]

        def substitute(match: re.Match[str]) -> str:
            index = int(match.group(1) or match.group(2))
            if index >= len(trusted):
                return ""          # not one of ours (cannot happen: sources lose STX/ETX)
            piece = trusted[index]
            if match.group(2) or raw_html.isblocklevel(piece):
                return piece
            return f"<p>{piece}</p>"
        return TRUSTED_RE.sub(substitute, html).strip()   # as Markdown.convert strips its result

    def snippet(self, text: Any, inline: bool = False) -> Markup:
        key = ("i:" if inline else "b:") + str(text)
        cached = self._snippets.get(key)
        if cached is None:
            self.snippet_md.reset()
            html = self.sanitizer.clean(self.snippet_md.convert(str(text)))
            if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
                html = html[3:-4]
            cached = self._snippets[key] = Markup(html)
        return cached
