"""Property-based: whatever an editor types, the loader and validator either accept it or
raise a clean ContentError with positioned diagnostics - never another exception.

Inputs are small: random YAML-ish text, random structures dumped as YAML (so
the schema and cross-record checks see plausible records), random edits of
the fixture's real files, and random front matter plus Markdown bodies.  When
everything validates, the site is also rendered in memory, because data that
passes validation must never crash a template.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_project
from engine.diagnostics import ContentError, Diagnostic
from engine.pipeline import load_site
from engine.project import Project
from engine.render.pages import SiteRenderer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
TARGETS = ["data/nutrients.yaml", "data/faqs.yaml", "data/comparisons.yaml", "data/references.yaml",
           "data/site.yaml", "data/causes.yaml", "data/relief.yaml", "content/calf-cramps.md", "content/index.md"]
KEYS = ["id", "name", "title", "summary", "relation", "grade", "cramp_link", "food_sources", "body_parts",
        "references", "topics", "rows", "columns", "field", "source", "tier", "nutrients", "faqs",
        "comparisons", "causes", "red_flags", "question", "answer", "url", "year", "template", "slug",
        "topic", "last_reviewed", "next_review", "nav_order", "generate", "collection", "allow_raw_html",
        "magnesium", "calf", "ref-one", "ref-two", "direct", "mixed"]
YAML_CHARS = ":-[]{}#&*!|>'\"\n\t ,?%@`\\~.<=/0123456789abcdefkmnrstz_\u00e9\u200b\ufeff\x07"

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 3000), st.sampled_from(KEYS),
                    st.text(max_size=8), st.dates(dt.date(1990, 1, 1), dt.date(2040, 1, 1)))
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=10)
raw_yaml = st.text(alphabet=YAML_CHARS, max_size=60)


@st.composite
def dumped(draw: st.DrawFn) -> str:
    top = draw(st.dictionaries(st.sampled_from(KEYS), structures, min_size=1, max_size=3))
    return yaml.safe_dump(top, allow_unicode=True, sort_keys=False)


@st.composite
def mutated(draw: st.DrawFn, original: str) -> str:
    text = original
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 6))
        text = text[:pos] + draw(st.text(alphabet=YAML_CHARS, max_size=4)) + text[pos + cut:]
    return text


BODY = st.lists(st.sampled_from([
    "Text.", "[@ref-one]", "[@nope]", "[@ref-one; @ref-two]", "::: nutrients", "::: faqs all", "::: foo",
    "::: comparison fixture-table", "::: comparison", "::: nutrients zinc", "<script>x</script>",
    "<a onclick=\"x\">y</a>", "[a](javascript:x)", "```", "`<script>`", "## Heading", "- item", "",
    "---", "<iframe>", ":::", "::: FAQ",
]), max_size=6).map("\n".join)


@st.composite
def page(draw: st.DrawFn) -> str:
    meta = draw(st.one_of(raw_yaml, dumped(), st.fixed_dictionaries(
        {"title": st.one_of(st.text(max_size=10), st.none(), st.integers())},
        optional={k: structures for k in ("topic", "slug", "url", "template", "last_reviewed",
                                          "next_review", "nav_order", "descripton")}).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True))))
    closing = draw(st.sampled_from(["---\n", "---\n", "...\n", ""]))
    return "---\n" + meta + ("\n" if not meta.endswith("\n") else "") + closing + draw(BODY)


@pytest.fixture(scope="module")
def fuzz_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, bytes]]]:
    # thousands of small writes and reads: use memory-backed storage where there is some
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        holder = Path(tempfile.mkdtemp(prefix="fuzz-", dir=shm))
    else:
        holder = tmp_path_factory.mktemp("fuzz")
    root = make_project(holder / "site")
    (root / "data/causes.yaml").write_text(
        "causes:\n  - id: dehydration\n    name: Dehydration\n    category: lifestyle\n"
        "    grade: established\n    summary: \"Not drinking enough.\"\n    body_parts: [calf]\n    references: [ref-one]\n")
    (root / "data/relief.yaml").write_text(
        "triage_tiers:\n  - {id: emergency, heading: \"Call 999 if\", action: \"Call 999\"}\n  - {id: urgent, heading: \"Get help today if\", action: \"Call 111\"}\n  - {id: routine, heading: \"See a GP if\", action: \"See a GP\"}\nred_flags:\n  - id: swelling\n    symptom: \"Swelling\"\n    tier: urgent\n"
        "    advice: \"See a GP.\"\n    body_parts: [calf]\n    references: [ref-two]\n")
    originals = {rel: (root / rel).read_bytes() for rel in TARGETS}
    load_site(Project(root), today=dt.date(2026, 6, 1))  # the starting point is valid
    try:
        yield root, originals
    finally:
        shutil.rmtree(holder, ignore_errors=True)


_warm: dict[str, SiteRenderer] = {}


def render(project: Project, loaded) -> None:
    """Render in memory, reusing one renderer (compiling the templates per example would dominate)."""
    renderer = _warm.get("r")
    if renderer is None:
        renderer = _warm["r"] = SiteRenderer(project, loaded.site)
    else:
        renderer.retarget(loaded.site, templates_changed=False)
    renderer.render()


def assert_clean(project: Project) -> None:
    try:
        loaded = load_site(project, today=dt.date(2026, 6, 1))
    except ContentError as exc:
        assert exc.diagnostics, "ContentError without diagnostics"
        for diag in exc.diagnostics:
            assert isinstance(diag, Diagnostic) and diag.path and diag.message
            assert diag.line >= 0 and diag.col >= 0
            assert "Traceback" not in diag.format()
        return
    try:
        render(project, loaded)
    except ContentError as exc:  # template-level problems are still clean diagnostics
        assert exc.diagnostics


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_random_sources_never_crash(fuzz_site: tuple[Path, dict[str, bytes]], data: st.DataObject) -> None:
    root, originals = fuzz_site
    target = data.draw(st.sampled_from(TARGETS), label="target")
    original = originals[target].decode("utf-8")
    if target.endswith(".md"):
        text = data.draw(st.one_of(page(), mutated(original)), label="page")
    else:
        text = data.draw(st.one_of(raw_yaml, dumped(), mutated(original)), label="yaml")
    try:
        (root / target).write_text(text, encoding="utf-8", errors="surrogatepass")
        assert_clean(Project(root))
    finally:
        (root / target).write_bytes(originals[target])
