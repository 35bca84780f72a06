"""Comparison tables: defined in ``data/comparisons.yaml``, filled from the records.

A table names rows (record ids) and columns (dotted field paths); the cell
values are always read from the nutrient/cause records themselves, so a food
source edited once changes every table that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from markupsafe import Markup

from .datastore import DataStore, Record, field_value


@dataclass
class Table:
    id: str
    caption: str
    headers: list[str]
    rows: list[list[Markup]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


def build_table(definition: Record, data: DataStore, cite: Callable[[Any], Markup],
                text: Callable[[Any], Markup]) -> Table:
    spec = definition.data
    source = str(spec.get("source", "nutrients"))
    columns = spec.get("columns") or []
    table = Table(definition.id, str(spec.get("caption", "")), [str(c.get("header", c.get("field"))) for c in columns])
    for rid in spec.get("rows") or []:
        record = data.get(source, str(rid))
        if record is None:
            continue  # reported by validation with the row's line
        table.records.append(record)
        cells: list[Markup] = []
        for column in columns:
            name = str(column.get("field"))
            try:
                value = field_value(record.data, name)
            except KeyError:
                value = ""
            if name == "references" or name.endswith(".references"):
                cells.append(cite(value))
            elif isinstance(value, list):
                cells.append(Markup(", ").join(text(v) for v in value))
            else:
                cells.append(text(value))
        table.rows.append(cells)
    return table
