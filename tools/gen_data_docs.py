#!/usr/bin/env python3
"""Generate docs/data.md (the editors' field reference) from the JSON Schemas in schemas/.

    python tools/gen_data_docs.py          # rewrite docs/data.md
    python tools/gen_data_docs.py --check  # exit 1 if docs/data.md is out of date

Standard library only; independent of the build engine.  The schemas are the
single definition of every field: edit them, then run this script.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
OUTPUT = ROOT / "docs" / "data.md"
ORDER = ["site", "nutrients", "causes", "comparisons", "faqs", "references", "relief", "frontmatter"]


class Docs:
    def __init__(self, folder: Path):
        self.schemas = {p.name: json.loads(p.read_text(encoding="utf-8"))
                        for p in sorted(folder.glob("*.schema.json"))}

    def resolve(self, node: dict[str, Any], current: str) -> tuple[dict[str, Any], str]:
        """Follow $ref (within a file or into another schema file); merge sibling keywords."""
        while "$ref" in node:
            ref = node["$ref"]
            file, _, pointer = ref.partition("#")
            file = file or current
            target: Any = self.schemas[file]
            for part in [p for p in pointer.split("/") if p]:
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            current = file
        return node, current

    def type_of(self, node: dict[str, Any], current: str) -> str:
        node, current = self.resolve(node, current)
        if "anyOf" in node:
            return " or ".join(self.type_of(option, current) for option in node["anyOf"])
        if "enum" in node:
            return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
        kind = node.get("type", "any")
        if kind == "array":
            return f"list of {self.type_of(node.get('items', {}), current)}"
        if kind == "object":
            return "mapping"
        if kind == "string" and node.get("format") == "date":
            return "date (YYYY-MM-DD)"
        return {"string": "text", "integer": "whole number", "boolean": "true/false"}.get(kind, kind)

    def rules(self, node: dict[str, Any], current: str) -> str:
        node, current = self.resolve(node, current)
        out = []
        if node.get("type") == "array":
            if node.get("minItems"):
                out.append(f"at least {node['minItems']}")
            if node.get("uniqueItems"):
                out.append("no repeats")
        if node.get("patternErrorMessage"):
            out.append("must " + node["patternErrorMessage"])
        if "maxLength" in node:
            out.append(f"at most {node['maxLength']} characters")
        if "minimum" in node or "maximum" in node:
            out.append(f"{node.get('minimum', '')}–{node.get('maximum', '')}")
        if "default" in node:
            out.append(f"default `{node['default']}`")
        return "; ".join(out)

    def table(self, title: str, node: dict[str, Any], current: str, lines: list[str],
              nested: list[tuple[str, dict[str, Any], str]]) -> None:
        required = set(node.get("required", []))
        lines += [f"#### {title}", "", node.get("description", ""), "",
                  "| Field | Required | Type | Rules | Meaning |", "|---|---|---|---|---|"]
        for name, prop in node.get("properties", {}).items():
            resolved, where = self.resolve(prop, current)
            item, item_where = self.resolve(resolved.get("items", {}), where) if resolved.get("type") == "array" \
                else ({}, where)
            if resolved.get("type") == "object" and "properties" in resolved:
                nested.append((f"{title} → `{name}`", resolved, where))
            elif item.get("type") == "object" and "properties" in item:
                nested.append((f"{title} → `{name}` entries", item, item_where))
            desc = " ".join(resolved.get("description", "").split()).replace("|", "\\|")
            lines.append(f"| `{name}` | {'yes' if name in required else ''} | {self.type_of(prop, current)} "
                         f"| {self.rules(prop, current)} | {desc} |")
        extra = "Unknown fields are errors (typos are caught)." if node.get("additionalProperties") is False else ""
        lines += ["", extra, ""] if extra else [""]

    def section(self, stem: str, lines: list[str]) -> None:
        name = f"{stem}.schema.json"
        schema = self.schemas[name]
        lines += [f"## {schema.get('title', stem)}", "", schema.get("description", ""), "",
                  f"Schema: [`schemas/{name}`](../schemas/{name})", ""]
        pending: list[tuple[str, dict[str, Any], str]] = []
        self.table("Top level" if stem != "frontmatter" else "Front matter", schema, name, lines, pending)
        while pending:
            title, node, where = pending.pop(0)
            self.table(title, node, where, lines, pending)

    def render(self) -> str:
        lines = ["# Data files and front matter: field reference", "",
                 "<!-- Generated by tools/gen_data_docs.py from schemas/*.schema.json. Do not edit by hand: "
                 "edit the schema, then run `python tools/gen_data_docs.py`. -->", "",
                 "Every file in `data/` and the front matter of every file in `content/` is checked against "
                 "a JSON Schema by `python build.py check` (and by every build). VS Code with the YAML "
                 "extension uses the same schemas while you type.", ""]
        stems = [s for s in ORDER if f"{s}.schema.json" in self.schemas]
        stems += sorted(n[: -len(".schema.json")] for n in self.schemas
                        if n[: -len(".schema.json")] not in stems and n != "common.schema.json")
        lines += ["Contents: " + ", ".join(f"[{self.schemas[s + '.schema.json'].get('title', s)}]"
                                           f"(#{_anchor(self.schemas[s + '.schema.json'].get('title', s))})"
                                           for s in stems), ""]
        for stem in stems:
            self.section(stem, lines)
        text = "\n".join(lines)
        while "\n\n\n" in text:
            text = text.replace("\n\n\n", "\n\n")
        return text.rstrip() + "\n"


def _anchor(title: str) -> str:
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def render(folder: Path = SCHEMAS) -> str:
    return Docs(folder).render()


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.is_file() else ""
        if current != text:
            print("docs/data.md is out of date: run python tools/gen_data_docs.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
