"""Comparison tables: defined in ``data/comparisons.yaml``, filled from the records.

A table names rows (record ids) and columns (dotted field paths); the cell
values are always read from the records themselves, so a food source edited
once changes every table that shows it.  The engine only looks the values
up; how a cell shows (a grade with its label, a cited list) is the
template's business, told by the column's ``format``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..load.datastore import DataStore, Record, field_value


@dataclass(frozen=True)
class Cell:
    field: str
    format: str       # the column's format: text (default), grade, list ...; "references" for source lists
    value: Any        # the record's value, as in the data ("" when the record lacks the field)


@dataclass
class Table:
    id: str
    caption: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    def values(self, fmt: str) -> list[Any]:
        """Every value shown in columns of format *fmt* (a legend under the table lists these)."""
        return [cell.value for row in self.rows for cell in row if cell.format == fmt and cell.value]


def build_table(definition: Record, data: DataStore) -> Table:
    spec = definition.data
    source = str(spec.get("source", ""))
    columns = spec.get("columns") or []
    table = Table(definition.id, str(spec.get("caption", "")), [str(c.get("header", c.get("field"))) for c in columns])
    for rid in spec.get("rows") or []:
        record = data.get(source, str(rid))
        if record is None:
            continue  # reported by validation with the row's line
        table.records.append(record)
        cells: list[Cell] = []
        for column in columns:
            name = str(column.get("field"))
            try:
                value = field_value(record.data, name)
            except KeyError:
                value = ""
            fmt = "references" if name == "references" or name.endswith(".references") else str(column.get("format", "text"))
            cells.append(Cell(name, fmt, value))
        table.rows.append(cells)
    return table
