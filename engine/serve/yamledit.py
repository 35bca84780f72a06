"""Saving an edited document into a YAML file so that git shows only the lines that changed.

ruamel.yaml's round-trip mode (``YAML(typ="rt")``, pinned in requirements.txt) loads the file
into maps and lists that keep their comments, key order, quoting and flow style.  The editor's
new document (plain JSON) is merged into them value by value (:func:`merge`): only values that
differ are replaced, a replaced string keeps its quoting style, a date stays a date.

ruamel re-emits the whole file, and a few files are not written exactly as ruamel would
write them (a long flow list wrapped at another width, say).  So the text that is written is
the file itself with only the changed lines patched in (:func:`patch`): ruamel's output before
and after the merge are compared line by line, and each changed hunk replaces the same lines
of the original file.  When a hunk falls on lines ruamel would write differently from the
file, or the result does not read back as the new document, nothing is written
(:class:`CannotKeepFormat`): the editor says so instead of reformatting the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import ScalarString

from .forms import plain


class CannotKeepFormat(Exception):
    """The change cannot be written without reformatting lines it did not touch."""


DASH_RE = re.compile(r"^( *)- ")
KEY_RE = re.compile(r"^( *)[^\s#-][^#]*:\s*(#.*)?$")


def sequence_offset(text: str) -> int:
    """How far this file indents a block list's dash under its key (``key:\n  - x`` is 2,
    ``key:\n- x`` is 0): the first such pair decides; 2 when there is none.  (ruamel's own
    guess, ``util.load_yaml_guess_indent``, parses the whole file for it: 40 ms here.)"""
    previous = None
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        dash = DASH_RE.match(line)
        if dash and previous is not None:
            return max(0, min(8, len(dash.group(1)) - len(previous.group(1))))
        previous = KEY_RE.match(line)
    return 2


def make_yaml(text: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096           # never fold a long line the file has on one line
    offset = sequence_offset(text)
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    return yaml


def load(text: str) -> Any:
    return make_yaml(text).load(text)


def dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _same(old: Any, new: Any) -> bool:
    before = plain(old)
    if isinstance(before, bool) or isinstance(new, bool):
        return type(before) is type(new) and before == new
    return before == new


def _fresh(value: Any) -> Any:
    """A new value in ruamel's round-trip types (block style)."""
    if isinstance(value, dict):
        node = CommentedMap()
        for key, item in value.items():
            node[key] = _fresh(item)
        return node
    if isinstance(value, list):
        return CommentedSeq([_fresh(v) for v in value])
    return value


def _scalar(old: Any, new: Any) -> Any:
    if isinstance(old, ScalarString) and isinstance(new, str):
        return type(old)(new)          # keep its quotes (or block style)
    if isinstance(old, dt.date) and isinstance(new, str):
        try:
            return dt.date.fromisoformat(new)
        except ValueError:
            return new                 # the check names the field
    return _fresh(new)


def merge(old: Any, new: Any) -> Any:
    """*old* (ruamel round-trip data) changed to equal *new* (plain data), in place where it
    can be: the returned object is *old* itself unless a scalar or a type changed."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            if key in old:
                merged = merge(old[key], value)
                if merged is not old[key]:
                    old[key] = merged
            else:
                old[key] = _fresh(value)
        return old
    if isinstance(old, list) and isinstance(new, list):
        for index in range(min(len(old), len(new))):
            merged = merge(old[index], new[index])
            if merged is not old[index]:
                old[index] = merged
        while len(old) > len(new):
            del old[len(old) - 1]
        for value in new[len(old):]:
            old.append(_fresh(value))
        return old
    if _same(old, new):
        return old
    return _scalar(old, new)


def patch(source: str, before: str, after: str) -> str:
    """*source* with the lines that differ between *before* and *after* (ruamel's output of
    the file unchanged and changed) replaced; raises CannotKeepFormat when a changed line is
    one that ruamel writes differently from *source*."""
    if source == before:
        return after
    src, old, new = (t.splitlines(keepends=True) for t in (source, before, after))
    where: dict[int, int] = {}          # line of *before* -> the same line of *source*
    for block in difflib.SequenceMatcher(None, old, src, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            where[block.a + k] = block.b + k
    hunks: list[tuple[int, int, list[str]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            if not all(i in where for i in range(i1, i2)) or where[i2 - 1] - where[i1] != i2 - i1 - 1:
                raise CannotKeepFormat("the change touches lines written in a layout the editor cannot keep")
            start, end = where[i1], where[i2 - 1] + 1
        else:
            after_prev = where[i1 - 1] + 1 if i1 > 0 and (i1 - 1) in where else None
            before_next = where[i1] if i1 < len(old) and i1 in where else None
            if after_prev is None and before_next is None:
                raise CannotKeepFormat("the change goes between lines the editor cannot place")
            if after_prev is not None and before_next is not None and after_prev != before_next:
                raise CannotKeepFormat("the change goes between lines the editor cannot place")
            start = end = after_prev if after_prev is not None else before_next  # type: ignore[assignment]
        hunks.append((start, end, new[j1:j2]))
    for start, end, lines in sorted(hunks, reverse=True):
        src[start:end] = lines
    return "".join(src)


def edited_text(source: str, new_data: Any) -> str:
    """The file's new text: *source* with *new_data* (plain JSON-like data) merged in, only the
    changed lines differing.  Raises CannotKeepFormat (nothing should be written then)."""
    yaml = make_yaml(source)
    data = yaml.load(source)
    before = dump(yaml, data)
    data = merge(data, new_data)
    after = dump(yaml, data)
    text = patch(source, before, after)
    if plain(yaml.load(text)) != plain(new_data):
        raise CannotKeepFormat("the file would not read back as the edited data")
    return text
