"""Validate YAML documents against the JSON Schemas in ``schemas/``.

The schemas (draft 2020-12) are the single definition of every record's
fields; editors' IDEs use the same files.  jsonschema's own messages are
written for programmers, so each error is translated into plain English and
placed at the line and column of the offending value (or, for an unknown
field, of the offending *key*) using the positions kept by
:mod:`engine.yamlsource`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable

from ..diagnostics import Diagnostic
from ..load.yamlsource import YamlDoc, dotted

# jsonschema and referencing (60 ms to import) load in load_schemas: a build whose
# front matter and data did not change reuses the cached results and never needs them.
if TYPE_CHECKING:  # pragma: no cover
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

#: the tool's own schemas, used when a project has no schemas/ folder
#: the engine's own schemas: site.yaml's settings and front matter.  A site's schemas/ folder
#: may hold its own copy of either (stricter, or with its own descriptions), which wins.
BUILTIN_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
FRONT_MATTER = "frontmatter"


def suggest(word: Any, options: Iterable[Any]) -> str:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


@dataclass
class SchemaSet:
    folder: Path
    validators: dict[str, Draft202012Validator]
    problems: list[Diagnostic]
    #: content digests of the schema files that passed ``check_schema`` (see ``load_schemas``)
    valid: frozenset[str] = field(default_factory=frozenset)

    def get(self, name: str) -> Draft202012Validator | None:
        return self.validators.get(name)


_cache: dict[tuple[Any, ...], SchemaSet] = {}


def schema_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def schema_files(folder: Path) -> dict[str, Path]:
    """Every schema a project uses, by file name: the engine's own, then the project's
    ``schemas/`` folder (a file of the same name replaces the engine's)."""
    found = {path.name: path for path in BUILTIN_SCHEMAS.glob("*.schema.json")}
    if folder.is_dir():
        found.update((path.name, path) for path in folder.glob("*.schema.json"))
    return dict(sorted(found.items()))


def schemas_fingerprint(folder: Path, rel_prefix: str = "schemas") -> str | None:
    """Digest of everything :func:`load_schemas` would read (None if a file cannot be read).

    Equal digests mean equal schema sets, so results computed with one stay right.
    """
    digest = hashlib.blake2b(rel_prefix.encode("utf-8", "surrogatepass"), digest_size=16)
    for path in schema_files(folder).values():
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        digest.update(b"\0%d\0%s\0" % (len(raw), path.name.encode("utf-8", "surrogatepass")))
        digest.update(raw)
    return digest.hexdigest()


def check_id(name: str, schema: Any, raw: bytes, rel_prefix: str) -> list[Diagnostic]:
    """A schema's ``$id`` is its file name, so that its relative ``$ref``s
    (``common.schema.json#/$defs/id``) resolve the same everywhere: here, with plain
    ``jsonschema`` given a registry of the folder's schemas by ``$id``, and in an editor's
    YAML language server, which resolves them beside the file.  A copied schema whose
    ``$id`` was not changed would shadow the original: an error, not a guess."""
    if not isinstance(schema, dict):
        return []
    rel = f"{rel_prefix}/{name}"
    found = schema.get("$id")
    if found is None:
        return [Diagnostic(rel, 1, 1, "warning", "schema has no $id",
                           hint=f'add "$id": "{name}" after "$schema", so other tools resolve its $refs')]
    if found != name:
        text = raw.decode("utf-8", "replace")
        at = text.find('"$id"')
        line = text.count("\n", 0, at) + 1 if at >= 0 else 1
        col = at - text.rfind("\n", 0, at) if at >= 0 else 1
        return [Diagnostic(rel, line, col, "error", f"$id {json.dumps(found)} is not this file's name",
                           hint=f'set it to "{name}": schemas refer to each other by file name')]
    return []


def load_schemas(folder: Path, rel_prefix: str = "schemas", trusted: Collection[str] = ()) -> SchemaSet:
    """Every ``*.schema.json`` in *folder*, compiled; cached until a file changes.

    Checking a schema against the JSON Schema meta-schema is most of the cost
    of compiling.  *trusted* holds content digests (:func:`schema_digest`) of
    files known to pass that check, from an earlier run of the same tool and
    jsonschema version (the source cache keeps them); those are not checked
    again.  The result is the same either way.
    """
    raw: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    for path in schema_files(folder).values():
        try:
            raw[path.name] = path.read_bytes()
        except OSError as exc:
            problems.append(Diagnostic(f"{rel_prefix}/{path.name}", 0, 0, "error", f"cannot read schema: {exc}"))
    key = (rel_prefix, tuple(sorted(raw.items())))  # by content: copies of a project share the compiled set
    if key in _cache and not problems:
        return _cache[key]
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import SchemaError
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
    contents: dict[str, Any] = {}
    for name, data in raw.items():
        rel = f"{rel_prefix}/{name}"
        try:
            contents[name] = json.loads(data.decode("utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(Diagnostic(rel, exc.lineno, exc.colno, "error", f"invalid JSON: {exc.msg}", cause=True))
        except UnicodeDecodeError as exc:
            problems.append(Diagnostic(rel, 0, 0, "error", f"schema is not valid UTF-8: {exc}"))
    for name, schema in contents.items():
        problems.extend(check_id(name, schema, raw[name], rel_prefix))
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in contents.items() if isinstance(schema, dict))
    validators: dict[str, Draft202012Validator] = {}
    valid: set[str] = set()
    for name, schema in contents.items():
        rel = f"{rel_prefix}/{name}"
        digest = schema_digest(raw[name])
        try:
            if digest not in trusted:
                Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            problems.append(Diagnostic(rel, 0, 0, "error", f"invalid schema: {exc.message}",
                                       dotted(tuple(exc.absolute_path))))
            continue
        valid.add(digest)
        validators[name[: -len(".schema.json")]] = Draft202012Validator(
            inline_refs(schema, name, contents), registry=registry, format_checker=FormatChecker())
    result = SchemaSet(folder, validators, problems, frozenset(valid))
    if len(_cache) > 8:  # keep memory flat when many projects are checked in one process
        _cache.clear()
    _cache[key] = result
    return result


#: keywords that change how references inside a subschema resolve: a subschema holding
#: one is never copied elsewhere (its ``$ref`` is left to jsonschema)
_SCOPED = frozenset({"$id", "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveRef", "$schema"})
#: keywords whose value is data, not a schema: an ``enum`` entry may be ``{"$ref": ...}``
_DATA = frozenset({"enum", "const", "default", "examples"})
#: keywords whose value maps names to schemas: a property may be called ``$ref``
_NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def _map_subschemas(node: dict[str, Any], apply: Callable[[Any], Any]) -> dict[str, Any]:
    """*node* with *apply* run on each subschema (every keyword except ``$ref``)."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref":
            continue
        if key in _DATA:
            out[key] = value
        elif key in _NAMED and isinstance(value, dict):
            out[key] = {name: apply(sub) for name, sub in value.items()}
        else:
            out[key] = apply(value)
    return out


def inline_refs(schema: Any, name: str, contents: dict[str, Any]) -> Any:
    """*schema* with its ``$ref``s to JSON pointers in the loaded schemas replaced by copies of their targets.

    jsonschema looks a reference up through ``referencing`` every time it
    meets it, and the shared definitions (``common.schema.json#/$defs/text``)
    are met dozens of times per page: on a 1,000-page cold build those
    lookups were about 40% of the time spent validating.  A copied target
    gives the same errors with the same ``validator``, ``schema`` and
    instance path, which is all :class:`Translator` reads.  Each ``$ref``
    becomes ``allOf`` with one entry, not the target itself: the target's
    errors still come out unwrapped, and the annotations of the referring
    schema stay its own (a missing field's hint quotes the description
    written beside the ``$ref``, or none, never the target's).  References
    that cannot be copied exactly (cycles, other documents, anything
    scoped) stay.
    """
    def target(ref: str, base: str) -> tuple[Any, str] | None:
        doc_name, _, pointer = ref.partition("#")
        doc_name = doc_name or base
        if doc_name not in contents or (pointer and not pointer.startswith("/")):
            return None
        node: Any = contents[doc_name]
        for part in pointer.split("/")[1:] if pointer else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node, doc_name

    def copy(node: Any, base: str, seen: tuple[tuple[str, str], ...]) -> Any:
        """*node* with references inlined; raises LookupError if something in it cannot be."""
        if isinstance(node, list):
            return [copy(item, base, seen) for item in node]
        if not isinstance(node, dict):
            return node
        if _SCOPED & node.keys():
            raise LookupError("scoped")
        out = _map_subschemas(node, lambda sub: copy(sub, base, seen))
        if "$ref" not in node:
            return out
        ref = node["$ref"]
        found = target(ref, base) if isinstance(ref, str) else None
        key = (found[1], ref.partition("#")[2]) if found is not None else None
        if found is None or key in seen or not isinstance(found[0], (dict, bool)):
            raise LookupError(ref)
        if "allOf" in out:
            raise LookupError("allOf beside $ref")
        return {**out, "allOf": [copy(found[0], found[1], seen + (key,))]}  # type: ignore[operator]

    def walk(node: Any) -> Any:
        """Inline every reference that can be; keep the others as they are."""
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            try:
                return copy(node, name, ())
            except LookupError:
                return {**_map_subschemas(node, walk), "$ref": node["$ref"]}
        return _map_subschemas(node, walk)

    return walk(schema)


def to_json(value: Any) -> Any:
    """YAML values -> JSON values: dates become ISO strings, keys become text."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


TYPE_WORDS = {
    "string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
    "array": "a list", "object": "a set of 'field: value' lines", "null": "empty",
}


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {_short(value)!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of 'field: value' lines"
    return type(value).__name__


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(path: tuple[Any, ...], root: str) -> str:
    if not path:
        return root
    if isinstance(path[-1], int):
        names = [p for p in path if isinstance(p, str)]
        return f"each entry of '{names[-1]}'" if names else f"entry {path[-1] + 1}"
    return f"'{path[-1]}'"


def _type_words(expected: Any) -> str:
    if isinstance(expected, list):
        return " or ".join(TYPE_WORDS.get(t, t) for t in expected)
    return TYPE_WORDS.get(expected, str(expected))


class Translator:
    def __init__(self, doc: YamlDoc, root_label: str):
        self.doc = doc
        self.root = root_label
        self.out: list[Diagnostic] = []
        self.seen: set[tuple[Any, ...]] = set()

    def emit(self, path: tuple[Any, ...], message: str, hint: str = "", *, key: bool = False,
             field_path: tuple[Any, ...] | None = None) -> None:
        line, col = self.doc.where(path, key=key)
        self.out.append(Diagnostic(self.doc.rel, line, col, "error", message,
                                   dotted(field_path if field_path is not None else path, self.doc.data), hint))

    def error(self, err: ValidationError) -> None:
        path = tuple(err.absolute_path)
        kind = err.validator
        value = err.instance
        schema = err.schema if isinstance(err.schema, dict) else {}
        label = _label(path, self.root)
        if kind == "required":
            if (path, "required") in self.seen:
                return
            self.seen.add((path, "required"))
            props = schema.get("properties", {})
            for name in err.validator_value:
                if isinstance(value, dict) and name not in value:
                    desc = props.get(name, {}).get("description", "") if isinstance(props.get(name), dict) else ""
                    where = "" if not path else f" in {dotted(path, self.doc.data)}"
                    self.emit(path, f"missing required field '{name}'{where}",
                              f"add '{name}: ...'" + (f" ({desc})" if desc else ""),
                              field_path=path + (name,))
        elif kind == "additionalProperties":
            if (path, "additional") in self.seen or not isinstance(value, dict):
                return
            self.seen.add((path, "additional"))
            allowed = list(schema.get("properties", {}))
            for name in value:
                if name in allowed:
                    continue
                original = next((k for k in self._raw_keys(path) if str(k) == name), name)
                hint = suggest(name, allowed) or ("allowed fields: " + ", ".join(allowed) if allowed else "")
                self.emit(path + (original,), f"unknown field '{name}'", hint, key=True)
        elif kind == "enum":
            options = ", ".join(str(o) for o in err.validator_value)
            self.emit(path, f"{label} must be one of: {options} (found {_found(value)})",
                      suggest(value, err.validator_value) if isinstance(value, str) else "")
        elif kind == "type":
            wanted = _type_words(err.validator_value)
            if value is None:
                self.emit(path, f"{label} is empty; it must be {wanted}",
                          "write a value after the ':' or delete the line")
            else:
                hint = ""
                if err.validator_value == "array" and isinstance(value, str):
                    hint = f"write a list, e.g. [{_short(value, 20)}] or one '- item' per line"
                elif err.validator_value == "string" and isinstance(value, (int, float, bool)):
                    hint = "put the value in quotes"
                self.emit(path, f"{label} must be {wanted} (found {describe(value)})", hint)
        elif kind in ("minLength",) or (kind == "pattern" and err.validator_value == "\\S"):
            self.emit(path, f"{label} must not be empty", "write some text, or delete the line if the field is optional")
        elif kind == "pattern":
            rule = schema.get("patternErrorMessage") or f"match the pattern {err.validator_value}"
            self.emit(path, f"{label} must {rule} (found {_found(value)})")
        elif kind == "format":
            if err.validator_value == "date":
                self.emit(path, f"{label} must be a date written YYYY-MM-DD (found {_found(value)})",
                          "e.g. 2026-11-01")
            else:
                self.emit(path, f"{label} must be a valid {err.validator_value} (found {_found(value)})")
        elif kind == "minItems":
            self.emit(path, f"{label} must list at least {err.validator_value} "
                            f"entr{'y' if err.validator_value == 1 else 'ies'}")
        elif kind == "maxLength":
            self.emit(path, f"{label} is too long: {len(value)} characters (at most {err.validator_value})",
                      "shorten it")
        elif kind == "uniqueItems" and isinstance(value, list):
            seen: list[Any] = []
            for index, item in enumerate(value):
                if item in seen:
                    self.emit(path + (index,), f"{label} lists {_found(item)} more than once",
                              "delete the repeated entry")
                    break
                seen.append(item)
        elif kind in ("minimum", "maximum"):
            bound = "at least" if kind == "minimum" else "at most"
            self.emit(path, f"{label} must be {bound} {err.validator_value} (found {_found(value)})")
        elif kind in ("anyOf", "oneOf"):
            self.any_of(err, path, label)
        else:
            self.emit(path, f"{label}: {err.message}")

    def any_of(self, err: ValidationError, path: tuple[Any, ...], label: str) -> None:
        """Pick the alternative whose type matches the value and report its problems."""
        value = err.instance
        branches: dict[int, list[ValidationError]] = {}
        for sub in err.context or []:
            branches.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
        for subs in branches.values():
            if all(s.validator != "type" or tuple(s.absolute_path) != path for s in subs):
                for sub in subs:  # the value has this branch's type: its errors are the real ones
                    self.error(sub)
                return
        kinds = [_type_words(option.get("type")) if "type" in option else "text"
                 for option in err.validator_value if isinstance(option, dict)]
        desc = err.schema.get("description", "") if isinstance(err.schema, dict) else ""
        self.emit(path, f"{label} must be {' or '.join(kinds)} (found {describe(value)})", desc)

    def _raw_keys(self, path: tuple[Any, ...]) -> list[Any]:
        value: Any = self.doc.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return []
        return list(value) if isinstance(value, dict) else []


def _found(value: Any) -> str:
    if isinstance(value, str):
        return repr(_short(value))
    if value is None:
        return "nothing"
    return describe(value) if isinstance(value, (list, dict)) else repr(value)


_results: dict[tuple[int, str, str, str], tuple[Draft202012Validator, list[Diagnostic]]] = {}


def validate_doc(doc: YamlDoc, validator: Draft202012Validator, root_label: str = "the file") -> list[Diagnostic]:
    """Diagnostics for *doc*; remembered by document digest, since most files do not change between builds."""
    key = (id(validator), doc.rel, doc.digest, root_label)
    if doc.digest and key in _results and _results[key][0] is validator:
        return list(_results[key][1])
    translator = Translator(doc, root_label)
    for err in validator.iter_errors(to_json(doc.data)):
        translator.error(err)
    if doc.digest:
        if len(_results) > 512:
            _results.clear()
        _results[key] = (validator, list(translator.out))
    return translator.out
