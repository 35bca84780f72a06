"""The data files as collections of records with ids.

Every top-level key of a data file whose value is a list of mappings with an
``id`` is a *collection* (``faqs``, ``references`` and the site's own).  All
templates and Markdown blocks reach data through this store, which is what
lets a record's facts live in exactly one place and lets each page record
which records it showed (for incremental rebuilds and "discussed on" lists).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from .yamlsource import YamlDoc

#: record fields that list a record's topics, unless site.yaml says otherwise (``topics.fields``)
TOPIC_FIELDS: tuple[str, ...] = ("topics",)


@dataclass
class Record:
    collection: str
    id: str
    data: dict[str, Any]
    doc: YamlDoc
    path: tuple[Any, ...]   # position of the record inside its file


@dataclass
class DataStore:
    files: dict[str, YamlDoc] = field(default_factory=dict)
    collections: dict[str, dict[str, Record]] = field(default_factory=dict)
    topic_fields: tuple[str, ...] = TOPIC_FIELDS

    @classmethod
    def from_docs(cls, docs: dict[str, YamlDoc], topic_fields: tuple[str, ...] = TOPIC_FIELDS) -> "DataStore":
        store = cls(dict(sorted(docs.items())), topic_fields=topic_fields)
        for stem, doc in store.files.items():
            if not isinstance(doc.data, dict):
                continue
            for key, value in doc.data.items():
                if not (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
                    continue
                if not all("id" in v for v in value):
                    continue
                records = store.collections.setdefault(str(key), {})
                for index, item in enumerate(value):
                    rid = str(item["id"])
                    records.setdefault(rid, Record(str(key), rid, item, doc, (key, index)))
        return store

    def collection(self, name: str) -> list[Record]:
        return list(self.collections.get(name, {}).values())

    def get(self, collection: str, rid: str) -> Record | None:
        return self.collections.get(collection, {}).get(rid)

    def select(self, collection: str, args: Iterable[str], topic: str | None) -> list[Record]:
        """The records a block shows: named ids, ``all``, or those tagged with the page topic."""
        args = list(args)
        if args == ["all"]:
            return self.collection(collection)
        if args:
            return [r for a in args if (r := self.get(collection, a)) is not None]
        if topic is None:
            return self.collection(collection)
        return [r for r in self.collection(collection) if has_topic(r.data, topic, self.topic_fields)]

    def plain(self) -> dict[str, Any]:
        """All data as plain values, by file stem, for templates."""
        return {stem: doc.data for stem, doc in self.files.items()}


def has_topic(record: dict[str, Any], topic: str, fields: tuple[str, ...] = TOPIC_FIELDS) -> bool:
    return any(topic in (record.get(f) or []) for f in fields) or record.get("id") == topic


def field_value(record: dict[str, Any], dotted_path: str) -> Any:
    """``source.year`` -> record["source"]["year"]; raises KeyError if absent."""
    value: Any = record
    for part in dotted_path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(dotted_path)
        value = value[part]
    return value
