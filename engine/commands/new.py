"""``build.py new article "Title"``: scaffold a correctly formed article."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import unicodedata

from ..console import Console
from ..diagnostics import ContentError, UsageError
from ..project import Project

TEMPLATE = """---
title: {title_yaml}
description: "One or two sentences for search results and link previews (at most 160 characters)."
topic: {topic}
nav_order: 100
last_reviewed: {today}
next_review: {next_year}
---
Introduce the topic in two or three plain sentences.

## Key points

- First key point.
- Second key point.

## Nutrients and {topic} cramps

Explain what the evidence shows, citing sources like this {example_citation}.

::: nutrients

## Other causes

::: causes

## Relief and prevention

::: relief

## When to see a doctor

::: red-flags

## Frequently asked questions

::: faqs
"""


#: longest slug `new` makes: well under a file name's 255 bytes, and still a readable URL
MAX_SLUG = 80


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def first_reference_id(project: Project) -> str | None:
    """An id that exists, so the scaffold builds as it is."""
    path = project.data_dir / "references.yaml"
    try:
        from ..yamlsource import load_yaml_file
        refs = load_yaml_file(path, project.rel(path)).data.get("references") or []
        return str(refs[0]["id"])
    except (OSError, ContentError, AttributeError, LookupError, TypeError):
        return None


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="create a new article from the standard outline",
                       description='Create content/<slug>.md, e.g.: build.py new article "Hand cramps"')
    p.add_argument("kind", choices=["article"], help="what to create")
    p.add_argument("title", help="the page title, in quotes")
    p.add_argument("--slug", help="file and URL name (default: from the title)")
    p.add_argument("--topic", help="topic id used to pick data records (default: the slug's first word)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    slug = args.slug or slugify(args.title)
    if not slug or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        raise UsageError(f"cannot make a file name from {args.title!r}; give --slug like 'hand-cramps'")
    if len(slug) > MAX_SLUG:     # a file name over 255 bytes is an OSError, and a URL nobody can type
        raise UsageError(f"the slug {slug[:40]}... is {len(slug)} characters long; give a shorter one "
                         f"(at most {MAX_SLUG}) with --slug")
    target = project.content_dir / f"{slug}.md"
    if target.exists():
        raise UsageError(f"{project.rel(target)} already exists; choose another title or --slug")
    today = dt.date.today()
    topic = args.topic or slug.split("-")[0]
    example = first_reference_id(project)
    example_citation = f"[@{example}]" if example else "(cite with the ids in data/references.yaml)"
    title_yaml = '"' + args.title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = TEMPLATE.format(title_yaml=title_yaml, topic=topic, today=today.isoformat(),
                           next_year=(today + dt.timedelta(days=365)).isoformat(),
                           example_citation=example_citation)
    project.content_dir.mkdir(parents=True, exist_ok=True)
    try:         # "x": never replace an article saved since the check above
        with target.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{project.rel(target)} already exists; choose another title or --slug") from None
    console.info(f"created {project.rel(target)}")
    return 0
