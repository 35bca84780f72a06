"""Content-hashed names for CSS and JS (cache-busting), with every reference rewritten.

Runs on the staged output folder: ``static/css/site.css`` becomes
``static/css/site.1a2b3c4d5e.css`` and each URL the templates produced with
``asset()`` (``<base path>static/css/site.css``) is replaced in the HTML, CSS
and JS files.  A reference that is not a whole URL is left alone.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

HASHED = (".css", ".js")
TEXT = (".html", ".css", ".js", ".xml")


def hashed_name(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return f"{path.stem}.{digest}{path.suffix}"


def hash_assets(out: Path, base_path: str) -> dict[str, str]:
    """Rename static CSS/JS under *out*; return {old URL: new URL}."""
    static = out / "static"
    if not static.is_dir():
        return {}
    renames: dict[str, str] = {}
    for path in sorted(static.rglob("*")):
        if path.is_file() and path.suffix in HASHED:
            target = path.with_name(hashed_name(path))
            rel_old = path.relative_to(out).as_posix()
            rel_new = target.relative_to(out).as_posix()
            path.rename(target)
            renames[base_path + rel_old] = base_path + rel_new
    if not renames:
        return renames
    pattern = re.compile("(" + "|".join(re.escape(k) for k in sorted(renames, key=len, reverse=True))
                         + r""")(?=["'\s)?#]|$)""")
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in TEXT and "pagefind" not in path.relative_to(out).parts:
            text = path.read_text(encoding="utf-8")
            new = pattern.sub(lambda m: renames[m.group(1)], text)
            if new != text:
                path.write_text(new, encoding="utf-8")
    return renames
