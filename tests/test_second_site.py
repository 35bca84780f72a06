"""The engine apart from the cramp site: ``new site`` scaffolds a site that works as it is, and a
second, different site (tests/fixtures/headache-site: headache types as topics, a collection of
triggers, its own blocks, rules and structured data) builds, checks, caches and previews with no
engine edit."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, edit, run_cli, tree_bytes
from engine.cli import main
from test_serve import Server


def jsonld_about(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block
    node = next(n for n in json.loads(block.group(1))["@graph"] if n["@type"].endswith("WebPage"))
    return node


#: the starter site's own collection, which the headache site does not have
STARTER_ONLY = ("content/example-topic.md", "data/tips.yaml", "schemas/tips.schema.json",
                "templates/blocks/tips.html", "templates/tip.html")


@pytest.fixture
def headache(tmp_path: Path) -> Path:
    """``new site``, then the headache site's own files over it (tests/fixtures/headache-site holds
    only what differs from the starter: its data, schemas, blocks, pages and settings)."""
    dest = tmp_path / "headache"
    assert main(["-q", "new", "site", str(dest)]) == 0
    for rel in STARTER_ONLY:
        (dest / rel).unlink()
    shutil.copytree(FIXTURES / "headache-site", dest, dirs_exist_ok=True)
    return dest


def test_new_site_builds_checks_strictly_and_previews(tmp_path: Path) -> None:
    dest = tmp_path / "fresh-site"
    assert main(["new", "site", str(dest)]) == 0
    assert (dest / "schemas" / "site.schema.json").is_file() and (dest / "templates" / "archetypes").is_dir()
    assert run_cli(dest, "check", "--strict").code == 0
    assert run_cli(dest, "build").code == 0
    assert (dest / "output" / "tips" / "first-tip" / "index.html").is_file()
    assert main(["new", "site", str(dest)]) == 2          # never over an existing site
    # the site's own archetype scaffolds a page that builds as it is
    assert main(["--root", str(dest), "new", "article", "Second topic", "--topic", "example-topic"]) == 0
    assert run_cli(dest, "check", "--strict").code == 0
    server = Server(dest)
    try:
        status, _, body = server.request("/second-topic/")
        assert status == 200 and b"Tips" in body
    finally:
        server.stop()


def test_second_site_checks_and_builds_with_its_own_vocabulary(headache: Path) -> None:
    result = run_cli(headache, "check", "--strict")
    assert result.code == 0, result.err
    assert run_cli(headache, "build").code == 0
    html = (headache / "output" / "migraine" / "index.html").read_text(encoding="utf-8")
    assert "Missed meals" in html and "Stress" in html and "Poor posture" not in html   # the topic's triggers
    assert "Call 999 if" in html
    node = jsonld_about(html)
    assert node["about"] == {"@type": "MedicalCondition", "name": "Migraine"}   # no anatomy on this site
    trigger = (headache / "output" / "triggers" / "stress" / "index.html").read_text(encoding="utf-8")
    assert jsonld_about(trigger)["about"]["@type"] == "MedicalRiskFactor"


def test_second_site_messages_use_its_own_words(headache: Path) -> None:
    edit(headache / "data" / "faqs.yaml", "topics: [migraine, tension, stress]", "topics: [migrane]")
    result = run_cli(headache, "check")
    assert result.code == 1
    assert "data/faqs.yaml:6:14: error: unknown topic 'migrane'" in result.err
    assert "did you mean 'migraine'?" in result.err


def test_second_site_rule_holds_articles_to_its_warning_signs(headache: Path) -> None:
    edit(headache / "content" / "tension.md", "::: warning-signs", "")
    result = run_cli(headache, "build")
    assert result.code == 1
    assert ("content/tension.md:4:8: error: every headache article must say when to call 999 "
            "(rule 'warning-sign-on-every-article')") in result.err


def test_second_site_caches_and_rebuilds_only_what_a_change_touches(headache: Path) -> None:
    assert run_cli(headache, "build").code == 0
    again = run_cli(headache, "build")
    text = again.out + again.err
    # nothing rendered again: the no-op path, or (files written a moment ago are not trusted
    # by their times alone) every page taken from the cache
    assert again.code == 0 and ("nothing changed" in text.lower() or " 0 rendered," in text), text
    edit(headache / "data" / "warning_signs.yaml", "peaks within a minute", "peaks within seconds")
    result = run_cli(headache, "build")
    assert result.code == 0
    rendered = int(re.search(r"(\d+) rendered", result.out + result.err).group(1))
    assert rendered == 2       # the two articles that show the sign, nothing else
    fresh = headache.parent / "fresh"
    assert run_cli(headache, "build", "--output", str(fresh)).code == 0
    assert tree_bytes(headache / "output") == tree_bytes(fresh)


def test_second_site_previews(headache: Path) -> None:
    server = Server(headache)
    try:
        gen = server.status()["builds"]
        edit(headache / "data" / "triggers.yaml", "Going a long time without food", "Skipping food for hours")
        status = server.wait_build(gen)
        assert status["ok"], status["errors"]
        code, _, body = server.request("/migraine/")
        assert code == 200 and b"Skipping food for hours" in body
    finally:
        server.stop()
