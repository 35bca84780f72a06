"""Inlined ``$ref``s (validation/schema.py ``inline_refs``) report exactly what jsonschema's lookups did.

Every data file of the real site and every page's front matter, each with
hundreds of random editor mistakes laid over it, is validated twice: with
the validator ``load_schemas`` builds (references copied in) and with one
built from the schema as written (references looked up by jsonschema).
The translated messages, positions and fields must be identical, in the
same order.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from engine.load.frontmatter import split
from engine.validate.schema import FRONT_MATTER, Translator, inline_refs, load_schemas, to_json
from engine.load.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
#: the real site's schemas (with the engine's own where the site has none)
SITE_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SCHEMAS = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(SITE_SCHEMAS.glob("*.schema.json"))}
WRONG_VALUES: list[Any] = [None, 0, 7.5, True, "", "   ", "Not An Id", "sodium", "2026-13-45", "2026-02-01",
                           [], ["calf", "calf"], ["ankle"], {}, {"name": ""}, {"colour": "red"}, "x" * 400]


def as_written(name: str) -> Draft202012Validator:
    """A validator for the schema file *name* as written: jsonschema resolves every ``$ref``."""
    registry: Registry = Registry().with_resources(
        (n, Resource.from_contents(s, default_specification=DRAFT202012)) for n, s in SCHEMAS.items())
    return Draft202012Validator(SCHEMAS[name], registry=registry, format_checker=FormatChecker())


def refs(node: Any) -> int:
    if isinstance(node, dict):
        return ("$ref" in node) + sum(refs(v) for v in node.values())
    if isinstance(node, list):
        return sum(refs(v) for v in node)
    return 0


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, prefix + (index,))
    return found


def mutate(data: Any, rng: random.Random) -> Any:
    """*data* with one to three random mistakes: a wrong value, a lost field, an unknown field."""
    data = copy.deepcopy(data)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(paths(data))
        if not path:
            continue
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = rng.random()
        if action < 0.6:
            parent[path[-1]] = copy.deepcopy(rng.choice(WRONG_VALUES))
        elif action < 0.8:
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[rng.choice(["colour", "titel", "summery", "id "])] = "extra"
    return data


def messages(validator: Draft202012Validator, text: str, rel: str, label: str) -> list[tuple]:
    doc = parse_yaml(text, rel)
    translator = Translator(doc, label)
    for err in validator.iter_errors(to_json(doc.data)):
        translator.error(err)
    return [(d.line, d.col, d.message, d.field, d.hint) for d in translator.out]


def documents() -> list[tuple[str, str, Any]]:
    """(schema name, label, data) for each real data file and a sample of real pages."""
    docs = []
    for path in sorted((ROOT / "data").glob("*.yaml")):
        name = "site" if path.stem == "site" else path.stem
        if f"{name}.schema.json" in SCHEMAS:
            docs.append((f"{name}.schema.json", "site.yaml" if name == "site" else "the file",
                         yaml.safe_load(path.read_text(encoding="utf-8"))))
    for path in sorted((ROOT / "content").rglob("*.md"))[:5]:
        meta = split(path.read_text(encoding="utf-8"), path.name).meta
        docs.append((f"{FRONT_MATTER}.schema.json", "front matter", meta.data))
    return docs


def test_the_built_validators_have_no_references_left() -> None:
    """The speed-up is real: nothing is looked up while validating the site's files."""
    assert sum(refs(s) for s in SCHEMAS.values()) > 50
    built = load_schemas(SITE_SCHEMAS)
    assert not built.problems
    for name, validator in built.validators.items():
        assert refs(validator.schema) == 0, name


DOCUMENTS = documents()


@pytest.mark.parametrize("schema, label, data", DOCUMENTS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(DOCUMENTS)])
def test_random_mistakes_give_the_same_messages(schema: str, label: str, data: Any) -> None:
    inlined = load_schemas(SITE_SCHEMAS).validators[schema[: -len(".schema.json")]]
    original = as_written(schema)
    rng = random.Random(schema + label + repr(data)[:200])
    differing, rounds = 0, 100 if schema.startswith(FRONT_MATTER) else 40
    for _ in range(rounds):
        text = yaml.safe_dump(mutate(data, rng), sort_keys=False, allow_unicode=True)
        found = messages(inlined, text, "data/x.yaml", label)
        assert found == messages(original, text, "data/x.yaml", label), text
        differing += bool(found)
    assert differing > rounds // 2   # the mistakes were caught, so the comparison compared something


def test_references_that_cannot_be_copied_stay() -> None:
    contents = {
        "tree.schema.json": {"$defs": {"node": {"type": "object", "properties": {
            "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
            "$ref": "#/$defs/node"},
        "a.schema.json": {"properties": {"x": {"$ref": "elsewhere.json#/$defs/x"},
                                         "y": {"$ref": "#/$defs/y"}, "z": {"$ref": "#/$defs/missing"}},
                          "$defs": {"y": {"$anchor": "why", "type": "string"}}},
    }
    tree = inline_refs(contents["tree.schema.json"], "tree.schema.json", contents)
    assert tree["$ref"] == "#/$defs/node"           # a cycle
    a = inline_refs(contents["a.schema.json"], "a.schema.json", contents)
    assert a["properties"] == contents["a.schema.json"]["properties"]   # other document, scoped, missing


def test_annotations_beside_a_reference_stay_beside_it() -> None:
    contents = {"c.schema.json": {"$defs": {"t": {"type": "string", "description": "inner"}}},
                "p.schema.json": {"properties": {
                    "a": {"$ref": "c.schema.json#/$defs/t", "description": "outer"},
                    "b": {"$ref": "c.schema.json#/$defs/t"}}}}
    out = inline_refs(contents["p.schema.json"], "p.schema.json", contents)
    assert out["properties"]["a"] == {"description": "outer", "allOf": [{"type": "string", "description": "inner"}]}
    assert out["properties"]["b"] == {"allOf": [{"type": "string", "description": "inner"}]}
    assert contents["p.schema.json"]["properties"]["b"] == {"$ref": "c.schema.json#/$defs/t"}   # not changed


def test_data_and_names_that_look_like_references_are_left_alone() -> None:
    """``enum``/``const`` values are data and ``properties`` keys are names, even when spelled ``$ref``."""
    contents = {"d.schema.json": {"$defs": {"t": {"type": "string"}}, "properties": {
        "$ref": {"$ref": "#/$defs/t"},
        "kind": {"enum": [{"$ref": "#/$defs/t"}], "const": {"$ref": "#/$defs/t"}}}}}
    out = inline_refs(contents["d.schema.json"], "d.schema.json", contents)
    assert out["properties"]["$ref"] == {"allOf": [{"type": "string"}]}
    assert out["properties"]["kind"] == contents["d.schema.json"]["properties"]["kind"]
