"""Content-hashed names for CSS and JS (cache-busting), decided before rendering.

``static/css/site.css`` is written as ``static/css/site.1a2b3c4d5e.css`` and
the templates' ``asset('css/site.css')`` returns that name directly, so the
pages come out of the renderer final: no pass over every HTML file after
writing, and a page the build cache kept never carries a stale name (the
asset names are part of every page's cache key).  References between the
hashed files themselves (a stylesheet importing another) are rewritten in
their text.  With ``--minify`` the CSS and JS are minified first, so the
hash names the bytes actually served.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

HASHED = (".css", ".js")
HASH_LEN = 10


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_LEN]


def hashed_name(name: str, data: bytes) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{content_hash(data)}.{suffix}"


@dataclass
class StaticPlan:
    """What the build writes for static/: final bytes by output path, and the asset names."""

    files: dict[str, bytes] = field(default_factory=dict)   # "static/css/site.<hash>.css" -> bytes
    names: dict[str, str] = field(default_factory=dict)     # "css/site.css" -> "css/site.<hash>.css"


def plan_static(files: list[tuple[Path, str]], base_path: str, hash_names: bool = True,
                minify: bool = False) -> StaticPlan:
    """Read every static file once and decide its output name and bytes.

    *files* are (source, "static/...") pairs; *base_path* is the site's path
    prefix ("/" or "/health/"), used to find references between assets.
    """
    plan = StaticPlan()
    contents: dict[str, bytes] = {}
    for source, rel in files:
        data = source.read_bytes()
        if minify and rel.endswith(HASHED):
            from .minify import minify_text
            data = minify_text(data.decode("utf-8"), Path(rel).suffix).encode("utf-8")
        contents[rel] = data
    for rel, data in contents.items():
        inner = rel[len("static/"):]
        name = Path(rel).name
        if hash_names and rel.endswith(HASHED) and not name.startswith("."):
            plan.names[inner] = inner[:-len(name)] + hashed_name(name, data)
    urls = {base_path + "static/" + old: base_path + "static/" + new for old, new in plan.names.items()}
    pattern = (re.compile("|".join(re.escape(u) for u in sorted(urls, key=len, reverse=True))
                          + r"""(?=["'\s)?#>]|$)""") if urls else None)
    for rel, data in contents.items():
        if pattern is not None and rel.endswith(HASHED):
            text = data.decode("utf-8")
            new = pattern.sub(lambda m: urls[m.group(0)], text)
            data = new.encode("utf-8") if new != text else data
        inner = rel[len("static/"):]
        plan.files["static/" + plan.names.get(inner, inner)] = data
    return plan
