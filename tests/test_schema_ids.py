"""engine.validate.schema.check_id: every schema's ``$id`` is its file name, so the schemas work
outside this tool: plain ``jsonschema`` with a registry by ``$id``, and editors' language servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from conftest import cli_text as cli

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FOLDERS = [ROOT / "schemas", ROOT / "engine/scaffold/site/schemas", ROOT / "tests/fixtures/headache-site/schemas"]


def registry_of(folder: Path) -> Registry:
    """The registry anyone would build: every schema of the folder under its own ``$id``."""
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.schema.json"))]
    return Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)


@pytest.mark.parametrize("folder", SCHEMA_FOLDERS, ids=lambda f: f.relative_to(ROOT).as_posix())
def test_every_schema_is_identified_by_its_file_name(folder: Path) -> None:
    for path in folder.glob("*.schema.json"):
        assert json.loads(path.read_text(encoding="utf-8")).get("$id") == path.name, path


def test_plain_jsonschema_resolves_the_cross_file_refs_and_accepts_the_real_data() -> None:
    """No engine code: jsonschema and referencing alone validate every data file against its schema
    (the custom ``x-`` keywords are ignored by them, as the specification says)."""
    registry = registry_of(ROOT / "schemas")
    checked = 0
    for data_file in sorted((ROOT / "data").glob("*.yaml")):
        schema_file = ROOT / "schemas" / f"{data_file.stem}.schema.json"
        if not schema_file.is_file():
            continue
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        data = json.loads(json.dumps(yaml.safe_load(data_file.read_text(encoding="utf-8")), default=str))
        errors = list(Draft202012Validator(schema, registry=registry).iter_errors(data))
        assert not errors, f"{data_file.name}: {errors[0].message}"
        checked += 1
    assert checked >= 8


def test_plain_jsonschema_rejects_what_the_tool_rejects() -> None:
    """The cross-file ``$ref`` really resolves: a bad id defined in common.schema.json is refused."""
    registry = registry_of(ROOT / "schemas")
    schema = json.loads((ROOT / "schemas/nutrients.schema.json").read_text(encoding="utf-8"))
    data = json.loads(json.dumps(yaml.safe_load((ROOT / "data/nutrients.yaml").read_text(encoding="utf-8")),
                                 default=str))
    data["nutrients"][0]["id"] = "Not An Id"
    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(data))
    assert any("does not match" in e.message for e in errors), [e.message for e in errors]


def test_a_copied_schema_with_the_old_id_is_an_error_at_its_line(real_site: Path, capsys) -> None:
    source = (real_site / "schemas/causes.schema.json").read_text(encoding="utf-8")
    (real_site / "schemas/extra.schema.json").write_text(source, encoding="utf-8")
    code, out = cli(real_site, "check", capsys=capsys)
    assert code == 1
    assert ('schemas/extra.schema.json:3:3: error: $id "causes.schema.json" is not this file\'s name' in out), out
    assert 'set it to "extra.schema.json"' in out


def test_a_schema_without_id_is_a_warning_that_says_what_to_add(real_site: Path, capsys) -> None:
    path = real_site / "schemas/causes.schema.json"
    path.write_text(path.read_text(encoding="utf-8").replace('  "$id": "causes.schema.json",\n', ""),
                    encoding="utf-8")
    code, out = cli(real_site, "check", "--strict", capsys=capsys)
    assert code == 1
    assert "schemas/causes.schema.json:1:1: warning: schema has no $id" in out, out
    assert 'add "$id": "causes.schema.json"' in out

