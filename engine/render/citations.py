"""Numbered citations for one page.

Article text (``[@id]``), data tables and FAQs all cite through the same
per-page :class:`Citations`, so numbers follow the order in which a reader
meets them and the page's reference block lists exactly what the page cites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from markupsafe import Markup, escape

from ..load.datastore import DataStore, Record


class UnknownReference(KeyError):
    """Raised when a page cites an id that is not in data/references.yaml."""


@dataclass
class Entry:
    number: int
    record: Record
    backlinks: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"ref-{self.number}"


@dataclass
class Citations:
    data: DataStore
    entries: dict[str, Entry] = field(default_factory=dict)

    def add(self, rid: str) -> tuple[Entry, str]:
        """Register one citation of *rid*; return its entry and the new back-link id."""
        entry = self.entries.get(rid)
        if entry is None:
            record = self.data.get("references", rid)
            if record is None:
                raise UnknownReference(rid)
            entry = Entry(len(self.entries) + 1, record)
            self.entries[rid] = entry
        backlink = f"cite-{entry.number}-{len(entry.backlinks) + 1}"
        entry.backlinks.append(backlink)
        return entry, backlink

    def cite(self, ids: Iterable[str] | str | None) -> Markup:
        """HTML for a citation group such as ``[1, 3]``; empty for no ids."""
        if not ids:
            return Markup("")
        if isinstance(ids, str):
            ids = [ids]
        added = sorted((self.add(str(rid)) for rid in dict.fromkeys(ids)), key=lambda pair: pair[0].number)
        links = []
        for entry, backlink in added:
            title = escape(entry.record.data.get("title", ""))
            links.append(
                f'<a href="#{entry.anchor}" id="{backlink}" title="{title}">'
                f'<span class="visually-hidden">reference </span>{entry.number}</a>'
            )
        return Markup('<sup class="cite">[' + ", ".join(links) + "]</sup>")

    def ordered(self) -> list[Entry]:
        return sorted(self.entries.values(), key=lambda e: e.number)
