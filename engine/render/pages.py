"""Stage 4 - render: Markdown and data through Jinja into HTML, page by page.

Each page is rendered with a :class:`PageContext` that numbers its
citations, renders the data blocks its Markdown places (``::: faqs``) and
records what it used (templates, records, source file) so that later
stages can rebuild only what a change affects.  Pages that summarise other
pages (a record's page listing the articles that discuss it, the
references page listing who cites what) are rendered in a second pass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

import jinja2
from markupsafe import Markup

from ..deps import ASSET, ASSET_EXACT, SITE_PAGES, Dep
from ..diagnostics import ContentError, Diagnostic
from ..load.datastore import Record
from ..load.templates import SiteLoader, TemplateDeps, make_env, template_diagnostic
from ..model.site import Page, Site
from ..project import Project
from .citations import Citations
from .markdown.renderer import MarkdownRenderer
from .tables import Table, build_table



@dataclass
class PageResult:
    page: Page
    html: str
    deps: set[Dep] = field(default_factory=set)
    shown: set[tuple[str, str]] = field(default_factory=set)
    cited: list[str] = field(default_factory=list)


class LazyPageResult(PageResult):
    """A page taken from the build cache: its HTML is read from disk only if asked for."""

    def __init__(self, page: Page, loader: Callable[[], str], deps: set[Dep],
                 shown: set[tuple[str, str]], cited: list[str]):
        self.page, self._loader, self.deps, self.shown, self.cited = page, loader, deps, shown, cited

    @property
    def html(self) -> str:  # type: ignore[override]
        return self._loader()


#: Exceptions that pass through a template's rendering as they are.  Anything else
#: raised while a template renders (a macro that calls itself without end, a template
#: that includes itself, ``{{ 1 / 0 }}``, a filter given the wrong value) is the
#: template's fault and becomes ``templates/NAME.html:LINE: error: ...`` (Jinja's
#: traceback carries the template line; see templates.template_diagnostic).
NOT_TEMPLATE_ERRORS = (ContentError, MemoryError)



class TrackedPages:
    """``pages`` / ``articles`` for templates: a read-only sequence that records
    its use, so that a page listing other pages is re-rendered when any page's
    title, URL or front matter changes (and only then)."""

    __slots__ = ("_items", "_deps")

    def __init__(self, items: list[Page], deps: set[Dep]):
        self._items = items
        self._deps = deps

    def _use(self) -> list[Page]:
        self._deps.add(SITE_PAGES)
        return self._items

    def __iter__(self) -> Iterator[Page]:
        return iter(self._use())

    def __len__(self) -> int:
        return len(self._use())

    def __bool__(self) -> bool:
        return bool(self._use())

    def __getitem__(self, index: Any) -> Any:
        return self._use()[index]

    def __contains__(self, item: Any) -> bool:
        return item in self._use()

    def __reversed__(self) -> Iterator[Page]:
        return reversed(self._use())


class TrackedData:
    """``data`` for templates: all data files by stem; records which files are read."""

    __slots__ = ("_files", "_deps")

    def __init__(self, files: dict[str, Any], deps: set[Dep]):
        self._files = files
        self._deps = deps

    def __getitem__(self, key: str) -> Any:
        self._deps.add(("data", str(key)))
        return self._files[key]

    def get(self, key: str, default: Any = None) -> Any:
        self._deps.add(("data", str(key)))
        return self._files.get(key, default)

    def __contains__(self, key: Any) -> bool:
        self._deps.add(("data", str(key)))
        return key in self._files

    def _all(self) -> dict[str, Any]:
        self._deps.add(("data", "*"))
        return self._files

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def keys(self):  # noqa: ANN201 - mirrors dict
        return self._all().keys()

    def values(self):  # noqa: ANN201
        return self._all().values()

    def items(self):  # noqa: ANN201
        return self._all().items()


def select_key(collection: str, args: Iterable[str], topic: str | None) -> str:
    return json.dumps([collection, list(args), topic])


def line_of(page: Page, needle: str) -> int:
    """1-based line of the first occurrence of *needle* in the page source (0 if unknown)."""
    src = page.source
    if src is None:
        return 0
    for offset, text in enumerate(src.body.split("\n")):
        if needle in text:
            return src.body_line + offset
    return 0


_NESTING_RE = re.compile(r"[ \t>*+-]*")


def too_deep(page: Page) -> Diagnostic:
    """The error for a body nested too deeply for Markdown (``- - - - ...``, ``>>>>...``),
    placed on the line whose leading list and quote markers are the longest."""
    src = page.source
    assert src is not None
    lines = src.body.split("\n")
    deepest = max(range(len(lines)), key=lambda i: len(_NESTING_RE.match(lines[i]).group(0))) if lines else 0
    return Diagnostic(page.rel, src.body_line + deepest, 1, "error",
                      "the text is nested too deeply to be read as Markdown (lists or quotes inside each "
                      "other, hundreds of levels deep)", "", "remove the extra '-', '*', '>' or indentation")


class PageContext:
    """Per-page state handed to the Markdown extensions and to the templates."""

    def __init__(self, renderer: "SiteRenderer", page: Page):
        self.renderer = renderer
        self.page = page
        self.site = renderer.site
        self.citations = Citations(self.site.data)
        self.deps: set[Dep] = set()
        self.shown: set[tuple[str, str]] = set()
        self.problems: list[Diagnostic] = []
        self.asset_urls: dict[str, tuple[str, int]] = {}   # path in static/ -> (URL given, times asked)
        if page.source is not None:
            self.deps.add(("file", page.rel))

    # -- hooks used by the Markdown extensions ---------------------------
    def url(self, path: str) -> str:
        return self.site.config.url(path)

    def asset(self, path: str) -> str:
        """URL of a file from static/ (content-hashed name), recorded as an ``asset`` dependency:
        when only that name changes (a stylesheet edit), the build swaps the URL in the page
        instead of rendering it again (``patched`` in incremental.pages.render_with_cache)."""
        path = path.lstrip("/")
        url = self.renderer.asset(path)
        self.deps.add((ASSET, path))
        seen = self.asset_urls.get(path)
        self.asset_urls[path] = (url, seen[1] + 1 if seen else 1)
        return url

    def check_asset_urls(self, html: str) -> None:
        """A page can have its asset URLs swapped only if each URL handed out is in it as given,
        as many times as it was asked for; otherwise (a filter changed it, say) record that the
        page needs rendering when the name changes."""
        for path, (url, asked) in self.asset_urls.items():
            if html.count(url) != asked:
                self.deps.add((ASSET_EXACT, path))

    def cite(self, ids: Iterable[str] | str | None) -> Markup:
        if not ids:
            return Markup("")
        if isinstance(ids, str):
            ids = [ids]
        known = []
        for rid in map(str, ids):
            if self.site.data.get("references", rid) is None:
                self.problems.append(Diagnostic(
                    self.page.rel, line_of(self.page, f"@{rid}") or line_of(self.page, rid), 1, "error",
                    f"unknown reference id '{rid}'", "references",
                    "use an id from data/references.yaml"))
            else:
                known.append(rid)
                self.deps.add(("record", f"references:{rid}"))
        return self.citations.cite(known)

    def render_block(self, name: str, args: list[str]) -> str:
        template_name = f"blocks/{name}.html"
        line = line_of(self.page, f"::: {name}") or line_of(self.page, ":::")
        try:
            template = self.renderer.env.get_template(template_name)
        except jinja2.TemplateNotFound:
            blocks = self.renderer.block_names()
            self.problems.append(Diagnostic(
                self.page.rel, line, 1, "error", f"unknown block '::: {name}'", "",
                "available blocks: " + ", ".join(blocks)))
            return ""
        self.deps.update(("template", t) for t in self.renderer.template_deps.of(template_name))
        try:
            return template.render(self.variables(args=args))
        except NOT_TEMPLATE_ERRORS:
            raise
        except Exception as exc:   # whatever a template does wrong: see NOT_TEMPLATE_ERRORS
            self.problems.append(template_diagnostic(
                exc, self.renderer.project.templates_dir, "templates", self.page.rel, line))
            return ""

    # -- data access for templates (records what the page used) ----------
    def records(self, collection: str, args: Iterable[str] = ()) -> list[dict[str, Any]]:
        args = [str(a) for a in args]
        chosen = self.site.data.select(collection, args, self.page.topic)
        self.deps.add(("select", select_key(collection, args, self.page.topic)))
        self.deps.update(("record", f"{r.collection}:{r.id}") for r in chosen)
        self._show(chosen)
        return [r.data for r in chosen]

    def record(self, collection: str, rid: str) -> dict[str, Any]:
        found = self.site.data.get(collection, rid)
        if found is None:
            raise KeyError(f"no record '{rid}' in {collection}")
        self.deps.add(("record", f"{collection}:{rid}"))
        self._show([found])
        return found.data

    def comparison(self, cid: str) -> Table:
        definition = self.site.data.get("comparisons", cid)
        if definition is None:
            raise KeyError(f"no comparison table '{cid}' in data/comparisons.yaml")
        self.deps.add(("record", f"comparisons:{cid}"))
        source = str(definition.data.get("source", ""))
        # rows that name a missing record are skipped: depend on their absence too
        self.deps.update(("record", f"{source}:{rid}") for rid in definition.data.get("rows") or [])
        table = build_table(definition, self.site.data)
        self.deps.update(("record", f"{r.collection}:{r.id}") for r in table.records)
        self._show(table.records)
        return table

    def text(self, value: Any) -> Markup:
        return self.renderer.markdown.snippet("" if value is None else value, inline=True)

    def markdown(self, value: Any, refs: Iterable[str] | None = None) -> Markup:
        """Block Markdown from a data field; *refs* are cited at the end of its last paragraph."""
        html = self.renderer.markdown.snippet("" if value is None else value)
        if refs:
            marks = self.cite(refs)
            if html.endswith("</p>"):
                return Markup(html[:-4]) + marks + Markup("</p>")
            return html + marks
        return html

    def _show(self, records: list[Record]) -> None:
        self.shown.update((r.collection, r.id) for r in records)

    def has_page(self, url: str) -> bool:
        """Whether the site has a page at *url*: templates link to optional pages
        (search, about) only when they exist, without depending on every page."""
        self.deps.add(("exists", url))
        return self.site.by_url(url) is not None

    def jsonld(self) -> Markup:
        """The page's structured data, built from the same records the page shows."""
        from .jsonld import script_for
        return script_for(self)

    # -- second-pass listings --------------------------------------------
    def pages_showing(self, collection: str, rid: str) -> list[Page]:
        self.deps.add(("listing", f"{collection}:{rid}"))
        return [r.page for r in self.renderer.first_pass if (collection, rid) in r.shown]

    def citing_pages(self, rid: str) -> list[Page]:
        self.deps.add(("listing", f"cites:{rid}"))
        return [r.page for r in self.renderer.first_pass if rid in r.cited]

    def variables(self, **extra: Any) -> dict[str, Any]:
        return {
            "site": self.site.config,
            "page": self.page,
            "pages": TrackedPages(self.site.pages, self.deps),
            "articles": TrackedPages(self.renderer.articles, self.deps),
            "data": TrackedData(self.renderer.plain_data, self.deps),
            "url": self.url,
            "asset": self.asset,
            "cite": self.cite,
            "citations": self.citations,
            "records": self.records,
            "record": self.record,
            "comparison": self.comparison,
            "text": self.text,
            "markdown": self.markdown,
            "pages_showing": self.pages_showing,
            "has_page": self.has_page,
            "jsonld": self.jsonld,
            "citing_pages": self.citing_pages,
            "memo": self.renderer.memo,
            **extra,
        }


class SiteRenderer:
    def __init__(self, project: Project, site: Site, assets: dict[str, str] | None = None,
                 finish: Callable[[str], str] | None = None):
        self.project = project
        self.site = site
        #: applied to each finished page (``--minify``), in the worker that rendered it
        self.finish = finish
        self.env = make_env(project.templates_dir)
        self._template_refs: dict[str, tuple[str, ...]] = {}   # kept across template edits
        self.template_deps = TemplateDeps(self.env, self._template_refs)
        self.markdown = MarkdownRenderer(site.config.allow_raw_html)
        self.assets = assets or {}
        self.first_pass: list[PageResult] = []
        self.articles = site.articles
        self.plain_data = site.data.plain()
        self._memo: dict[tuple[Any, int], tuple[Any, Any]] = {}

    #: past this many remembered calls the memo starts again (a macro defined
    #: inside a page template is a new object on every page and never hits)
    MEMO_LIMIT = 4096

    def memo(self, macro: Callable[[Any], Any], value: Any) -> Any:
        """``memo(macro, record)`` in a template: *macro*'s output for *value*, made once per build.

        A reference entry is the same on every page that cites it, and
        rendering it again for each of a page's twenty-odd citations was
        a sixth of the page's template time.  Only for macros imported
        without context (``{% from "x.html" import m %}``): those see
        nothing but their argument, so the output cannot depend on the
        page.  The key is the macro object and the value's identity (the
        value is kept, so its id cannot be reused); Jinja gives a macro
        imported that way one object per template version, and the memo
        is emptied whenever a new site is loaded (:meth:`retarget`).
        """
        key = (macro, id(value))
        found = self._memo.get(key)
        if found is not None and found[0] is value:
            return found[1]
        if len(self._memo) >= self.MEMO_LIMIT:
            self._memo.clear()
        result = macro(value)
        self._memo[key] = (value, result)
        return result

    def retarget(self, site: Site, templates_changed: bool) -> None:
        """Reuse this renderer (warm Markdown instance) for a newly loaded site.

        The live preview hands back the same site object when only page bodies
        changed (pipeline._patched_site): the article order, the plain data and
        the macro memo (keyed on records) then still hold."""
        if site is not self.site:
            self.site = site
            self.markdown.allow(site.config.allow_raw_html)
            self.articles = site.articles
            self.plain_data = site.data.plain()
            self._memo.clear()
        self.first_pass = []
        if templates_changed:
            loader = self.env.loader
            assert isinstance(loader, SiteLoader)   # make_env's
            loader.refresh()              # recompile only the edited templates
            if len(self._template_refs) > 1000:   # a long session's old versions
                self._template_refs.clear()
            self.template_deps = TemplateDeps(self.env, self._template_refs)

    def asset(self, path: str) -> str:
        """URL of a file from static/ (its content-hashed name when hashing is on)."""
        path = path.lstrip("/")
        return self.site.config.url("/static/" + self.assets.get(path, path))

    def block_names(self) -> list[str]:
        return sorted(n[len("blocks/"):-len(".html")] for n in self.env.list_templates()
                      if n.startswith("blocks/") and n.endswith(".html"))

    def render_page(self, page: Page) -> tuple[PageResult | None, list[Diagnostic]]:
        ctx = PageContext(self, page)
        try:
            template = self.env.get_template(page.template)
            ctx.deps.update(("template", t) for t in self.template_deps.of(page.template))
            content = Markup("")
            toc: list[dict[str, Any]] = []
            if page.source is not None:
                try:
                    rendered = self.markdown.page(page.source.body, ctx)
                except RecursionError:       # Python-Markdown recurses once per level of nesting
                    return None, ctx.problems + [too_deep(page)]
                content, toc = Markup(rendered.html), rendered.toc
            html = template.render(ctx.variables(content=content, toc=toc))
        except jinja2.TemplateNotFound as exc:
            line = page.source.meta.where(("template",))[0] if page.source else 0
            return None, [template_diagnostic(exc, self.project.templates_dir, "templates", page.rel, line)]
        except NOT_TEMPLATE_ERRORS:
            raise
        except Exception as exc:
            return None, ctx.problems + [template_diagnostic(
                exc, self.project.templates_dir, "templates", page.rel)]
        if ctx.problems:
            return None, ctx.problems
        if not html.endswith("\n"):
            html += "\n"
        if self.finish is not None:
            html = self.finish(html)
        ctx.check_asset_urls(html)
        return PageResult(page, html, ctx.deps, ctx.shown, list(ctx.citations.entries)), []

    def render(self, pages: list[Page] | None = None) -> list[PageResult]:
        pages = self.site.pages if pages is None else pages
        problems: list[Diagnostic] = []
        results: list[PageResult] = []
        for late in (False, True):
            for page in pages:
                if page.late != late:
                    continue
                result, found = self.render_page(page)
                problems.extend(found)
                if result is not None:
                    results.append(result)
            if not late:
                self.first_pass = list(results)
        if problems:
            raise ContentError(problems)
        results.sort(key=lambda r: r.page.output)
        return results
