"""The source cache (engine/sourcecache.py): cached load + validate equals a from-scratch one.

Every test compares ``load_and_validate`` (from the disk cache, and from an
in-process memo) with ``load_sources`` + ``validate`` run from scratch: the
pages (front matter with positions, bodies, digests), the data documents and
the report (every diagnostic, formatted, in order).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import make_project, edit
from engine.load import yamlsource
from engine.incremental import cache as cachemod, sourcecache, sourcestate
from engine.load.datastore import DataStore
from engine.diagnostics import ContentError, Report
from engine.project import Project
from engine.incremental.sourcecache import LoadStats, SourceMemo, load_then_check
from engine.config import Topics
from engine.load.sources import Sources, StoredSourcePage, load_sources
from engine.incremental.sourcecache import read_sources
from engine.validate.checks import validate
from test_validation_corpus import MANIFEST, apply_case

TODAY = dt.date(2026, 6, 1)


def snapshot(sources: Sources, store: DataStore, report: Report) -> dict[str, Any]:
    """Everything later stages read from load + validate, as plain comparable values."""
    return {
        "pages": [(p.rel, p.name, p.meta.rel, p.meta.data, p.meta.values, p.meta.keys, p.meta.digest,
                   p.body, p.body_line, p.digest) for p in sources.pages],
        "site": (sources.site.rel, sources.site.data, sources.site.values, sources.site.digest),
        "data": [(stem, d.rel, d.data, d.values, d.keys, d.digest) for stem, d in sources.data.items()],
        "store": {name: list(records) for name, records in store.collections.items()},
        "report": [d.format() for d in report.items],
    }


def load_and_validate(project: Project, today: dt.date | None = None, memo: SourceMemo | None = None,
                      **options: Any) -> tuple[Sources, DataStore, Report]:
    """Load and check in one call, as a build does in two (load_then_check, then the check)."""
    sources, store, check = load_then_check(project, today, memo, **options)
    return sources, store, check()


def cold(root: Path, today: dt.date = TODAY) -> Any:
    project = Project(root)
    try:
        sources = read_sources(project)
    except ContentError as exc:
        return ("error", [d.format() for d in exc.diagnostics])
    store = DataStore.from_docs(sources.data, Topics.from_site(sources.site.data).fields)
    return snapshot(sources, store, validate(sources, store, project.templates_dir, today))


def cached(root: Path, today: dt.date = TODAY, memo: SourceMemo | None = None,
           stats: LoadStats | None = None, listing: bool = False) -> Any:
    """The cached load; with *listing*, over the files a build's input scan found (as builds do)."""
    project = Project(root)
    found: cachemod.Found = {}
    if listing:
        cachemod.input_stats(project, found)
    try:
        return snapshot(*load_and_validate(project, today, memo=memo, stats=stats,
                                           listing=cachemod.Listing(project, found) if listing else None))
    except ContentError as exc:
        return ("error", [d.format() for d in exc.diagnostics])



def add_articles(root: Path, count: int) -> None:
    for i in range(count):
        (root / "content" / f"extra-{i:03d}.md").write_text(
            f"---\ntitle: Extra {i}\ndescription: \"Extra article {i}.\"\ntopic: calf\n"
            f"last_reviewed: 2026-01-01\nnext_review: 2027-01-01\n---\n"
            f"Some text [@ref-one].\n\n::: nutrients\n", encoding="utf-8")


@pytest.fixture
def trust_stats(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust any stat recorded by an earlier scan (no 2 s racy window), so unchanged
    files take the stat-only path.  Safe here: every edit below happens after the scan
    that recorded the file and changes its mtime."""
    monkeypatch.setattr(sourcecache, "RACY_NS", 0)


# -- the edit sequence --------------------------------------------------------------

def _steps(root: Path) -> list[tuple[str, Callable[[], None]]]:
    content, data, templates = root / "content", root / "data", root / "templates"
    article = content / "calf-cramps.md"
    saved: dict[str, bytes] = {}

    def save(path: Path) -> None:
        saved[str(path)] = path.read_bytes()

    def restore(path: Path) -> None:
        path.write_bytes(saved[str(path)])

    def add_reference() -> None:
        with open(data / "references.yaml", "a", encoding="utf-8") as fh:
            fh.write('  - id: ref-three\n    title: "Third"\n    publisher: "Three"\n'
                     '    url: "https://example.org/three"\n')

    def remove_block() -> None:
        save(templates / "blocks" / "faqs.html")
        (templates / "blocks" / "faqs.html").unlink()

    def corrupt_cache() -> None:
        path = sourcestate.cache_path(Project(root))
        blob = path.read_bytes()
        path.write_bytes(blob[: len(blob) // 2])

    def garble_cache() -> None:
        path = sourcestate.cache_path(Project(root))
        blob = bytearray(path.read_bytes())
        blob[-40] ^= 0xFF
        path.write_bytes(bytes(blob))

    def schema_drops_field() -> None:
        path = root / "schemas" / "frontmatter.schema.json"
        save(path)
        schema = json.loads(path.read_text(encoding="utf-8"))
        del schema["properties"]["description"]
        path.write_text(json.dumps(schema), encoding="utf-8")

    return [
        ("first load", lambda: None),
        ("no change", lambda: None),
        ("more articles", lambda: add_articles(root, 5)),
        ("edit a body", lambda: edit(article, "- A point.", "- A point, longer now.")),
        ("edit front matter", lambda: edit(article, "title: Calf cramps", "title: Calf cramps at night")),
        ("add an article and a reference", lambda: (add_reference(), (content / "new-one.md").write_text(
            "---\ntitle: New\ntopic: foot\n---\nNew text [@ref-three].\n", encoding="utf-8"))),
        ("add a nutrient article", lambda: (content / "potassium-facts.md").write_text(
            "---\ntitle: Potassium\ntopic: potassium\n---\nText.\n", encoding="utf-8")),
        ("delete an article", lambda: (content / "extra-001.md").unlink()),
        ("rename an article", lambda: (content / "extra-002.md").rename(content / "guides-moved.md")),
        ("unknown citation", lambda: edit(article, "[@ref-one]", "[@ref-zero]")),
        ("citation fixed", lambda: edit(article, "[@ref-zero]", "[@ref-one]")),
        ("YAML error in an article", lambda: edit(content / "new-one.md", "topic: foot", "topic: [foot")),
        ("YAML error fixed", lambda: edit(content / "new-one.md", "topic: [foot", "topic: foot")),
        ("a cited reference removed from data", lambda: (save(data / "references.yaml"), edit(
            data / "references.yaml", "  - id: ref-one\n", "  - id: ref-one-renamed\n"))),
        ("reference restored", lambda: restore(data / "references.yaml")),
        ("nutrient record removed", lambda: (save(data / "nutrients.yaml"), edit(
            data / "nutrients.yaml", "id: potassium", "id: potassium-x"))),
        ("nutrient restored", lambda: restore(data / "nutrients.yaml")),
        ("a block template removed", remove_block),
        ("block template restored", lambda: restore(templates / "blocks" / "faqs.html")),
        ("a block with ids", lambda: edit(article, "::: nutrients\n", "::: nutrients magnesium\n")),
        ("block template reads another collection", lambda: (save(templates / "blocks" / "nutrients.html"), edit(
            templates / "blocks" / "nutrients.html", 'records("nutrients"', 'records("faqs"'))),
        ("block template restored again", lambda: restore(templates / "blocks" / "nutrients.html")),
        ("a page template removed", lambda: (templates / "home.html").rename(root / "home.html.away")),
        ("page template restored", lambda: (root / "home.html.away").rename(templates / "home.html")),
        ("raw script", lambda: edit(article, "- A point, longer now.", "- A point <script>x()</script>.")),
        ("scripts allowed in site.yaml", lambda: (save(data / "site.yaml"), (data / "site.yaml").write_text(
            (data / "site.yaml").read_text(encoding="utf-8") + "allow_raw_html: [script]\n", encoding="utf-8"))),
        ("site.yaml restored", lambda: restore(data / "site.yaml")),
        ("schema drops a field", schema_drops_field),
        ("schema restored", lambda: restore(root / "schemas" / "frontmatter.schema.json")),
        ("the only page citing ref-three deleted", lambda: (content / "new-one.md").unlink()),
        ("cache truncated", corrupt_cache),
        ("cache garbled", garble_cache),
        ("cache deleted", lambda: shutil.rmtree(root / ".cache")),
        ("no change again", lambda: None),
    ]


@pytest.mark.parametrize("racy_window", ["trusting stats", "default racy window"])
def test_cached_equals_cold_after_each_edit(site: Path, racy_window: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    if racy_window == "trusting stats":
        monkeypatch.setattr(sourcecache, "RACY_NS", 0)
    memo = SourceMemo()
    seen_errors: set[str] = set()
    for name, step in _steps(site):
        step()
        expected = cold(site)
        assert cached(site) == expected, name           # from .cache/, as a new process would
        assert cached(site, listing=True) == expected, name   # over the build's own scan
        assert cached(site, memo=memo) == expected, name   # in-process, as the live preview does
        if isinstance(expected, tuple):
            seen_errors.update(expected[1])
        else:
            seen_errors.update(expected["report"])
    # the sequence really produced the problems it is meant to exercise
    joined = "\n".join(sorted(seen_errors))
    assert "content/calf-cramps.md:8:" in joined and "unknown reference id 'ref-zero'" in joined
    assert "unknown reference id 'ref-one'" in joined          # data change, article unchanged
    assert "unknown block '::: faqs'" in joined
    assert "unknown id 'magnesium' for '::: nutrients' (looked in faqs)" in joined
    assert "content/index.md:3:11: error: unknown template 'home.html'" in joined
    assert "content/potassium-facts.md:3:8: warning: unknown topic 'potassium'" in joined
    assert "warning: reference 'ref-three' is not cited anywhere" in joined
    assert "raw <script> tag" in joined
    assert "unknown field 'description'" in joined
    assert "content/new-one.md:3:8: error: YAML syntax error: the '[' opened at line 3, column 8" in joined


def test_error_appears_and_disappears_with_the_data(site: Path, trust_stats: None) -> None:
    references = site / "data" / "references.yaml"
    original = references.read_text(encoding="utf-8")
    memo = SourceMemo()
    cached(site, memo=memo)
    edit(references, "  - id: ref-one\n", "  - id: ref-uno\n")
    stats = LoadStats()
    result = cached(site, memo=memo, stats=stats)
    assert result == cold(site)
    assert any(line.startswith("content/calf-cramps.md:8:25: error: unknown reference id 'ref-one'")
               for line in result["report"])
    assert stats.reparsed == 1 and stats.rechecked == 2     # only the data file parsed; pages re-checked
    references.write_text(original, encoding="utf-8")
    result = cached(site, memo=memo)
    assert result == cold(site)
    assert not any("unknown reference id" in line for line in result["report"])


def test_review_warnings_follow_today(site: Path) -> None:
    cached(site)
    later = dt.date(2031, 1, 1)
    result = cached(site, today=later)
    assert result == cold(site, today=later)
    assert any("review was due on 2030-01-01" in line for line in result["report"])
    assert cached(site) == cold(site)


# -- what is (not) redone ----------------------------------------------------------

def test_unchanged_files_are_not_reparsed(site: Path, trust_stats: None) -> None:
    add_articles(site, 40)
    files = 42 + 6          # articles + data files (site.yaml included)
    first = LoadStats()
    cached(site, stats=first)
    assert (first.cache, first.reparsed, first.written) == ("none", files, "full")

    again = LoadStats()
    assert cached(site, stats=again) == cold(site)
    assert (again.cache, again.files, again.reused, again.verified) == ("disk", files, files, 0)
    assert (again.reparsed, again.rechecked, again.written) == (0, 0, "")

    edit(site / "content" / "extra-007.md", "Some text", "Other text")
    one = LoadStats()
    assert cached(site, stats=one) == cold(site)
    assert (one.reused, one.reparsed, one.rechecked, one.written) == (files - 1, 1, 1, "delta")
    after = LoadStats()             # the delta is read back: the edited file is trusted by its stat now
    assert cached(site, stats=after) == cold(site)
    assert (after.reused, after.reparsed, after.written) == (files, 0, "")

    memo = SourceMemo()
    cached(site, memo=memo)
    edit(site / "content" / "extra-008.md", "Some text", "Other text")
    in_process = LoadStats()
    assert cached(site, memo=memo, stats=in_process) == cold(site)
    assert (in_process.cache, in_process.reparsed, in_process.rechecked) == ("memo", 1, 1)
    assert not in_process.written      # the live preview leaves the disk cache alone after its first load


def test_racy_files_are_read_again(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file modified within the racy window before a scan gets no recorded stat: it is read next time."""
    cached(site)
    stats = LoadStats()
    assert cached(site, stats=stats) == cold(site)
    # every fixture file was written just now: read and hashed, but identical, so not parsed
    assert stats.reused == 0 and stats.verified == stats.files and stats.reparsed == 0
    assert stats.written == ""      # still racy: nothing new to record
    monkeypatch.setattr(sourcecache, "RACY_NS", 0)     # as if the window had passed
    stats = LoadStats()
    cached(site, stats=stats)
    assert stats.verified == stats.files and stats.written == "delta"
    stats = LoadStats()
    assert cached(site, stats=stats) == cold(site)
    assert stats.reused == stats.files and stats.verified == 0


def test_stale_or_foreign_cache_is_ignored(site: Path) -> None:
    cached(site)
    path = sourcestate.cache_path(Project(site))
    for junk in (b"", b"not a cache", path.read_bytes()[:100],
                 path.read_bytes().replace(cachemod.version_key().encode(), b"0" * 24, 1)):
        path.write_bytes(junk)
        assert sourcestate.read_state(Project(site)) is None
        stats = LoadStats()
        assert cached(site, stats=stats) == cold(site)
        assert stats.cache == "none" and stats.written == "full"
        assert sourcestate.read_state(Project(site)) is not None


def test_delta_then_full_rewrite(site: Path, trust_stats: None) -> None:
    add_articles(site, 80)
    project = Project(site)
    cached(site)
    base = sourcestate.cache_path(project).read_bytes()
    edit(site / "content" / "extra-003.md", "Some text", "Edited text")
    stats = LoadStats()
    assert cached(site, stats=stats) == cold(site) and stats.written == "delta"
    assert sourcestate.cache_path(project).read_bytes() == base      # the full file is left alone
    delta = sourcestate.delta_path(project)
    good_delta = delta.read_bytes()
    delta.write_bytes(good_delta[:-10])       # a damaged delta: ignored, the full file still counts
    stats = LoadStats()
    assert cached(site, stats=stats) == cold(site)
    assert (stats.cache, stats.reparsed, stats.written) == ("disk", 1, "delta")
    (site / "content" / "extra-004.md").unlink()
    for i in range(5, 75):                    # most pages change: a new full file, no delta
        edit(site / "content" / f"extra-{i:03d}.md", "Some text", "Edited text")
    stats = LoadStats()
    assert cached(site, stats=stats) == cold(site) and stats.written == "full"
    assert not delta.exists()
    delta.write_bytes(good_delta)             # a delta made for another full file: ignored
    stats = LoadStats()
    assert cached(site, stats=stats) == cold(site)
    assert stats.reparsed == 0 and stats.reused == stats.files


def test_bodies_are_read_lazily_from_the_file(site: Path, trust_stats: None) -> None:
    cached(site)
    sources, _, _ = load_and_validate(Project(site), TODAY)
    page = next(p for p in sources.pages if p.rel == "content/calf-cramps.md")
    assert isinstance(page, StoredSourcePage) and "_body" not in page.__dict__
    expected = next(p for p in load_sources(Project(site)).pages if p.rel == page.rel)
    assert (page.body, page.body_line) == (expected.body, expected.body_line)
    assert "packed" in page.meta.__dict__ and "values" not in page.meta.__dict__   # positions still packed
    assert page.meta.where(("title",)) == expected.meta.where(("title",))


def test_body_edited_after_the_scan_is_used_and_not_kept(site: Path, trust_stats: None) -> None:
    memo = SourceMemo()
    cached(site)
    sources, _, _ = load_and_validate(Project(site), TODAY, memo=memo)
    page = next(p for p in sources.pages if p.rel == "content/calf-cramps.md")
    path = site / page.rel
    path.write_text(path.read_text(encoding="utf-8").replace("A point.", "A changed point."), encoding="utf-8")
    assert "A changed point." in page.body and page.stale
    edit(path, "A changed point.", "A point.")     # back to the cached bytes: the stale object is not reused
    again, _, _ = load_and_validate(Project(site), TODAY, memo=memo)
    fresh = next(p for p in again.pages if p.rel == page.rel)
    assert fresh is not page and "A changed point." not in fresh.body


# -- every kind of editor mistake, over a warm cache ---------------------------------

@pytest.fixture(scope="module")
def warm_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("sourcecache") / "base")
    load_and_validate(Project(root), TODAY)
    assert sourcestate.cache_path(Project(root)).is_file()
    return root


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["case"] for e in MANIFEST])
def test_broken_input_over_a_warm_cache(entry: dict, warm_base: Path, tmp_path: Path) -> None:
    root = apply_case(entry, warm_base, tmp_path / "site")
    stats = LoadStats()
    assert cached(root, stats=stats) == cold(root)
    assert stats.cache == "disk"
    fixed = cached(root)            # and once more, from what that run stored (if anything)
    assert fixed == cold(root)


def test_citation_counts_that_disagree_are_recounted(site: Path, trust_stats: None) -> None:
    memo = SourceMemo()
    cached(site, memo=memo)
    assert memo.state is not None and memo.state.cited
    memo.state.cited = {}                      # as if the counts had been lost
    edit(site / "content" / "calf-cramps.md", "[@ref-one]", "[@ref-two]")
    assert cached(site, memo=memo) == cold(site)
    assert memo.state.cited == {"ref-two": 1}


def test_listing_answers_as_scan_files(tmp_path: Path) -> None:
    """The build's input scan, handed to the loader, lists what ``scan_files`` would:
    sub-folders in path order, hidden entries, symlink loops, odd files and suffixes."""
    import os

    from engine.load.sources import scan_files
    root = tmp_path / "p"
    content, data = root / "content", root / "data"
    for folder in (content / "a" / "deep", content / "b", content / ".hidden", data):
        folder.mkdir(parents=True)
    for rel in ("z.md", "a.md", "a/x.md", "a/deep/y.markdown", "b/c.md", "b/notes.txt", ".draft.md",
                ".hidden/h.md", "a-b.md"):
        (content / rel).write_text("---\ntitle: T\n---\n", encoding="utf-8")
    (content / "dir.md").mkdir()                          # a folder with a page's suffix
    os.symlink(content / "a", content / "b" / "loop")     # a second way into a/
    os.symlink(content / "gone.md", content / "dangling.md")
    os.mkfifo(content / "pipe.md")
    (data / "site.yaml").write_text("title: x\n", encoding="utf-8")
    (data / "refs.yml").write_text("a: 1\n", encoding="utf-8")
    project = Project(root)
    found: cachemod.Found = {}
    cachemod.input_stats(project, found)
    listing = cachemod.Listing(project, found)
    for top, suffixes in ((content, (".md", ".markdown")), (data, (".yaml", ".yml"))):
        assert listing.files(top, suffixes) == scan_files(top, suffixes)
    assert listing.stat(project.site_file) == (True, os.stat(project.site_file))
    assert listing.stat(data / "nothing.yaml") == (True, None)
    assert listing.stat(content / "pipe.md") == (True, None)
    assert listing.files(root / "static", ("",)) is None   # not scanned: the caller lists it itself
    assert listing.stat(root / "elsewhere" / "site.yaml") == (False, None)


def test_a_body_edit_needs_no_yaml_or_schema(site: Path, trust_stats: None,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Front matter byte-identical to the cached one is taken from the cache with its
    schema result: neither PyYAML nor jsonschema is even imported for a body edit."""
    cached(site)
    edit(site / "content" / "calf-cramps.md", "- A point.", "- A point, longer now.")
    expected = cold(site)

    def no_schemas(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("schemas loaded for a body edit")

    def no_yaml(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("front matter parsed again for a body edit")
    monkeypatch.setattr(sourcecache, "load_schemas", no_schemas)
    monkeypatch.setattr(yamlsource, "_Builder", no_yaml)
    stats = LoadStats()
    assert cached(site, stats=stats, listing=True) == expected
    assert (stats.reparsed, stats.rechecked) == (1, 1)
