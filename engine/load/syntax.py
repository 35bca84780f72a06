"""The two pieces of syntax the site's Markdown adds: citations and block directives.

Defined once here because three stages read them: validation (every cited id exists,
every directive is known), rendering (the Markdown extensions) and the statement check.
"""

from __future__ import annotations

import re

#: ``[@source-id]`` or ``[@a; @b]``
CITATION_RE = r"\[@([A-Za-z0-9][\w.:-]*(?:\s*[;,]\s*@[A-Za-z0-9][\w.:-]*)*)\]"
#: ``::: NAME ARGS`` (``::: comparison some-table``) alone in its paragraph
DIRECTIVE_RE = re.compile(r"^:::[ \t]*([a-z][a-z0-9-]*)((?:[ \t]+[^\s]+)*)[ \t]*$")


_ID_SEPARATOR = re.compile(r"[;,]")


def parse_citation_ids(group: str) -> list[str]:
    if ";" not in group and "," not in group:   # one id, as most citations are: no split
        part = group.strip()
        return [part.lstrip("@")] if part else []
    return [part.strip().lstrip("@") for part in _ID_SEPARATOR.split(group) if part.strip()]
