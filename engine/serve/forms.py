"""HTML forms generated from the site's JSON Schemas, for the preview's editor (``/_edit/``).

Nothing here is written by hand per data file: the form of ``data/faqs.yaml`` is
``schemas/faqs.schema.json`` walked with the file's current values.  What each schema
construct becomes:

    {"type": "object", "properties": ...}   a fieldset per object, one field per property
    {"type": "array", "items": ...}         an ordered list; each entry has up, down and
                                            remove buttons, and the list an "Add" button
    {"enum": [...]}                         a select
    {"type": "boolean"}                     a select (not set / true / false)
    {"type": "integer" | "number"}          a number field
    {"type": "string"}                      a text field (a text area for long values)
    anything else (anyOf, several types)    a text area holding the value as JSON
    "description"                           help text under the field
    "required"                              the field is marked "(required)"

Each field says how its value is read back (``data-kind``) and its place in the document
(``name``, as messages name it: ``faqs[opening-hours].answer``).  The browser script
(``editor.js``) rebuilds the document from the form's structure, so adding, removing and
moving list entries needs no renumbering.  Optional fields that the file does not have are
shown empty and marked ``data-absent``: left empty, they stay out of the file.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any, Callable

from ..load.yamlsource import dotted

#: a string longer than this is edited in a text area
LONG_TEXT = 70


def load_schema_files(folder: Path) -> dict[str, Any]:
    """Every ``*.schema.json`` in *folder*, by file name; unreadable ones are left out."""
    found: dict[str, Any] = {}
    for path in sorted(folder.glob("*.schema.json")):
        try:
            found[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return found


class SchemaResolver:
    """Follows ``$ref`` (``#/$defs/x`` and ``common.schema.json#/$defs/x``) and single-entry
    ``allOf``; the referring schema's own keys (its description) win over the target's."""

    def __init__(self, files: dict[str, Any]):
        self.files = files

    def resolve(self, schema: Any, base: str, depth: int = 0) -> tuple[dict[str, Any], str]:
        if not isinstance(schema, dict) or depth > 20:
            return ({}, base)
        if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
            inner, base2 = self.resolve(schema["allOf"][0], base, depth + 1)
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            return ({**inner, **rest}, base2)
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return (schema, base)
        file, _, pointer = ref.partition("#")
        file = file or base
        node: Any = self.files.get(file)
        for part in [p for p in pointer.split("/") if p]:
            node = node.get(part) if isinstance(node, dict) else None
        target, base2 = self.resolve(node, file, depth + 1)
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return ({**target, **rest}, base2)


def plain(value: Any) -> Any:
    """The value as JSON sees it (dates as YYYY-MM-DD)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


#: (collection, id) -> the pages that show or cite the record: [(URL, source file)], or None
#: when no build has recorded it yet
WhereUsed = Callable[[str, str], "list[tuple[str, str]] | None"]


class FormBuilder:
    def __init__(self, resolver: SchemaResolver, base: str, data: Any, where: WhereUsed | None = None):
        self.resolver = resolver
        self.base = base
        self.data = data
        self.where = where
        self.counter = 0

    def _id(self) -> str:
        self.counter += 1
        return f"f{self.counter}"

    def document(self, schema: Any) -> str:
        resolved, base = self.resolver.resolve(schema, self.base)
        return self.node(resolved, base, self.data, [], required=True, key=None, absent=False)

    # -- one value -------------------------------------------------------------
    def node(self, schema: dict[str, Any], base: str, value: Any, path: list[Any], *, required: bool,
             key: str | None, absent: bool, template: bool = False) -> str:
        kind = self.kind_of(schema, value)
        if kind == "object":
            return self.object(schema, base, value if isinstance(value, dict) else {}, path, template)
        if kind == "array":
            return self.array(schema, base, value if isinstance(value, list) else [], path, key, template)
        return self.leaf(schema, kind, value, path, required=required, key=key, absent=absent, template=template)

    @staticmethod
    def kind_of(schema: dict[str, Any], value: Any) -> str:
        typ = schema.get("type")
        if "enum" in schema and isinstance(schema["enum"], list):
            return "enum"
        if typ == "object" or (typ is None and "properties" in schema and "anyOf" not in schema):
            return "object" if value is None or isinstance(value, dict) else "json"
        if typ == "array":
            return "array" if value is None or isinstance(value, list) else "json"
        if typ == "boolean":
            return "boolean"
        if typ in ("integer", "number"):
            return typ
        if typ == "string":
            return "date" if schema.get("format") == "date" else "string"
        return "json"

    def name(self, path: list[Any], template: bool) -> str:
        return "" if template else esc(dotted(tuple(path), self.data))   # as check names the field

    def leaf(self, schema: dict[str, Any], kind: str, value: Any, path: list[Any], *, required: bool,
             key: str | None, absent: bool, template: bool) -> str:
        fid = self._id()
        name = self.name(path, template)
        common = (f'id="{fid}" name="{name}" data-node="value" data-kind="{kind}"'
                  + (' data-absent="1"' if absent else "") + (' aria-required="true"' if required else ""))
        if key is None:      # a list entry: labelled by the list
            common += ' aria-label="entry"'
        if kind == "enum":
            options = [] if required and not absent else ['<option value=""></option>']
            if value is not None and value not in schema["enum"]:   # keep what the file says, flagged by check
                options.append(f'<option value="{esc(value)}" selected>{esc(value)} (not allowed)</option>')
            for option in schema["enum"]:
                sel = " selected" if option == value else ""
                options.append(f'<option value="{esc(option)}"{sel}>{esc(option)}</option>')
            return f'<select {common}>{"".join(options)}</select>'
        if kind == "boolean":
            current = "" if value is None else ("true" if value is True else "false")
            options = "".join(f'<option value="{v}"{" selected" if v == current else ""}>{t}</option>'
                              for v, t in (("", "(not set)"), ("true", "true"), ("false", "false")))
            return f'<select {common}>{options}</select>'
        if kind in ("integer", "number"):
            text = "" if value is None else esc(value)
            step = "1" if kind == "integer" else "any"
            return f'<input type="number" step="{step}" {common} value="{text}">'
        if kind == "json":
            text = "" if value is None else json.dumps(plain(value), ensure_ascii=False, indent=1)
            return (f'<textarea rows="3" {common} class="json">\n{esc(text)}</textarea>'
                    '<small class="help">written as JSON</small>')
        text = "" if value is None else plain(value)
        text = text if isinstance(text, str) else str(text)
        if len(text) > LONG_TEXT or "\n" in text:
            rows = min(8, max(2, len(text) // 70 + 1 + text.count("\n")))
            return f'<textarea rows="{rows}" {common}>\n{esc(text)}</textarea>'
        return f'<input type="text" {common} value="{esc(text)}">'

    # -- objects and lists -----------------------------------------------------
    def object(self, schema: dict[str, Any], base: str, value: dict[str, Any], path: list[Any],
               template: bool) -> str:
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = set(schema.get("required") or [])
        keys = list(props) + [k for k in value if k not in props]
        parts = [f'<div class="object" data-node="object" data-name="{self.name(path, template)}">']
        for key in keys:
            sub, sub_base = self.resolver.resolve(props.get(key, {}), base)
            present = key in value
            sub_value = value.get(key)
            kind = self.kind_of(sub, sub_value)
            is_required = key in required
            mark = ' <span class="req">(required)</span>' if is_required else ""
            help_text = sub.get("description")
            help_html = f'<small class="help">{esc(help_text)}</small>' if isinstance(help_text, str) else ""
            inner = self.node(sub, sub_base, sub_value, path + [key], required=is_required, key=key,
                              absent=not present, template=template)
            absent = "" if present else ' data-absent="1"'
            if kind in ("object", "array"):
                parts.append(f'<fieldset class="field" data-key="{esc(key)}"{absent}><legend>{esc(key)}{mark}'
                             f'</legend>{help_html}{inner}<div class="msgs" aria-live="polite"></div></fieldset>')
            else:
                # the label points at the input (its id is the first id= in *inner*)
                fid = inner.split('id="', 1)[1].split('"', 1)[0]
                parts.append(f'<div class="field" data-key="{esc(key)}"{absent}><label for="{fid}">{esc(key)}'
                             f'{mark}</label>{inner}{help_html}<div class="msgs" aria-live="polite"></div></div>')
        parts.append("</div>")
        return "".join(parts)

    def array(self, schema: dict[str, Any], base: str, value: list[Any], path: list[Any], key: str | None,
              template: bool) -> str:
        items, items_base = self.resolver.resolve(schema.get("items", {}), base)
        what = esc(key or "entry")
        entries = []
        for index, entry in enumerate(value):
            entries.append(self.entry(items, items_base, entry, path + [index], what, template))
        blank = self.entry(items, items_base, None, path + [0], what, True)
        return (f'<ol class="array" data-node="array" data-name="{self.name(path, template)}">{"".join(entries)}</ol>'
                f'<button type="button" class="add" data-add>Add to {what}</button>'
                f'<template>{blank}</template>')

    def entry(self, items: dict[str, Any], base: str, value: Any, path: list[Any], what: str,
              template: bool) -> str:
        inner = self.node(items, base, value, path, required=True, key=None, absent=False, template=template)
        title = ""
        if isinstance(value, dict) and isinstance(value.get("id"), str) and not template:
            title = f'<h3 class="record" id="record-{esc(value["id"])}">{esc(value["id"])}</h3>'
            if self.where is not None and len(path) == 2 and isinstance(path[0], str):
                title += self.where_used(path[0], value["id"])
        return (f'<li class="entry">{title}{inner}<div class="msgs" aria-live="polite"></div>'
                f'<span class="tools"><button type="button" data-up aria-label="move up in {what}">↑</button>'
                f'<button type="button" data-down aria-label="move down in {what}">↓</button>'
                f'<button type="button" data-remove aria-label="remove from {what}">Remove</button></span></li>')


    def where_used(self, collection: str, rid: str) -> str:
        """"Where used": links to the pages that show (or cite) the record, from the build's
        dependency records."""
        uses = self.where(collection, rid) if self.where is not None else None
        if uses is None:
            return '<p class="where">Where used: not known until the preview has built the site.</p>'
        if not uses:
            return '<p class="where">Where used: no page shows it.</p>'
        links = ", ".join(f'<a href="{esc(url)}" title="{esc(rel)}">{esc(url)}</a>' for url, rel in uses)
        return f'<p class="where">Where used: {links}</p>'


def form_html(schema_files: dict[str, Any], schema_name: str, data: Any,
              where: WhereUsed | None = None) -> str | None:
    """The form of a data file whose schema is ``schemas/<schema_name>``; None without one."""
    schema = schema_files.get(schema_name)
    if not isinstance(schema, dict):
        return None
    return FormBuilder(SchemaResolver(schema_files), schema_name, data, where).document(schema)
