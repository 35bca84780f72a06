"""``build.py new KIND "Title"`` and ``build.py new site DIR``: scaffolds.

A page scaffold is the site's own, as in Hugo's archetypes:
``templates/archetypes/KIND.md`` is rendered with Jinja (``title_yaml``,
``topic`` (a valid topic or ""), ``topic_line`` (``topic: X``, or a comment listing the
valid topics), ``topics``, ``today``, ``next_year``, ``example_citation``) into
``content/<slug>.md``, so the engine holds no site's outline.  ``new site``
copies a minimal generic site (``engine/scaffold/site``, plus the tool's own
schemas for ``site.yaml`` and front matter) that builds, passes
``check --strict`` and previews as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import unicodedata
from pathlib import Path

from ..console import Console
from ..diagnostics import ContentError, UsageError
from ..project import Project

SCAFFOLD = Path(__file__).resolve().parent.parent / "scaffold" / "site"
#: the tool's schemas that every site shares (the rest are the site's own)
TOOL_SCHEMAS = ("site.schema.json", "frontmatter.schema.json")


#: longest slug `new` makes: well under a file name's 255 bytes, and still a readable URL
MAX_SLUG = 80


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def first_reference_id(project: Project) -> str | None:
    """An id that exists, so the scaffold builds as it is."""
    path = project.data_dir / "references.yaml"
    try:
        from ..load.yamlsource import load_yaml_file
        refs = load_yaml_file(path, project.rel(path)).data.get("references") or []
        return str(refs[0]["id"])
    except (OSError, ContentError, AttributeError, LookupError, TypeError):
        return None


def site_topics(project: Project) -> list[str]:
    """Every valid page topic of the site (config.Topics: ``values`` from ``topics:`` in site.yaml,
    plus the ids of the records of its ``collections``), in that order; [] when unreadable."""
    from ..config import Topics
    from ..load.yamlsource import load_yaml_file
    try:
        site = load_yaml_file(project.data_dir / "site.yaml", "data/site.yaml").data
    except (OSError, ContentError):
        return []
    topics = Topics.from_site(site)
    found = list(topics.values)
    if topics.collections:
        for path in sorted(project.data_dir.glob("*.yaml")):
            if path.name == "site.yaml":
                continue
            try:
                data = load_yaml_file(path, project.rel(path)).data
            except (OSError, ContentError):
                continue
            for name in topics.collections:
                records = data.get(name) if isinstance(data, dict) else None
                for record in records if isinstance(records, list) else []:
                    rid = record.get("id") if isinstance(record, dict) else None
                    if isinstance(rid, str) and rid not in found:
                        found.append(rid)
    return found


def topic_line(topic: str | None, valid: list[str]) -> str:
    """The front-matter line(s) for the topic: ``topic: NAME`` for a valid one, else a comment
    listing the valid ones (an invented topic would make the page's blocks select nothing)."""
    if topic and topic in valid:
        return f"topic: {topic}"
    choices = ", ".join(valid) if valid else "the values under 'topics:' in data/site.yaml"
    return (f"# topic: pick one and remove the '#' (the page's data blocks show the records tagged with it;\n"
            f"#   without a topic this is a plain page): {choices}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="create a page from the site's archetype, or a new site",
                       description='Create content/<slug>.md from templates/archetypes/KIND.md, e.g.: '
                                   'build.py new article "My new page"; or a new site: build.py new site DIR')
    p.add_argument("kind", help="'site', or an archetype in templates/archetypes/ (e.g. 'article')")
    p.add_argument("title", help="the page title, in quotes (for 'site': the folder to create)")
    p.add_argument("--slug", help="file and URL name (default: from the title)")
    p.add_argument("--topic", help="the page's topic, one of 'topics:' in data/site.yaml (picks the data "
                                   "records its blocks show); without it, or when it is not a topic, the "
                                   "scaffold leaves 'topic:' commented with the valid ones listed")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    if args.kind == "site":
        return new_site(Path(args.title), console)
    archetypes = project.templates_dir / "archetypes"
    kinds = sorted(p.stem for p in archetypes.glob("*.md")) if archetypes.is_dir() else []
    if args.kind not in kinds:
        raise UsageError(f"no archetype '{args.kind}' (templates/archetypes/{args.kind}.md); "
                         + (f"use one of: {', '.join(kinds + ['site'])}" if kinds else "add one, or use 'site'"))
    slug = args.slug or slugify(args.title)
    if not slug or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        raise UsageError(f"cannot make a file name from {args.title!r}; give --slug like 'my-new-page'")
    if len(slug) > MAX_SLUG:     # a file name over 255 bytes is an OSError, and a URL nobody can type
        raise UsageError(f"the slug {slug[:40]}... is {len(slug)} characters long; give a shorter one "
                         f"(at most {MAX_SLUG}) with --slug")
    target = project.content_dir / f"{slug}.md"
    if target.exists():
        raise UsageError(f"{project.rel(target)} already exists; choose another title or --slug")
    today = dt.date.today()
    example = first_reference_id(project)
    valid = site_topics(project)
    topic = args.topic if args.topic and args.topic in valid else None
    if args.topic and topic is None:
        console.error(f"new: note: '{args.topic}' is not a topic of this site; 'topic:' is left commented "
                      f"with the valid ones" + (f" ({', '.join(valid)})" if valid else ""))
    import jinja2
    source = archetypes / f"{args.kind}.md"
    try:
        text = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined).from_string(
            source.read_text(encoding="utf-8")).render(
            title_yaml='"' + args.title.replace("\\", "\\\\").replace('"', '\\"') + '"',
            title=args.title, slug=slug, topic=topic or "", topic_line=topic_line(topic, valid),
            topics=valid, today=today.isoformat(),
            next_year=(today + dt.timedelta(days=365)).isoformat(),
            example_citation=f"[@{example}]" if example else "(cite with the ids in data/references.yaml)")
    except (OSError, UnicodeDecodeError, jinja2.TemplateError) as exc:
        raise UsageError(f"cannot use {project.rel(source)}: {exc}") from None
    project.content_dir.mkdir(parents=True, exist_ok=True)
    try:         # "x": never replace an article saved since the check above
        with target.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{project.rel(target)} already exists; choose another title or --slug") from None
    console.info(f"created {project.rel(target)}")
    return 0


def new_site(dest: Path, console: Console) -> int:
    """Copy the starter site into *dest* (a new or empty folder): never over existing files."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(f"{dest} already exists and is not an empty folder; choose a new folder")
    from ..validate.schema import BUILTIN_SCHEMAS
    today = dt.date.today()
    shutil.copytree(SCAFFOLD, dest, dirs_exist_ok=True)
    for name in TOOL_SCHEMAS:
        shutil.copy(BUILTIN_SCHEMAS / name, dest / "schemas" / name)
    for rel in ("data/site.yaml", "content/example-topic.md"):
        path = dest / rel
        path.write_text(path.read_text(encoding="utf-8").replace("{today}", today.isoformat())
                        .replace("{next_year}", (today + dt.timedelta(days=365)).isoformat()), encoding="utf-8")
    console.info(f"created a new site in {dest}: build it with 'build.py --root {dest} build', "
                 f"preview with 'build.py --root {dest} serve'")
    return 0
