"""A cache that travels: ``.cache/`` restored into a fresh copy of the project (a CI run
after ``git clone``: no output folder, every file time new) builds without rendering,
byte-identical to a cold build; a damaged or foreign cache only costs time.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from engine.incremental import cache as cachemod
from engine.incremental.sourcecache import LoadStats, load_then_check
from engine.pipeline import build
from engine.project import Project

from conftest import edit, make_project, tree_bytes


def clone(src: Path, dest: Path) -> Path:
    """*src*'s sources and ``.cache/``, not its output, with new file times (as ``git clone``
    plus a CI cache restore make them)."""
    shutil.copytree(src, dest, copy_function=shutil.copy, ignore=shutil.ignore_patterns("output", ".output*"))
    return dest


def built(root: Path, use_cache: bool = True):   # -> BuildResult
    return build(Project(root), root / "output", use_cache=use_cache, jobs=1)


def cold_output(root: Path, tmp: Path) -> dict[str, bytes]:
    """What a build from scratch makes of *root*'s sources (in a copy without any cache)."""
    copy = tmp / "cold-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("output", ".output*", ".cache"))
    built(copy, use_cache=False)
    return tree_bytes(copy / "output")


def test_a_fresh_clone_with_the_cache_renders_nothing_and_matches_a_cold_build(real_site: Path,
                                                                               tmp_path: Path) -> None:
    first = built(real_site)
    assert first.pages_rendered == len(first.pages) > 10
    jinja = {p.name for p in (real_site / ".cache" / "jinja").rglob("*") if p.is_file()}
    b = clone(real_site, tmp_path / "b")

    again = built(b)
    assert (again.pages_rendered, again.pages_cached) == (0, len(first.pages))
    assert tree_bytes(b / "output") == tree_bytes(real_site / "output")
    # the search index was linked back from the cache, not made again by the indexer
    assert os.stat(b / "output" / "pagefind" / "pagefind.js").st_nlink >= 2
    # and the templates were not compiled again (their bytecode is named by relative paths)
    assert {p.name for p in (b / ".cache" / "jinja").rglob("*") if p.is_file()} == jinja

    edit(b / "content" / "calf-cramps.md", "\n## ", "\nOne more sentence about calves.\n\n## ")
    edited = built(b)
    assert 1 <= edited.pages_rendered < len(first.pages)
    assert tree_bytes(b / "output") == cold_output(b, tmp_path)


def test_the_source_cache_checks_contents_when_file_times_changed(site: Path, tmp_path: Path) -> None:
    built(site)
    b = clone(site, tmp_path / "b")
    stats = LoadStats()
    load_then_check(Project(b), stats=stats)[2]()
    assert stats.cache == "disk" and stats.files > 0
    assert (stats.reparsed, stats.verified) == (0, stats.files)


def test_a_moved_project_keeps_its_cache(site: Path, tmp_path: Path) -> None:
    built(site)
    moved = tmp_path / "elsewhere" / "project"
    moved.parent.mkdir()
    os.rename(site, moved)
    again = built(moved)
    assert again.skipped or again.pages_rendered == 0
    stored = list((moved / ".cache").glob("build-*.pickle"))
    assert len(stored) == 1
    assert str(site).encode() not in b"".join(p.read_bytes() for p in (moved / ".cache").rglob("*")
                                               if p.is_file() and p.suffix in (".pickle", ".stamp"))


def _page_blobs(root: Path) -> dict[str, Path]:
    """Output path -> the file the cache keeps its bytes in."""
    project = Project(root)
    out = root / "output"
    cache = cachemod.load(project, out)
    assert cache is not None
    folder = cachemod.blobs_dir(project, out)
    return {rel: folder / entry.html for rel, entry in cache.pages.items()}


def test_damaged_kept_pages_are_rendered_never_copied(site: Path, tmp_path: Path) -> None:
    first = built(site)
    b = clone(site, tmp_path / "b")
    blobs = _page_blobs(b)
    truncated, garbled = blobs["index.html"], blobs["calf-cramps/index.html"]
    truncated.write_bytes(truncated.read_bytes()[:100])
    garbled.write_bytes(b"x" * garbled.stat().st_size)
    again = built(b)
    assert again.pages_rendered == 2 and again.pages_cached == len(first.pages) - 2
    assert tree_bytes(b / "output") == tree_bytes(site / "output")
    # the damaged copies were replaced by good ones
    assert built(clone(b, tmp_path / "c")).pages_rendered == 0


def test_an_output_folder_copied_with_new_times_is_recognised_by_its_bytes(site: Path, tmp_path: Path) -> None:
    first = built(site)
    b = clone(site, tmp_path / "b")
    shutil.copytree(site / "output", b / "output", copy_function=shutil.copy)
    again = built(b)
    assert again.pages_rendered == 0 and not again.files_changed
    assert tree_bytes(b / "output") == tree_bytes(site / "output")
    assert len(again.pages) == len(first.pages)


def test_a_cache_from_another_project_or_version_is_harmless(site: Path, tmp_path: Path) -> None:
    other = make_project(tmp_path / "other", fixture=None)     # the real site's content
    built(other)
    shutil.copytree(other / ".cache", site / ".cache")     # another project's cache, same names
    result = built(site)
    assert tree_bytes(site / "output") == cold_output(site, tmp_path)
    assert result.pages_rendered == len(result.pages)
    # an older format: another version key in every header, the blobs still there
    for path in (site / ".cache").glob("*.pickle"):
        data = path.read_bytes()
        first_lines = data.split(b"\n", 2)
        path.write_bytes(first_lines[0] + b"\nolder-version-key\n" + first_lines[2])
    for path in (site / ".cache").glob("*.stamp"):
        path.write_bytes(path.read_bytes()[:50])        # and a truncated stamp
    edit(site / "content" / "calf-cramps.md", "\n## ", "\nMore.\n\n## ")
    again = built(site)
    assert again.pages_rendered == len(again.pages)
    assert tree_bytes(site / "output") == cold_output(site, tmp_path)


def test_template_errors_name_the_template_where_it_is_now(tmp_path: Path) -> None:
    """Compiled templates kept in ``.cache/jinja/`` from before a move name the old file;
    what an error reports must be the template in the project being built."""
    import jinja2

    from engine.incremental.bytecode import template_bytecode
    from engine.load.templates import template_diagnostic

    def render_error(root: Path) -> str:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(root / "templates")),
                                 bytecode_cache=template_bytecode(Project(root)))
        try:
            env.get_template("t.html").render(x=0)
        except ZeroDivisionError as exc:
            found = template_diagnostic(exc, root / "templates", "templates", "nowhere")
            return f"{found.path}:{found.line}"
        raise AssertionError("no error")

    a = tmp_path / "a"
    (a / "templates").mkdir(parents=True)
    (a / "templates" / "t.html").write_text("one\n{% macro m(x) %}{{ 1 / x }}{% endmacro %}\n{{ m(x) }}\n")
    assert render_error(a) == "templates/t.html:2"
    compiled = sorted((a / ".cache" / "jinja").rglob("*.cache"))
    b = tmp_path / "b"
    os.rename(a, b)
    assert render_error(b) == "templates/t.html:2"
    assert sorted(p.name for p in (b / ".cache" / "jinja").rglob("*.cache")) == [p.name for p in compiled]


def test_the_kept_bytes_are_exactly_those_of_the_current_output(site: Path) -> None:
    project, out = Project(site), site / "output"

    def kept_and_needed() -> tuple[set[str], set[str]]:
        cache = cachemod.load(project, out)
        assert cache is not None
        needed = {e.html for e in cache.pages.values()} | {d for d, _s in cache.files.values()}
        kept = {p.name for p in cachemod.blobs_dir(project, out).iterdir()}
        return kept, needed

    built(site)
    kept, needed = kept_and_needed()
    assert kept == needed
    edit(site / "content" / "calf-cramps.md", "\n## ", "\nMore.\n\n## ")
    assert built(site).pages_rendered >= 1
    kept_after, needed_after = kept_and_needed()
    assert kept_after == needed_after and kept_after != kept       # the old page's bytes are gone
    for rel in ("index.html", "calf-cramps/index.html"):          # and the output is what is kept
        assert (cachemod.blobs_dir(project, out) / cachemod.h((out / rel).read_bytes())).is_file()
