"""Site settings: defaults, base URL handling, command-line override."""

from __future__ import annotations

import pytest

from engine.config import config_from_data


@pytest.mark.parametrize("base, path, origin", [
    ("/", "/", ""),
    ("https://example.org", "/", "https://example.org"),
    ("https://example.org/health", "/health/", "https://example.org"),
    ("https://example.org/health/", "/health/", "https://example.org"),
    ("/docs/site", "/docs/site/", ""),
])
def test_base_path_and_origin(base: str, path: str, origin: str) -> None:
    config = config_from_data({"base_url": base})
    assert config.base_path == path
    assert config.origin == origin
    assert config.url("/calf-cramps/") == path + "calf-cramps/"
    assert config.url("#top") == "#top"


def test_defaults_when_site_yaml_is_empty() -> None:
    config = config_from_data({})
    assert config.title and config.language == "en"
    assert config.disclaimer == ""     # the engine has no disclaimer of its own; the site's schema requires one
    assert config.base_path == "/"


def test_the_health_site_cannot_drop_its_disclaimer(real_site, capsys) -> None:
    """The engine makes no disclaimer up; the cramp site's own site.schema.json requires it."""
    from conftest import cli_text
    site_yaml = real_site / "data/site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    start = text.index("\ndisclaimer:") + 1
    end = text.index("\nauthor:", start) + 1            # the key and its folded lines
    site_yaml.write_text(text[:start] + text[end:], encoding="utf-8")
    code, out = cli_text(real_site, "check", capsys=capsys)
    assert code == 1 and "data/site.yaml:3:1: error: missing required field 'disclaimer'" in out, out


def test_command_line_overrides_base_url() -> None:
    config = config_from_data({"base_url": "https://a.example/"}, "https://b.example/x/")
    assert config.absolute_url("/p/") == "https://b.example/x/p/"


def test_people_accept_text_or_mapping() -> None:
    config = config_from_data({"author": "Ann", "reviewer": {"name": "Dr B", "credentials": "MD"}})
    assert config.author.name == "Ann"
    assert (config.reviewer.name, config.reviewer.credentials) == ("Dr B", "MD")
