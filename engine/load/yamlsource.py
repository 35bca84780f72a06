"""YAML loading that remembers where every value came from.

PyYAML's ``safe_load`` throws positions away and quietly accepts duplicate
keys (the last one wins).  Editors need both: a message that points at the
line, and a loud complaint when a key is written twice.  So we let the
(C, when available) composer build the node tree, which keeps marks, and
construct plain Python values from it ourselves, recording the position of
every key and value by its path (``("faqs", 0, "answer")``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..diagnostics import ContentError, Diagnostic, as_cause

if TYPE_CHECKING:  # pragma: no cover
    import yaml
    from yaml.constructor import ConstructorError, SafeConstructor
else:
    # PyYAML loads with the first document parsed (_load_yaml): a cached build whose
    # data files and front matter did not change parses none and never needs it.
    yaml = ConstructorError = SafeConstructor = _Loader = None


def _load_yaml() -> None:
    global yaml, ConstructorError, SafeConstructor, _Loader
    import yaml as module
    from yaml.constructor import ConstructorError, SafeConstructor  # noqa: F811
    try:  # libyaml is several times faster; fall back silently where it is absent
        from yaml import CSafeLoader as _Loader
    except ImportError:  # pragma: no cover - depends on the wheel
        from yaml import SafeLoader as _Loader  # type: ignore[assignment]
    yaml = module

#: Upper bound on values built by expanding aliases in one document.  Aliases
#: share nodes, so a "billion laughs" file is small on disk but huge when
#: expanded; this cap keeps time and memory bounded.  Only what aliases add is
#: counted: a large file written out in full costs what its size costs, and
#: its size is visible on disk.
MAX_ALIAS_VALUES = 50_000
#: Deepest nesting of lists/mappings accepted.  libyaml's composer recurses in
#: C and crashes the interpreter on very deep input ("[[[[..."), so depth is
#: measured on the event stream (iteratively) before composing.
MAX_DEPTH = 64

PathKey = tuple[Any, ...]


@dataclass
class YamlDoc:
    """One parsed YAML document and the positions of its values."""

    rel: str
    data: Any
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    #: hash of the source text and line offset ('' if unknown): equal digests, equal documents
    digest: str = ""

    def where(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """Position of *path*, or of its nearest recorded ancestor."""
        path = tuple(path)
        while True:
            table = self.keys if key and path in self.keys else self.values
            if path in table:
                return table[path]
            if not path:
                return (1, 1)
            path = path[:-1]

    def diag(self, path: PathKey, message: str, *, key: bool = False, hint: str = "",
             severity: str = "error") -> Diagnostic:
        line, col = self.where(path, key=key)
        return Diagnostic(self.rel, line, col, severity, message, dotted(path, self.data), hint)


class PackedYamlDoc(YamlDoc):
    """A :class:`YamlDoc` read back from the source cache, its positions still packed.

    Positions are needed only to word a message, and a cached page's messages
    are cached too; unpacking ``values`` and ``keys`` for ten thousand pages
    on every build would cost more than everything else the cache does.  They
    are unpacked on first access.
    """

    def __init__(self, rel: str, data: Any, digest: str, packed: bytes):
        # deliberately not YamlDoc.__init__: 'values' and 'keys' appear on first use
        self.rel, self.data, self.digest, self.packed = rel, data, digest, packed

    def __getattr__(self, name: str) -> Any:   # only called for attributes not set yet
        if name in ("values", "keys"):
            self.values, self.keys = unpack_positions(self.packed)
            return self.__dict__[name]
        raise AttributeError(name)


def pack_positions(doc: YamlDoc) -> bytes:
    """``doc.values`` and ``doc.keys`` as bytes (marshal: fast, and every path part is plain)."""
    if isinstance(doc, PackedYamlDoc) and "values" not in doc.__dict__:
        return doc.packed
    return marshal.dumps((doc.values, doc.keys))


def unpack_positions(packed: bytes) -> tuple[dict[PathKey, tuple[int, int]], dict[PathKey, tuple[int, int]]]:
    values, keys = marshal.loads(packed)
    return values, keys


def dotted(path: PathKey, data: Any = None) -> str:
    """``faqs[opening-hours].answer``: a field's place for messages.  With the document's *data*,
    a list entry that is a record is named by its ``id`` (editors know records by id, and an
    index changes whenever a record is added above it); otherwise, and for plain lists, by index.
    """
    out = ""
    node = data
    for part in path:
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            rid = entry.get("id") if isinstance(entry, dict) else None
            label = rid if isinstance(rid, str) and rid and ID_LABEL_RE.match(rid) else part
            out += f"[{label}]"
            node = entry
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


#: ids shown in place of an index: plain slugs only, so a label never looks like two parts
ID_LABEL_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class _Builder:
    def __init__(self, rel: str, line_offset: int):
        self.rel = rel
        self.offset = line_offset
        self.doc = YamlDoc(rel, None)
        #: values built again because an alias refers to them (see MAX_ALIAS_VALUES)
        self.expanded = 0
        self.built: set[int] = set()      # ids of the lists and mappings built so far
        self.alias_used_in: PathKey = ()
        self.scalars = SafeConstructor()
        self.problems: list[Diagnostic] = []

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1 + self.offset, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: PathKey, aliased: bool = False) -> Any:
        """The value of *node* at *path*; *aliased*: reached through an alias (a node built before)."""
        if aliased:
            self.expanded += 1
        elif not isinstance(node, yaml.ScalarNode):   # an alias to a scalar adds one value: not tracked
            key = id(node)
            if key in self.built:
                aliased = True
                self.expanded += 1
                self.alias_used_in = path[:-1]   # the list or mapping where the '*alias' is written
            self.built.add(key)
        if len(path) > MAX_DEPTH:  # also stops a recursive alias ('&a [*a]')
            line, col = self.pos(node)
            raise ContentError(Diagnostic(
                self.rel, line, col, "error",
                f"values are nested more than {MAX_DEPTH} levels deep (or an alias refers to itself)",
                "", "flatten the structure; remove '*alias' references to an enclosing '&anchor'"))
        if self.expanded > MAX_ALIAS_VALUES:
            line, col = self.doc.where(self.alias_used_in)
            raise ContentError(Diagnostic(
                self.rel, line, col, "error",
                f"aliases expand to more than {MAX_ALIAS_VALUES:,} values (too many nested aliases)",
                dotted(self.alias_used_in), "remove the '&anchor' / '*alias' chains; write the values out"))
        self.doc.values.setdefault(path, self.pos(node))
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    line, col = self.pos(key_node)
                    self.problems.append(Diagnostic(
                        self.rel, line, col, "error", "merge keys ('<<') are not supported",
                        dotted(path), "write the fields out in full"))
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    line, col = self.pos(key_node)
                    self.problems.append(Diagnostic(
                        self.rel, line, col, "error", "a key must be plain text, not a list or mapping",
                        dotted(path)))
                    continue
                key = self.scalar(key_node, path)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    key = str(key)
                if key in result:
                    line, col = self.pos(key_node)
                    first = self.doc.keys.get(path + (key,), (0, 0))[0]
                    self.problems.append(Diagnostic(
                        self.rel, line, col, "error",
                        f"duplicate key '{key}' (first written on line {first})",
                        dotted(path + (key,)), "delete one of the two; YAML would silently keep only the last"))
                    continue
                self.doc.keys[path + (key,)] = self.pos(key_node)
                result[key] = self.build(value_node, path + (key,), aliased)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), aliased) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: PathKey) -> Any:
        try:
            value = self.scalars.construct_object(node, deep=True)
        except (ConstructorError, ValueError, TypeError) as exc:
            line, col = self.pos(node)
            problem = getattr(exc, "problem", None) or str(exc)
            if node.tag == "tag:yaml.org,2002:timestamp":
                self.problems.append(Diagnostic(
                    self.rel, line, col, "error", f"'{node.value}' is not a real date ({problem})",
                    dotted(path), "write dates as YYYY-MM-DD, e.g. 2026-11-01"))
                return None
            self.problems.append(Diagnostic(
                self.rel, line, col, "error", f"cannot read value: {problem}", dotted(path),
                "put the value in quotes if it is meant as text"))
            return None
        if isinstance(value, dt.datetime):
            # Every date field is a calendar day; a time of day would reach code that
            # compares it with plain dates (and fail there, far from this line).
            line, col = self.pos(node)
            self.problems.append(Diagnostic(
                self.rel, line, col, "error", f"'{node.value}' has a time of day; dates are written YYYY-MM-DD",
                dotted(path), f"write the day alone ({value.date().isoformat()}), "
                              "or put the value in quotes if it is meant as text"))
            return None
        return value


def _syntax_diag(rel: str, exc: yaml.YAMLError, text: str, line_offset: int) -> Diagnostic:
    if isinstance(exc, yaml.reader.ReaderError):  # a control character; it has no mark
        before = text[: max(exc.position, 0)]
        line = before.count("\n") + 1 + line_offset
        col = exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return Diagnostic(rel, line, col, "error",
                          f"YAML cannot contain the control character U+{ord(char):04X}", "",
                          "delete the invisible character (it often comes from copying and pasting)")
    opened = _unclosed(exc, text, line_offset)
    if opened is not None:
        return Diagnostic(rel, *_shifted(opened[0], line_offset), "error", f"YAML syntax error: {opened[1]}",
                          "", opened[2])
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
    col = (mark.column + 1) if mark else 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    hint = ("check the indentation, that text containing ':' or '#' is in quotes, "
            "and that every opening quote is closed (on this line or the one before)")
    source_line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    if "\t" in source_line or "'\\t'" in str(problem):
        problem = "a tab character is used for indentation"
        hint = "YAML indentation must use spaces; replace the tab with spaces"
    return Diagnostic(rel, line, col, "error", f"YAML syntax error: {problem}", "", hint)


def _shifted(mark: Any, line_offset: int) -> tuple[int, int]:
    return mark.line + 1 + line_offset, mark.column + 1


#: the parser's context for a bracket or quote that was opened and not closed
_OPENERS = {"while parsing a flow sequence": "]", "while parsing a flow mapping": "}",
            "while scanning a quoted scalar": ""}


def _unclosed(exc: Any, text: str, line_offset: int) -> tuple[Any, str, str] | None:
    """(mark, message, hint) when the parser gave up inside a bracket or quote it saw opened.

    libyaml reports the place it gave up (often the next line, or the end of the
    file), and in ``context_mark`` where the construct it was reading began: that
    is where the editor's mistake is, so the message points there.
    """
    context, start, stop = getattr(exc, "context", None), getattr(exc, "context_mark", None), \
        getattr(exc, "problem_mark", None)
    if context not in _OPENERS or start is None or stop is None:
        return None
    lines = text.splitlines()
    opener = lines[start.line][start.column:start.column + 1] if start.line < len(lines) else ""
    if opener not in ("[", "{", '"', "'"):
        return None
    closer = _OPENERS[context] or opener
    what = "quote" if opener in "\"'" else f"'{opener}'"
    line, col = _shifted(start, line_offset)
    gave_up = ("the end of the text" if stop.line >= len(lines) or not text[stop.index:].strip()
               else "line {}, column {}".format(*_shifted(stop, line_offset)))
    return (start, f"the {what} opened at line {line}, column {col} is never closed",
            f"add the closing {closer!r} where the value ends (the parser read on to {gave_up} looking for it)")


def decode(raw: bytes, rel: str) -> str:
    """Decode UTF-8 (with or without BOM) or report the first bad byte's position."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # utf-8-sig counts from after the byte order mark
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        raise ContentError(not_utf8(raw, start, rel)) from None


def not_utf8(raw: bytes, start: int, rel: str) -> Diagnostic:
    """The bad byte at offset *start* of *raw* as ``rel:line:col`` (the column counts
    characters, as an editor shows them, not bytes)."""
    line_start = raw.rfind(b"\n", 0, start) + 1
    line = raw.count(b"\n", 0, start) + 1
    col = len(raw[line_start:start].decode("utf-8", "replace")) + 1
    return Diagnostic(rel, line, col, "error", f"file is not valid UTF-8 (byte 0x{raw[start]:02x})", "",
                      "save the file with UTF-8 encoding", cause=True)


def _check_depth(text: str, rel: str, line_offset: int) -> None:
    """Reject nesting deeper than MAX_DEPTH before libyaml's recursive composer sees it."""
    if text.count("[") + text.count("{") + text.count(":") + text.count("-") <= MAX_DEPTH:
        return
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise ContentError(Diagnostic(
                    rel, mark.line + 1 + line_offset, mark.column + 1, "error",
                    f"values are nested more than {MAX_DEPTH} levels deep", "",
                    "flatten the structure"))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


#: see known_documents
_known: Callable[[str, str], YamlDoc | None] | None = None


@contextmanager
def known_documents(lookup: Callable[[str, str], YamlDoc | None]) -> Iterator[None]:
    """While active, :func:`parse_yaml` first asks ``lookup(rel, digest)`` for a document
    parsed before from the same text at the same line offset (equal digests, equal
    documents), and returns it instead of parsing again: an article whose body changed
    keeps its front matter, which the source cache already holds."""
    global _known
    before, _known = _known, lookup
    try:
        yield
    finally:
        _known = before


def _digest(text: str, line_offset: int) -> str:
    return hashlib.blake2b(f"{line_offset}\n{text}".encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def parse_yaml(text: str, rel: str, *, line_offset: int = 0, allow_empty: bool = False) -> YamlDoc:
    """Parse *text*; raise :class:`ContentError` listing every problem found."""
    if not text.strip():
        if allow_empty:
            return YamlDoc(rel, {})
        raise ContentError(Diagnostic(rel, 1 + line_offset, 1, "error", "file is empty", "",
                                      "add the expected fields, or delete the file"))
    if _known is not None:
        known = _known(rel, _digest(text, line_offset))
        if known is not None:
            return known
    if yaml is None:
        _load_yaml()
    try:
        _check_depth(text, rel, line_offset)
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise ContentError(as_cause(_syntax_diag(rel, exc, text, line_offset))) from None
    if not nodes:  # only comments
        if allow_empty:
            return YamlDoc(rel, {})
        raise ContentError(Diagnostic(rel, 1 + line_offset, 1, "error", "file is empty (only comments)", "",
                                      "add the expected fields, or delete the file"))
    if len(nodes) != 1:
        line = 1 + line_offset
        if nodes[1] is not None:
            second = nodes[1].start_mark.line
            lines = text.split("\n")
            separators = [i for i in range(min(second, len(lines) - 1), -1, -1)
                          if lines[i].startswith(("---", "..."))]
            line = (separators[0] if separators else second) + 1 + line_offset
        raise ContentError(Diagnostic(rel, line, 1, "error",
                                      "expected exactly one YAML document", "",
                                      "remove the extra '---' separator"))
    if nodes[0] is None:
        if allow_empty:
            return YamlDoc(rel, {})
        raise ContentError(Diagnostic(rel, 1 + line_offset, 1, "error", "file is empty", ""))
    builder = _Builder(rel, line_offset)
    builder.doc.data = builder.build(nodes[0], ())
    if builder.problems:
        raise ContentError(builder.problems)
    builder.doc.digest = _digest(text, line_offset)
    return builder.doc


def load_yaml_file(path: Path, rel: str) -> YamlDoc:
    return parse_yaml(decode(path.read_bytes(), rel), rel)
