"""Content-hashed names for CSS and JS (cache-busting), with every reference rewritten.

Runs on the staged output folder: ``static/css/site.css`` becomes
``static/css/site.1a2b3c4d5e.css`` and each URL the templates produced with
``asset()`` (``<base path>static/css/site.css``) is replaced in the HTML, CSS
and JS files.  Pages the build cache reused from the previous output may
carry an older hash; those references are rewritten too.  Files are replaced
(never modified in place) because reused pages are hard links to the
previous output.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

HASHED = (".css", ".js")
TEXT = (".html", ".css", ".js", ".xml")
HASH_LEN = 10


def hashed_name(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LEN]
    return f"{path.stem}.{digest}{path.suffix}"


def replace_text(path: Path, text: str) -> None:
    """Write *text* to *path* through a new file, leaving any hard-linked original untouched."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def hash_assets(out: Path, base_path: str) -> dict[str, str]:
    """Rename static CSS/JS under *out*; return {old URL: new URL}."""
    static = out / "static"
    if not static.is_dir():
        return {}
    renames: dict[str, str] = {}
    for path in sorted(static.rglob("*")):
        if path.is_file() and path.suffix in HASHED and not path.name.startswith("."):
            target = path.with_name(hashed_name(path))
            rel_old = path.relative_to(out).as_posix()
            rel_new = target.relative_to(out).as_posix()
            path.rename(target)
            renames[base_path + rel_old] = base_path + rel_new
    if not renames:
        return renames
    by_plain: dict[str, str] = {}
    alternatives = []
    for old in sorted(renames, key=len, reverse=True):
        stem, dot, suffix = old.rpartition(".")
        by_plain[old] = renames[old]
        # the plain name, or the same name with an earlier hash
        alternatives.append(re.escape(stem) + rf"(?:\.[0-9a-f]{{{HASH_LEN}}})?\." + re.escape(suffix))
    pattern = re.compile("(" + "|".join(alternatives) + r""")(?=["'\s)?#>]|$)""")

    def new_url(match: re.Match[str]) -> str:
        url = match.group(1)
        plain = re.sub(rf"\.[0-9a-f]{{{HASH_LEN}}}(\.[a-z]+)$", r"\1", url)
        return by_plain.get(plain, by_plain.get(url, url))

    for path in out.rglob("*"):
        if path.is_file() and path.suffix in TEXT and "pagefind" not in path.relative_to(out).parts:
            text = path.read_text(encoding="utf-8")
            new = pattern.sub(new_url, text)
            if new != text:
                replace_text(path, new)
    return renames
