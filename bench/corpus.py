"""Synthetic corpora for the benchmarks: N articles of ~1,000 words with front matter,
a pipe table, lists, links and citations, plus the real data files (every article
shows the nutrient records of its topic: data merged into every page)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ["ankle", "calf", "foot", "toe", "leg"]
WORDS = ("muscle cramp nerve calf night sleep stretch magnesium potassium evidence trial "
         "doctor pharmacist symptom pain tight spasm hydration exercise older adults sodium "
         "calcium vitamin study review guidance relief massage heat cold foot toe ankle").split()


def paragraph(rng: random.Random, words: int, refs: list[str]) -> str:
    """*words* words in sentences of 6 to 16 (the site's readability check warns past 25)."""
    sentences = []
    while words > 0:
        n = min(words, rng.randint(6, 16))
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + ".")
        words -= n
    return f"{' '.join(sentences)[:-1]} [@{rng.choice(refs)}]. See [the calf guide](/calf-cramps/) and *more* **here**."


def article(rng: random.Random, i: int, refs: list[str]) -> str:
    topic = TOPICS[i % len(TOPICS)]
    parts = [f"---\ntitle: Article {i} about {topic} cramps\ndescription: \"Synthetic article {i}.\"\n"
             f"topic: {topic}\nlast_reviewed: 2026-01-01\nnext_review: 2030-01-01\n---\n"]
    parts.append(paragraph(rng, 120, refs))
    parts.append("\n## Key points\n\n" + "\n".join(f"- {paragraph(rng, 12, refs)}" for _ in range(5)))
    parts.append("\n## What helps\n\n" + "\n".join(f"{n}. {paragraph(rng, 15, refs)}" for n in range(1, 5)))
    rows = "\n".join(f"| {rng.choice(WORDS)} | {rng.randint(1, 99)} mg | {rng.choice(WORDS)} |" for _ in range(6))
    parts.append("\n## Amounts\n\n| Item | Amount | Note |\n| --- | --- | --- |\n" + rows)
    for heading in ("Causes", "Relief", "When to see a doctor"):
        parts.append(f"\n## {heading}\n\n" + "\n\n".join(paragraph(rng, 110, refs) for _ in range(2)))
    parts.append("\n## Nutrients\n\n::: nutrients\n")
    parts.append("\n## Get help\n\n::: red-flags\n")
    return "\n".join(parts) + "\n"


def refresh_tool_files(dest: Path) -> None:
    """Templates, static files, schemas and data as they are in the repository now
    (a corpus made by an older checkout, or edited by a benchmark run, is reset)."""
    for name in ("templates", "static", "schemas", "data"):
        shutil.rmtree(dest / name, ignore_errors=True)
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name)


def make_corpus(size: int, dest: Path | None = None) -> Path:
    """bench/corpus/site-N: a complete project folder (reused when it exists)."""
    dest = dest or ROOT / "bench" / "corpus" / f"site-{size}"
    if (dest / ".complete").is_file():
        refresh_tool_files(dest)
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    refresh_tool_files(dest)
    refs_doc = yaml.safe_load((ROOT / "data" / "references.yaml").read_text(encoding="utf-8"))
    refs = [str(r["id"]) for r in refs_doc["references"]]
    rng = random.Random(size)
    content = dest / "content"
    content.mkdir(parents=True)
    shutil.copy(ROOT / "content" / "index.md", content / "index.md")
    shutil.copy(ROOT / "content" / "calf-cramps.md", content / "calf-cramps.md")
    for i in range(size):
        (content / f"article-{i:05d}.md").write_text(article(rng, i, refs), encoding="utf-8")
    (dest / ".complete").write_text("ok\n")
    return dest
