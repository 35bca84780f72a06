"""Incremental builds give byte-identical output to builds from scratch.

A property test applies random edit sequences (add, change, delete, rename
articles; change, add, remove data records and their topic membership; edit
templates) and after every step compares a cached build with a cold one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.diagnostics import ContentError
from engine.serve.rebuild import IncrementalBuilder
from engine.pipeline import BuildState, build
from engine.project import Project

from conftest import make_project, tree_bytes

ARTICLE = """---
title: {title}
description: "About {name}."
topic: {topic}
last_reviewed: 2026-01-01
next_review: 2030-01-01
---
{name} text [@{ref}]. See [home](/).

## Key points

- Point {n}.

{block}
"""


class Site:
    """A fixture project plus helpers that edit it the way editors do."""

    def __init__(self, root: Path, nav: bool = True):
        self.root = root
        self.project = Project(root)
        self.counter = 0
        site_yaml = root / "data" / "site.yaml"
        if nav and "nav:" not in site_yaml.read_text(encoding="utf-8"):
            # like the real site: a fixed menu, so pages do not all list every article
            with site_yaml.open("a", encoding="utf-8") as fh:
                fh.write("nav:\n  - {title: Calf, url: /calf-cramps/}\n")

    def tick(self) -> int:
        self.counter += 1
        return self.counter

    def articles(self) -> list[Path]:
        return sorted(p for p in (self.root / "content").glob("*.md") if p.name != "index.md")

    def write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def data(self, stem: str) -> dict:
        return yaml.safe_load((self.root / "data" / f"{stem}.yaml").read_text(encoding="utf-8"))

    def save_data(self, stem: str, value: dict) -> None:
        self.write(self.root / "data" / f"{stem}.yaml", yaml.safe_dump(value, sort_keys=False))

    # -- edits -----------------------------------------------------------
    def add_article(self, topic: str, block: bool, ref: str) -> None:
        n = self.tick()
        name = f"new-{n}"
        self.write(self.root / "content" / f"{name}.md", ARTICLE.format(
            title=f"New {n}", name=name, topic=topic, ref=ref, n=n,
            block="::: nutrients" if block else ""))

    def toggle_about(self) -> None:
        """The footer links to /about/ only while that page exists (``has_page``)."""
        path = self.root / "content" / "about.md"
        if path.exists():
            path.unlink()
        else:
            self.write(path, ARTICLE.format(title="About", name="about", topic="calf", ref="ref-one",
                                            n=self.tick(), block=""))

    def change_title(self, index: int) -> None:
        self._replace_line(index, "title:", f"title: Retitled {self.tick()}")

    def change_description(self, index: int) -> None:
        """The feed's summaries and every page's meta description."""
        self._replace_line(index, "description:", f'description: "Described {self.tick()}."')

    def change_date(self, index: int, month: int) -> None:
        """The sitemap's lastmod and the feed's order and dates."""
        self._replace_line(index, "last_reviewed:", f"last_reviewed: 2026-{month:02d}-15")

    def toggle_404(self) -> None:
        """404.html exists only while its template does."""
        path = self.root / "templates" / "404.html"
        spare = self.root / "404.html.off"
        if path.exists():
            path.rename(spare)
        elif spare.exists():
            spare.rename(path)

    def _replace_line(self, index: int, prefix: str, line: str) -> None:
        path = self._pick(index)
        if path:
            text = path.read_text(encoding="utf-8")
            start = text.index(prefix)
            end = text.index("\n", start)
            self.write(path, text[:start] + line + text[end:])

    def change_body(self, index: int) -> None:
        path = self._pick(index)
        if path:
            self.write(path, path.read_text(encoding="utf-8") + f"\nMore text {self.tick()}.\n")

    def change_topic(self, index: int, topic: str) -> None:
        self._replace_line(index, "topic:", f"topic: {topic}")

    def delete(self, index: int) -> None:
        path = self._pick(index)
        if path:
            path.unlink()

    def rename(self, index: int) -> None:
        path = self._pick(index)
        if path:
            path.rename(path.with_name(f"renamed-{self.tick()}.md"))

    def edit_record(self, index: int) -> None:
        data = self.data("nutrients")
        rec = data["nutrients"][index % len(data["nutrients"])]
        rec["summary"] = f"Summary {self.tick()}."
        self.save_data("nutrients", data)

    def toggle_membership(self, index: int, topic: str) -> None:
        data = self.data("nutrients")
        rec = data["nutrients"][index % len(data["nutrients"])]
        parts = rec.setdefault("body_parts", [])
        if topic in parts:
            parts.remove(topic)
        else:
            parts.append(topic)
        self.save_data("nutrients", data)

    def add_record(self) -> None:
        data = self.data("nutrients")
        n = self.tick()
        new = dict(data["nutrients"][0], id=f"nutrient-{n}", name=f"Nutrient {n}")
        data["nutrients"].append(new)
        self.save_data("nutrients", data)

    def remove_record(self) -> None:
        data = self.data("nutrients")
        extra = [r for r in data["nutrients"] if str(r["id"]).startswith("nutrient-")]
        if extra:
            data["nutrients"].remove(extra[-1])
            self.save_data("nutrients", data)

    def edit_reference(self, ref: str) -> None:
        data = self.data("references")
        for rec in data["references"]:
            if rec["id"] == ref:
                rec["title"] = f"Reference title {self.tick()}"
        self.save_data("references", data)

    def edit_template(self, name: str) -> None:
        path = self.root / "templates" / name
        if not path.exists():   # 404.html while toggle_404 has it switched off
            return
        self.write(path, path.read_text(encoding="utf-8") + f"<!-- edit {self.tick()} -->\n")

    def edit_stylesheet(self) -> None:
        """A CSS edit: its hashed name, linked from every page, changes."""
        path = self.root / "static" / "css" / "site.css"
        self.write(path, path.read_text(encoding="utf-8") + f"\n/* edit {self.tick()} */\n")

    def _pick(self, index: int) -> Path | None:
        found = self.articles()
        return found[index % len(found)] if found else None


TOPICS = st.sampled_from(["calf", "leg"])
REFS = st.sampled_from(["ref-one", "ref-two"])
TEMPLATES = st.sampled_from(["partials/footer.html", "blocks/nutrients.html", "article.html", "nutrient.html",
                             "404.html"])
IDX = st.integers(0, 20)
EDITS = st.one_of(
    st.tuples(st.just("add_article"), TOPICS, st.booleans(), REFS),
    st.tuples(st.just("change_title"), IDX),
    st.tuples(st.just("change_body"), IDX),
    st.tuples(st.just("change_description"), IDX),
    st.tuples(st.just("change_date"), IDX, st.integers(1, 12)),
    st.tuples(st.just("toggle_404")),
    st.tuples(st.just("change_topic"), IDX, TOPICS),
    st.tuples(st.just("delete"), IDX),
    st.tuples(st.just("rename"), IDX),
    st.tuples(st.just("edit_record"), IDX),
    st.tuples(st.just("toggle_membership"), IDX, TOPICS),
    st.tuples(st.just("add_record")),
    st.tuples(st.just("toggle_about")),
    st.tuples(st.just("remove_record")),
    st.tuples(st.just("edit_reference"), REFS),
    st.tuples(st.just("edit_template"), TEMPLATES),
    st.tuples(st.just("edit_stylesheet")),
)


def outcome(project: Project, out: Path, **kwargs) -> object:
    try:
        build(project, out, **kwargs)
    except ContentError as exc:
        return ("error", sorted(d.format() for d in exc.diagnostics))
    return tree_bytes(out)


def check_step(site: Site, state: BuildState, tmp: Path) -> None:
    incremental = outcome(site.project, tmp / "inc", use_cache=True, state=state)
    cold = outcome(site.project, tmp / "cold")
    if isinstance(cold, tuple):
        assert incremental == cold
        return
    assert isinstance(incremental, dict)
    assert sorted(incremental) == sorted(cold)
    for rel in cold:
        assert incremental[rel] == cold[rel], f"{rel} differs"


def backdate(root: Path) -> None:
    """Make every source look older than the racy-stat window (as if edited minutes ago).

    Not ``.cache/``: the build cache keeps the output's bytes as hard links to the output
    files (blobs.py), and touching them would touch the output too."""
    old = 1_700_000_000
    for path in root.rglob("*"):
        if path.is_file() and ".cache" not in path.relative_to(root).parts:
            os.utime(path, (old, old))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("base") / "site")


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(edits=st.lists(EDITS, min_size=1, max_size=4))
def test_incremental_equals_cold_build(base: Path, tmp_path_factory: pytest.TempPathFactory,
                                       edits: list[tuple]) -> None:
    tmp = tmp_path_factory.mktemp("run")
    root = tmp / "site"
    shutil.copytree(base, root)
    site = Site(root)
    state = BuildState()
    check_step(site, state, tmp)
    for name, *args in edits:
        getattr(site, name)(*args)
        check_step(site, state, tmp)


@pytest.mark.parametrize("fine", [True, False])
def test_each_edit_kind_scripted(site: Path, tmp_path: Path, fine: bool) -> None:
    s = Site(site, nav=fine)
    state = BuildState()
    check_step(s, state, tmp_path)
    steps = [("add_article", "calf", True, "ref-two"), ("add_article", "leg", True, "ref-one"),
             ("toggle_membership", 0, "leg"), ("change_topic", 0, "leg"), ("edit_record", 1),
             ("change_title", 1), ("toggle_about",), ("change_body", 2), ("add_record",), ("edit_reference", "ref-two"),
             ("edit_template", "blocks/nutrients.html"), ("rename", 1), ("remove_record",), ("delete", 0),
             ("edit_template", "partials/footer.html"), ("change_description", 0), ("change_date", 0, 3),
             ("edit_template", "404.html"), ("toggle_404",), ("change_title", 0), ("toggle_404",),
             ("edit_stylesheet",), ("change_body", 1), ("edit_stylesheet",)]
    for name, *args in steps:
        getattr(s, name)(*args)
        check_step(s, state, tmp_path)


def test_a_stylesheet_edit_swaps_the_url_in_every_page_without_rendering(site: Path, tmp_path: Path) -> None:
    s = Site(site)
    project = Project(site)
    out = tmp_path / "out"
    first = build(project, out, use_cache=True)
    css = {p.name for p in (out / "static" / "css").glob("site.*.css")}
    s.edit_stylesheet()
    second = build(project, out, use_cache=True)          # cache from disk, as a new process
    new_css = {p.name for p in (out / "static" / "css").glob("site.*.css")}
    assert len(new_css) == 1 and new_css != css
    pages = [rel for rel in second.files_changed if rel.endswith(".html")]
    assert second.pages_rendered == 0, "pages are patched, not rendered"
    assert len(pages) == len(first.pages) + 1, "every page and 404.html link the new name"
    (name,) = new_css
    assert all(f"/static/css/{name}" in (out / rel).read_text(encoding="utf-8") for rel in pages)
    assert tree_bytes(out) == tree_bytes(outcome_dir(project, tmp_path / "cold"))


def test_a_page_that_changes_an_asset_url_is_rendered_again(site: Path, tmp_path: Path) -> None:
    """asset() output passed through a filter cannot be patched: the page is rendered."""
    s = Site(site)
    footer = site / "templates" / "partials" / "footer.html"
    s.write(footer, footer.read_text(encoding="utf-8")
            + "<!-- {{ asset('css/site.css') | replace('/static/', '/s/') }} -->\n")
    project = Project(site)
    out = tmp_path / "out"
    first = build(project, out, use_cache=True)
    s.edit_stylesheet()
    second = build(project, out, use_cache=True)
    assert second.pages_rendered == len(first.pages)
    assert tree_bytes(out) == tree_bytes(outcome_dir(project, tmp_path / "cold"))


def test_cache_on_disk_reuses_pages_and_keeps_mtimes(site: Path, tmp_path: Path) -> None:
    s = Site(site)
    project = Project(site)
    out = tmp_path / "out"
    first = build(project, out, use_cache=True)
    assert first.pages_rendered == len(first.pages) and first.pages_cached == 0
    backdate(site)
    second = build(project, out, use_cache=True)          # a new process: cache from disk
    assert second.pages_rendered == 0 and second.pages_cached == len(first.pages)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*.html")}
    third = build(project, out, use_cache=True)
    assert third.skipped and third.warnings == second.warnings
    s.change_body(0)
    backdate(site)
    fourth = build(project, out, use_cache=True)
    assert 1 <= fourth.pages_rendered < len(first.pages)
    changed = {out / rel for rel in fourth.files_changed}
    for path, mtime in mtimes.items():
        if path not in changed and path.exists():
            assert path.stat().st_mtime_ns == mtime, path
    assert any(p.suffix == ".html" for p in changed)


def test_content_error_leaves_output_untouched(site: Path, tmp_path: Path) -> None:
    project = Project(site)
    out = tmp_path / "out"
    build(project, out, use_cache=True)
    before = tree_bytes(out)
    (site / "content" / "calf-cramps.md").write_text("---\ntitle: [unclosed\n---\nx\n", encoding="utf-8")
    with pytest.raises(ContentError):
        build(project, out, use_cache=True)
    assert tree_bytes(out) == before


def test_incremental_builder_reports_changed_outputs(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    s = Site(site)
    builder = IncrementalBuilder(Project(site), out)
    first = builder.rebuild()
    assert "calf-cramps/index.html" in first.changed_outputs
    path = site / "content" / "calf-cramps.md"
    s.write(path, path.read_text(encoding="utf-8") + "\nA new paragraph.\n")
    second = builder.rebuild({path})
    assert second.pages_rendered >= 1
    assert "calf-cramps/index.html" in second.changed_outputs
    assert "index.html" not in second.changed_outputs
    path.unlink()
    third = builder.rebuild({path})
    assert "calf-cramps/index.html" in third.removed_outputs


def test_in_place_update_writes_only_changes_and_removes_deleted_pages(site: Path, tmp_path: Path) -> None:
    s = Site(site)
    project = Project(site)
    out = tmp_path / "out"
    build(project, out, use_cache=True)
    backdate(site)
    s.add_article("calf", False, "ref-one")
    added = build(project, out, use_cache=True)
    assert added.in_place and "new-1/index.html" in added.files_changed
    backdate(site)
    (site / "content" / "new-1.md").unlink()
    removed = build(project, out, use_cache=True)
    assert removed.in_place and "new-1/index.html" in removed.files_removed
    assert not (out / "new-1").exists()          # its folder went with it
    assert tree_bytes(out) == tree_bytes(Path(outcome_dir(project, tmp_path / "cold")))
    assert not list(tmp_path.glob(".out.*"))     # no pending or staging folder left behind


def outcome_dir(project: Project, out: Path) -> Path:
    build(project, out)
    return out


def test_render_error_in_place_leaves_output_untouched(site: Path, tmp_path: Path) -> None:
    project = Project(site)
    out = tmp_path / "out"
    build(project, out, use_cache=True)
    backdate(site)
    before = tree_bytes(out)
    # a mistake only rendering can find (validation checks template syntax), on one page
    # only, so that other pages were already rendered and staged when it is met
    base = site / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8") + '{% if page.url == "/calf-cramps/" %}'
                    '{{ record("nutrients", "no-such-record") }}{% endif %}\n', encoding="utf-8")
    with pytest.raises(ContentError) as info:
        build(project, out, use_cache=True)
    assert "no-such-record" in str(info.value)
    assert tree_bytes(out) == before
    assert not list(tmp_path.glob(".out.*"))


def test_a_hand_edited_output_file_makes_the_next_build_a_full_one(site: Path, tmp_path: Path) -> None:
    project = Project(site)
    out = tmp_path / "out"
    build(project, out, use_cache=True)
    backdate(site)
    (out / "index.html").write_text("tampered", encoding="utf-8")
    again = build(project, out, use_cache=True)
    assert not again.skipped and not again.in_place
    assert "index.html" in again.files_changed
    assert tree_bytes(out) == tree_bytes(outcome_dir(project, tmp_path / "cold"))


def test_open_pages_are_put_in_place_before_the_rest(site: Path, tmp_path: Path) -> None:
    """The live preview's early update: after a template edit the page open in the
    browser is rendered and in place while the others still show the old version."""
    out = tmp_path / "out"
    builder = IncrementalBuilder(Project(site), out)
    builder.rebuild()
    backdate(site)
    footer = site / "templates" / "partials" / "footer.html"
    footer.write_text(footer.read_text(encoding="utf-8").replace("<footer", "<footer data-edit=\"1\""),
                      encoding="utf-8")
    seen: list[tuple[list[str], bool, bool]] = []

    def on_first(rels: list[str]) -> None:
        seen.append((rels, 'data-edit="1"' in (out / "calf-cramps" / "index.html").read_text(),
                     'data-edit="1"' in (out / "index.html").read_text()))

    result = builder.rebuild({footer}, first={"calf-cramps/index.html"}, on_first=on_first)
    assert seen == [(["calf-cramps/index.html"], True, False)]
    assert 'data-edit="1"' in (out / "index.html").read_text()      # and then all the others
    assert "calf-cramps/index.html" in result.changed_outputs


@pytest.mark.parametrize("damage", ["stamp", "cache", "delta", "both", "jinja"])
def test_damaged_cache_files_mean_a_full_build_not_an_error(site: Path, tmp_path: Path, damage: str) -> None:
    from engine.incremental import cache as cachemod
    project = Project(site)
    out = tmp_path / "out"
    build(project, out, use_cache=True)
    backdate(site)
    build(project, out, use_cache=True)
    assert build(project, out, use_cache=True).skipped
    files = {"stamp": [cachemod.stamp_file(project, out)], "cache": [cachemod.cache_file(project, out)],
             "delta": [cachemod.delta_file(project, out)],
             "jinja": [p for p in (project.cache_dir / "jinja").rglob("*") if p.is_file()]}
    assert files["jinja"] and files["delta"][0].is_file()
    from jinja2.bccache import bc_magic
    prefix = bc_magic if damage == "jinja" else b""     # past Jinja's own check, into its unpickling
    for path in files.get(damage, files["stamp"] + files["cache"]):
        path.write_bytes(prefix + b"\x80\x05garbage")
    Site(site).change_body(0)          # something to build
    again = build(project, out, use_cache=True)
    assert not again.skipped and again.pages_rendered >= 1
    assert tree_bytes(out) == tree_bytes(outcome_dir(project, tmp_path / "cold"))
    backdate(site)
    build(project, out, use_cache=True)
    assert build(project, out, use_cache=True).skipped   # a good cache and stamp were written again


def test_site_wide_files_are_remade_only_when_what_they_show_changes(site: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The sitemap, feed and 404 page list titles, URLs and dates, not article text:
    a body edit must not remake them (on a large site the feed alone is the slowest
    part of a one-page build), while a title or date edit must."""
    from engine import publish
    made: list[list[str]] = []
    real = publish.site_files

    def counting(loaded, renderer, names=publish.SITE_FILES):  # noqa: ANN001, ANN202
        made.append(sorted(names))
        return real(loaded, renderer, names)

    monkeypatch.setattr(publish, "site_files", counting)
    s = Site(site)
    project = Project(site)
    out = tmp_path / "out"
    build(project, out, use_cache=True)
    assert made == [sorted(publish.SITE_FILES)]
    not_found = site / "templates" / "404.html"
    steps = [(lambda: s.change_body(0), [], "More text"),
             (lambda: s.change_title(0), ["404.html", "feed.xml", "sitemap.xml"], "Retitled"),
             (lambda: s.change_date(0, 7), ["404.html", "feed.xml", "sitemap.xml"], "2026-07-15"),
             (lambda: s.write(not_found, not_found.read_text(encoding="utf-8").replace("</h1>", " (404)</h1>")),
              ["404.html"], "(404)")]
    for edit, expected, seen in steps:
        made.clear()
        edit()
        build(project, out, use_cache=True)      # not backdated: a date edit keeps the file's size
        assert made == ([expected] if expected else []), seen
        assert any(seen in (out / rel).read_text(encoding="utf-8") for rel in expected or ["calf-cramps/index.html"])
    assert tree_bytes(out) == tree_bytes(outcome_dir(project, tmp_path / "cold"))
