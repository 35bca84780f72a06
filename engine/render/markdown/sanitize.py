"""The last word on what HTML from Markdown or data text may contain: nh3 (ammonia).

Line checks (``engine/validate/content.py``) tell an editor early that a
``<script>`` or ``onclick=`` is in an article, but a check that reads lines
can be fooled (``<svg/onload=...>``, ``java&#115;cript:``, a fence that is
not closed).  So every piece of HTML made from Markdown, the page body and
each data snippet, is parsed by a real HTML parser and re-serialised keeping
only the tags, attributes and URL schemes listed here.  What the templates
add (data blocks, citation markers) is the project's own code and is put in
after this step (see ``renderer.MarkdownRenderer.page``), so a template may
use any markup it likes.

The allowlist is what Python-Markdown and its extensions in use produce
(headings with ids, tables with alignment, footnotes, attr_list classes,
code), plus plain structural HTML an editor may type with ``md_in_html``
(``details``/``summary``, ``figure``, ``section``...).  URLs may be http,
https, mailto or relative; ``javascript:``, ``data:`` and every other scheme
lose the attribute (the link text stays).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import nh3

#: tags kept; any other tag is dropped, its text kept (script and style lose their text too)
TAGS: frozenset[str] = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "time", "tr", "u", "ul", "var", "wbr",
})

#: attributes kept, by tag ("*": on every tag); ``style`` only as in CELL_STYLES
ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"id", "class", "title", "lang", "dir", "role", "tabindex"}),
    "a": frozenset({"href", "hreflang"}),
    "img": frozenset({"src", "alt", "width", "height", "loading"}),
    "th": frozenset({"scope", "colspan", "rowspan", "abbr"}),
    "td": frozenset({"colspan", "rowspan"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "reversed", "type"}),
    "li": frozenset({"value"}),
    "details": frozenset({"open"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
    "time": frozenset({"datetime"}),
}
#: attributes starting with these are kept on every tag (accessibility labels)
ATTRIBUTE_PREFIXES = frozenset({"aria-"})
#: URL schemes allowed in href/src/cite; relative URLs ('/x/', '#ref-1', 'x.html') are always kept
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: the one ``style`` kept: the tables extension's column alignment, exactly as it writes it
#: (nh3's style filter would re-serialise it as "text-align:left" and change the page's bytes)
CELL_STYLES = frozenset({"text-align: left;", "text-align: right;", "text-align: center;"})

#: what each ``allow_raw_html`` entry of site.yaml adds (``script`` turns the sanitiser off:
#: it is the editor's explicit statement that the pages may run code)
EMBEDS: dict[str, dict[str, frozenset[str]]] = {
    "iframe": {"iframe": frozenset({"src", "width", "height", "allow", "allowfullscreen", "loading",
                                    "referrerpolicy", "sandbox", "frameborder"})},
    "object": {"object": frozenset({"data", "type", "width", "height", "name"}),
               "param": frozenset({"name", "value"})},
    "embed": {"embed": frozenset({"src", "type", "width", "height"})},
}


class Sanitizer:
    """``clean(html)``: *html* with everything outside the allowlist removed.

    One nh3 ``Cleaner`` per set of ``allow_raw_html`` entries (building one
    parses the allowlist; cleaning is the cheap part).
    """

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        allowed = frozenset(allowed)
        self.enabled = "script" not in allowed
        self._cleaner = _cleaner(allowed & frozenset(EMBEDS)) if self.enabled else None

    def clean(self, html: str) -> str:
        if self._cleaner is None:
            return html
        return self._cleaner.clean(html)


@lru_cache(maxsize=None)
def _cleaner(embeds: frozenset[str]) -> nh3.Cleaner:
    tags = set(TAGS)
    attributes = {tag: set(names) for tag, names in ATTRIBUTES.items()}
    for entry in sorted(embeds):
        for tag, names in EMBEDS[entry].items():
            tags.add(tag)
            attributes[tag] = set(names)
    return nh3.Cleaner(
        tags=tags,
        attributes=attributes,
        generic_attribute_prefixes=set(ATTRIBUTE_PREFIXES),
        url_schemes=set(URL_SCHEMES),
        tag_attribute_values={"th": {"style": set(CELL_STYLES)}, "td": {"style": set(CELL_STYLES)}},
        link_rel=None,          # leave links as written (nh3 would add rel="noopener noreferrer")
        strip_comments=True,
    )
