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
    assert config.title and config.disclaimer and config.language == "en"
    assert config.base_path == "/"


def test_command_line_overrides_base_url() -> None:
    config = config_from_data({"base_url": "https://a.example/"}, "https://b.example/x/")
    assert config.absolute_url("/p/") == "https://b.example/x/p/"


def test_people_accept_text_or_mapping() -> None:
    config = config_from_data({"author": "Ann", "reviewer": {"name": "Dr B", "credentials": "MD"}})
    assert config.author.name == "Ann"
    assert (config.reviewer.name, config.reviewer.credentials) == ("Dr B", "MD")
