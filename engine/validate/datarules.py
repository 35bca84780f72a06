"""Rules on data text that JSON Schema cannot say: every statement has a source, and the
source is recorded as supporting it.

The site's schemas say which fields are not statements (``"x-statement": false``
beside a field: names, questions, captions) and which enums a data collection
explains (``"x-legend": "levels"``) and which strings are ids of
another collection (``"x-ref": "groups"``); the engine knows neither the
fields nor the collections.  A statement is cited by the ``references`` list
of the object that holds it (the record, or a nested object such as one
graded answer), so each citation sits next to the words it backs; an object
may instead say ``uncited: general-advice`` (or another configured marker).

With ``claims: [keyword, ...]`` an object names the facts it states; every
source it cites must list one of them in its ``supports`` (copied from the
checked bibliography), so "cite only what the source supports" is checked,
not hoped for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ..diagnostics import Diagnostic
from ..load.yamlsource import YamlDoc, dotted
from .content import URL_START_RE, script_scheme
from .schema import SchemaSet, suggest
from .statements import SENTENCE_END_RE, words

#: the bibliography collection and the fields of its records the rules read
REFERENCES = "references"
DEFAULT_MARKERS = ("general-advice", "site-text")

Path = tuple[Any, ...]


# -- walking data alongside its (inlined) schema ----------------------------------------

def _parts(node: Any) -> Iterator[dict[str, Any]]:
    """*node* and every schema it pulls in through ``allOf`` (how inlined ``$ref``s look)."""
    if isinstance(node, dict):
        yield node
        for sub in node.get("allOf", ()):
            yield from _parts(sub)


def annotation(node: Any, key: str) -> Any:
    """The first value of *key* on *node* or the schemas it is made of (None if absent)."""
    for part in _parts(node):
        if key in part:
            return part[key]
    return None


def _child(node: Any, step: Any) -> Any:
    for part in _parts(node):
        if isinstance(step, int):
            if isinstance(part.get("items"), dict):
                return part["items"]
        elif isinstance(part.get("properties"), dict) and step in part["properties"]:
            return part["properties"][step]
    return None


def walk(value: Any, node: Any, path: Path = ()) -> Iterator[tuple[Path, Any, Any]]:
    """(path, value, schema node) for every value under *value*, depth first."""
    yield path, value, node
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from walk(sub, _child(node, key), path + (key,))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from walk(sub, _child(node, index), path + (index,))


def _owner(data: Any, path: Path) -> tuple[Path, dict[str, Any] | None]:
    """The object that holds the value at *path*: its parent, or for a list entry the list's parent."""
    steps = path[:-1]
    if steps and isinstance(path[-1], int):
        steps = steps[:-1]
    node = data
    for step in steps:
        node = node[step]
    return steps, node if isinstance(node, dict) else None


# -- the rules ----------------------------------------------------------------------------

@dataclass
class Bibliography:
    """What the rules need to know about each reference."""

    supports: dict[str, set[str] | None]     # id -> fact keywords (None: not recorded)
    unseen: set[str]                         # ids whose text was never seen

    @classmethod
    def from_store(cls, records: dict[str, Any]) -> "Bibliography":
        supports: dict[str, set[str] | None] = {}
        unseen: set[str] = set()
        for rid, record in records.items():
            data = record.data
            value = data.get("supports")
            supports[rid] = {str(v) for v in value} if isinstance(value, list) else None
            if data.get("text_seen") is False:
                unseen.add(rid)
        return cls(supports, unseen)

    @property
    def keywords(self) -> set[str]:
        return set().union(*(s for s in self.supports.values() if s))


def check_data_rules(docs: dict[str, YamlDoc], schemas: SchemaSet, collections: dict[str, Any],
                     markers: tuple[str, ...] = DEFAULT_MARKERS,
                     max_sentence_words: int = 25) -> list[Diagnostic]:
    """Statements without a source, citations the source does not back, legends that miss a value,
    and sentences too long to read easily."""
    out: list[Diagnostic] = []
    bib = Bibliography.from_store(collections.get(REFERENCES, {}))
    keywords = bib.keywords
    legends: dict[str, tuple[list[Any], str]] = {}
    for stem, doc in sorted(docs.items()):
        validator = schemas.get(stem)
        if validator is None or not isinstance(doc.data, dict):
            continue
        owners_seen: set[Path] = set()
        for path, value, node in walk(doc.data, validator.schema):
            if isinstance(node, dict):
                legend = annotation(node, "x-legend")
                enum = annotation(node, "enum")
                if isinstance(legend, str) and isinstance(enum, list) and legend not in legends:
                    legends[legend] = (enum, stem)
            if isinstance(value, dict) and stem != REFERENCES:
                out.extend(_object_rules(doc, path, value, bib, keywords))
            target = annotation(node, "x-ref") if isinstance(node, dict) else None
            if isinstance(target, str) and isinstance(value, str) and value not in collections.get(target, {}):
                known = collections.get(target, {})
                out.append(doc.diag(path, f"unknown {target} id '{value}'",
                                    hint=suggest(value, known) or f"use an id listed under '{target}:'"
                                    + (f" ({', '.join(sorted(known)[:8])})" if known else "")))
            if not isinstance(value, str) or stem == REFERENCES or not path:
                continue
            if ":" in value or "&" in value:
                for match in URL_START_RE.finditer(value):
                    scheme = script_scheme(match.group(1))
                    if scheme:
                        out.append(doc.diag(path, f"'{scheme}:' link in data text is not allowed",
                                            hint="link to a normal web address (https://...) instead"))
            if "[@" in value:
                out.append(doc.diag(path, "citations are not written inside data text",
                                    hint="list the reference ids in the 'references' field of this record "
                                         "(or of the nested object that holds this text)"))
            if annotation(node, "x-statement") is False or path[-1] in ("id", "uncited") or not value.split()[1:]:
                continue
            for sentence in SENTENCE_END_RE.split(value):
                count = words(sentence)
                if count > max_sentence_words:
                    out.append(doc.diag(path, f"sentence of {count} words (at most {max_sentence_words}): "
                                              f"'{' '.join(sentence.split()[:8])} ...'", severity="warning",
                                        hint="split it into two sentences"))
            owner_path, owner = _owner(doc.data, path)
            if owner is None or owner_path in owners_seen:
                continue
            refs = owner.get("references")
            if (isinstance(refs, list) and refs) or owner.get("uncited") in markers:
                continue
            owners_seen.add(owner_path)   # one warning per object, at its first statement
            out.append(doc.diag(path, "statement without a citation", severity="warning",
                                hint="add the ids of the sources that back it to 'references' here"
                                     + (f" (in {dotted(owner_path, doc.data)})" if owner_path else "")
                                     + ", or mark the object 'uncited: general-advice' if it is not a health claim"))
    for legend, (enum, stem) in sorted(legends.items()):
        explained = collections.get(legend) or {}
        missing = [v for v in enum if v not in explained]
        if not missing:
            continue
        values = ", ".join(f"'{v}'" for v in missing)
        message = (f"{values} {'is an allowed value' if len(missing) == 1 else 'are allowed values'} "
                   f"(schema of data/{stem}.yaml) with no entry in '{legend}'")
        hint = f"add a record with that id under '{legend}:' (it says what the value means to readers)"
        if explained:     # at the legend itself, where the entry goes
            first = next(iter(explained.values()))
            out.append(first.doc.diag((legend,), message, key=True, hint=hint))
        else:
            out.append(Diagnostic(f"data/{stem}.yaml", 1, 1, "error", message, "", hint
                                  + f"; no data file has '{legend}:' yet"))
    return out


def _object_rules(doc: YamlDoc, path: Path, obj: dict[str, Any], bib: Bibliography,
                  keywords: set[str]) -> Iterator[Diagnostic]:
    refs = obj.get("references")
    refs = [str(r) for r in refs if isinstance(r, str)] if isinstance(refs, list) else []
    claims = obj.get("claims")
    claims = [str(c) for c in claims if isinstance(c, str)] if isinstance(claims, list) else []
    for index, claim in enumerate(claims):
        if keywords and claim not in keywords:
            yield doc.diag(path + ("claims", index), f"unknown claim keyword '{claim}'",
                           hint=suggest(claim, keywords) or "use a keyword from a 'supports' list in data/references.yaml")
    if claims:
        wanted = set(claims)
        for index, rid in enumerate(refs):
            supported = bib.supports.get(rid)
            if supported is not None and not (supported & wanted):
                yield doc.diag(path + ("references", index),
                               f"reference '{rid}' is not recorded as supporting "
                               f"{' or '.join(repr(c) for c in claims)}",
                               hint=("it supports: " + ", ".join(sorted(supported)) if supported
                                     else "its 'supports' list is empty")
                               + "; cite a source that supports the claim, or correct 'claims'")
    if refs and all(rid in bib.unseen for rid in refs):
        yield doc.diag(path + ("references",),
                       "cited only by sources whose text was never seen (text_seen: false)",
                       severity="warning",
                       hint="add a source whose text was checked, or drop the statement")
