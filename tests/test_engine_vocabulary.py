"""The engine knows no word of the site it builds: the cramp site's vocabulary, taken from its own
data files (so the check grows with the site), appears nowhere in engine/ code, strings, comments,
scripts or the engine's own schemas.  The starter site of ``new site`` (engine/scaffold/) is a site,
not engine code, and is left out."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
#: collections every site of this engine has: they name engine features, not the subject
ENGINE_COLLECTIONS = {"references", "comparisons", "faqs"}


def site_vocabulary() -> tuple[set[str], set[str]]:
    """(words matched anywhere as words, names matched when quoted as identifiers)."""
    words = {"cramp", "cramps"}
    site = yaml.safe_load((ROOT / "data/site.yaml").read_text(encoding="utf-8"))
    words |= {str(v) for v in site["topics"]["values"]}
    subjects = set(site["topics"].get("collections", []))   # records that are topics: the subject itself
    names: set[str] = set()
    for path in (ROOT / "data").glob("*.yaml"):
        if path.name == "site.yaml":        # the engine's settings (rules:, generate:), not the subject
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in (doc.items() if isinstance(doc, dict) else ()):
            if isinstance(value, list) and value and all(isinstance(r, dict) and "id" in r for r in value):
                if key not in ENGINE_COLLECTIONS:
                    names.add(key)
                # one-word ids of other records are often plain English ("safety", "causes"): only
                # the subject's own ids and the compound ids are the site's words
                words |= {str(r["id"]) for r in value if "-" in str(r["id"]) or key in subjects}
    return words, names


def engine_files() -> list[Path]:
    return [p for p in ENGINE.rglob("*") if p.is_file() and p.suffix in (".py", ".js", ".json", ".html", ".css")
            and "__pycache__" not in p.parts and "scaffold" not in p.relative_to(ENGINE).parts]


def test_the_vocabulary_is_big_enough_to_mean_something() -> None:
    words, names = site_vocabulary()
    assert {"calf", "magnesium", "cramp"} <= words and {"nutrients", "red_flags"} <= names
    assert len(words) > 50


def test_no_site_word_in_engine_code() -> None:
    words, names = site_vocabulary()
    word_re = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True))
                         + r")(?![\w-])", re.I)
    name_re = re.compile(r"""["'`](""" + "|".join(map(re.escape, sorted(names))) + r""")["'`.\[]""")
    found = []
    for path in engine_files():
        text = path.read_text(encoding="utf-8")
        for pattern in (word_re, name_re):
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(1)}")
    assert not found, "site vocabulary in engine code:\n" + "\n".join(found)
