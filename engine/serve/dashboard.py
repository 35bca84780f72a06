"""The editorial dashboard of the preview's editor: ``/_edit/dashboard``.

What editors have to act on, each item linking to its form (a data record) or to its page
and naming its file and line:

* reviews overdue, or due within 30 days (the pages of the preview's site model, with the
  review dates the build gives them: front matter, else site.yaml's defaults);
* statements without a citation, references nothing cites, and the reading-level warnings:
  the warnings of the real checks (``pipeline.check``, as ``build.py check`` prints them);
* the reading level (Flesch-Kincaid grade) of every Markdown page, as the check computes it;
* broken internal links in the preview's output folder (``publish.linkcheck``), with the
  source file of the page that has them.

Everything is computed when the page is asked for (on a worker thread): nothing is kept.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import ContentError, Diagnostic

DUE_SOON = dt.timedelta(days=30)
RECORD_RE = re.compile(r"^([A-Za-z0-9_]+)\[([a-z0-9][a-z0-9_-]*)\]")


@dataclass
class Item:
    text: str          # what is wrong
    where: str         # file:line
    href: str = ""     # the form or the page


@dataclass
class Dashboard:
    overdue: list[Item] = field(default_factory=list)
    due_soon: list[Item] = field(default_factory=list)
    uncited: list[Item] = field(default_factory=list)
    unused_refs: list[Item] = field(default_factory=list)
    readability: list[Item] = field(default_factory=list)
    grades: list[Item] = field(default_factory=list)
    broken_links: list[Item] = field(default_factory=list)
    other: list[Item] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def form_link(rel: str, field_name: str) -> str:
    """The editor's form for a data file's message, at the record it names."""
    name = rel.split("/", 1)[1] if rel.startswith("data/") else rel
    match = RECORD_RE.match(field_name or "")
    return f"/_edit/data/{name}" + (f"#record-{match.group(2)}" if match else "")


def _sites(preview: Any) -> tuple[Any, dict[str, str]]:
    state = getattr(getattr(preview, "builder", None), "state", None)
    site = getattr(getattr(state, "renderer", None), "site", None)
    base = preview.base_path.rstrip("/")
    urls = {page.rel: base + page.url for page in (site.pages if site is not None else [])
            if getattr(page, "source", None) is not None}
    return site, urls


def _link_for(d: Diagnostic, urls: dict[str, str]) -> str:
    if d.path.startswith("data/") and d.path.endswith(".yaml"):
        return form_link(d.path, d.field)
    return urls.get(d.path, "")


def collect(preview: Any, today: dt.date | None = None) -> Dashboard:
    """Everything on the dashboard (slow: runs the checks and the link check)."""
    from ..pipeline import check
    from ..publish.linkcheck import check_links
    from ..validate.statements import blocks, grade, plain, words
    today = today or dt.date.today()
    board = Dashboard()
    site, urls = _sites(preview)
    base = preview.base_path.rstrip("/")
    by_output: dict[str, Any] = {}
    for page in (site.pages if site is not None else []):
        by_output[page.output] = page
        when = page.next_review
        if when is None:
            continue
        record = getattr(page, "record", None)
        href = (f"/_edit/data/{record.doc.rel.split('/', 1)[1]}#record-{record.id}"
                if record is not None and getattr(record, "doc", None) is not None else base + page.url)
        item = Item(f"{page.title}: next review {when.isoformat()}", page.rel, href)
        if when < today:
            board.overdue.append(item)
        elif when <= today + DUE_SOON:
            board.due_soon.append(item)
        source = getattr(page, "source", None)
        if source is not None:
            prose = [t if t.endswith((".", "!", "?", ":")) else t + "."
                     for t in (plain(b.text) for b in blocks(source.body, source.body_line) if b.kind != "cell") if t]
            whole = " ".join(prose)
            if words(whole) >= 1:
                board.grades.append(Item(f"{page.title}: grade {grade(whole):.1f}", page.rel, base + page.url))
    try:
        report = check(preview.project, base_url=preview.base_url)
        found = list(report.sorted())
    except ContentError as exc:
        found = list(exc.diagnostics)
    found_links: set[str] = set()
    for d in found:
        where = f"{d.path}:{d.line}" if d.line else d.path
        item = Item(d.message + (f" [{d.field}]" if d.field else ""), where, _link_for(d, urls))
        if d.field == "link":           # found in the sources, at the line that wrote it
            board.broken_links.append(item)
            found_links.add(d.message.split("'")[1] if "'" in d.message else d.message)
        elif d.is_error:
            board.errors.append(d.format())
        elif d.message == "statement without a citation" or "cites only sources" in d.message:
            board.uncited.append(item)
        elif "is not cited anywhere" in d.message:
            board.unused_refs.append(item)
        elif d.field == "readability":
            board.readability.append(item)
        elif "review" in d.message:
            continue            # listed under reviews, from the pages' dates
        else:
            board.other.append(item)
    if (preview.out / "index.html").is_file():
        links = check_links(preview.out, preview.base_path)
        for problem in links.broken:
            if problem.url in found_links or problem.url.removeprefix(base) in found_links:
                continue        # listed already, at its source line
            page = by_output.get(problem.file)
            rel = page.rel if page is not None else f"output/{problem.file}"
            href = base + page.url if page is not None else ""
            board.broken_links.append(Item(f"broken link {problem.url!r}: {problem.message} "
                                           f"(output/{problem.file}:{problem.line})", rel, href))
    return board


SECTIONS = [("overdue", "Reviews overdue"), ("due_soon", "Reviews due within 30 days"),
            ("uncited", "Statements without a citation"), ("unused_refs", "References nothing cites"),
            ("readability", "Reading-level warnings"), ("broken_links", "Broken internal links"),
            ("other", "Other warnings"), ("grades", "Reading level per page (Flesch-Kincaid grade)")]


def render(board: Dashboard) -> str:
    parts = ['<p><a href="/_edit/">All files</a></p><h1>Editorial dashboard</h1>']
    if board.errors:
        parts.append('<section id="errors"><h2>Errors (the site does not build)</h2><ul>'
                     + "".join(f'<li class="msg">{html.escape(e)}</li>' for e in board.errors) + "</ul></section>")
    for key, title in SECTIONS:
        items: list[Item] = getattr(board, key)
        parts.append(f'<section id="{key}"><h2>{html.escape(title)} ({len(items)})</h2>')
        if not items:
            parts.append("<p>None.</p></section>")
            continue
        rows = []
        for item in items:
            what = html.escape(item.text)
            if item.href:
                what = f'<a href="{html.escape(item.href)}">{what}</a>'
            rows.append(f"<li>{what} <small>{html.escape(item.where)}</small></li>")
        parts.append("<ul>" + "".join(rows) + "</ul></section>")
    return "".join(parts)
