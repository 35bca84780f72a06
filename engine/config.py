"""Site settings from ``data/site.yaml``, with defaults and command-line overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: none unless the site sets one (a health site makes it required in its own site.schema.json)
DEFAULT_DISCLAIMER = ""


@dataclass(frozen=True)
class Person:
    name: str
    credentials: str = ""
    url: str = ""
    role: str = ""
    #: a registered clinician: only then do pages claim a medical review (JSON-LD ``reviewedBy``)
    clinical: bool = False


@dataclass(frozen=True)
class BuildOptions:
    """How a build publishes: set by the commands from their options and passed down
    (``build --minify``, ``serve --no-search``), never kept as module state."""

    minify: bool = False
    hash_assets: bool = True
    search_index: bool = True
    #: the live preview indexes after the browser has reloaded (see serve/server.py)
    defer_search: bool = False

    def cache_key(self) -> str:
        """Part of the build cache's keys: changing an option re-renders every page."""
        return repr((self.minify, self.hash_assets, self.search_index))


@dataclass(frozen=True)
class Topics:
    """What a page's ``topic`` can be and which record fields tag records with topics: the
    site's own vocabulary (parts of the body on one site, say; kinds of headache on another).

    ``site.yaml``::

        topics:
          values: [spring, summer]                # topics that are not record ids
          collections: [plants]                   # ids of these records are topics too
          fields: [seasons, topics]               # record fields that list a record's topics
          describe: a season or a plant id        # wording for messages
    """

    values: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    fields: tuple[str, ...] = ("topics",)
    describe: str = ""

    @classmethod
    def from_site(cls, data: Any) -> "Topics":
        spec = data.get("topics") if isinstance(data, dict) else None
        if not isinstance(spec, dict):
            return cls()

        def names(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = spec.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list) else default
        return cls(names("values", ()), names("collections", ()), names("fields", ("topics",)),
                   str(spec.get("describe") or ""))

    def wording(self) -> str:
        """How to describe a valid topic in a hint."""
        if self.describe:
            return self.describe
        parts = [", ".join(self.values)] if self.values else []
        parts += [f"an id from {c}" for c in self.collections]
        return " or ".join(parts) or "a topic listed under 'topics:' in site.yaml"


@dataclass
class SiteConfig:
    title: str = "Untitled site"
    base_url: str = "/"
    language: str = "en"
    description: str = ""
    disclaimer: str = DEFAULT_DISCLAIMER
    author: Person = field(default_factory=lambda: Person("Editorial team"))
    reviewer: Person = field(default_factory=lambda: Person("Editorial team"))
    nav: list[dict[str, str]] = field(default_factory=list)
    allow_raw_html: list[str] = field(default_factory=list)
    topics: Topics = Topics()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_path(self) -> str:
        """The path part of the base URL, always starting and ending with '/'."""
        return base_path_of(self.base_url)

    @property
    def origin(self) -> str:
        """Scheme and host of the base URL ('' when the base URL is a bare path)."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    def url(self, path: str) -> str:
        """Site-relative path (``/some-page/``) -> URL path under the base path."""
        if not path.startswith("/"):
            return path
        return self.base_path + path.lstrip("/")

    def absolute_url(self, path: str) -> str:
        return self.origin + self.url(path)


def base_path_of(base_url: str) -> str:
    """``https://example.org/health`` -> ``/health/``: the one place a base URL becomes the
    path the site lives under (settings, the preview server and the link check all ask here)."""
    path = urlsplit(base_url).path or "/"
    if not path.startswith("/"):
        path = "/" + path
    if not path.endswith("/"):
        path += "/"
    return path


def normalise_base_url(value: str) -> str:
    value = value.strip() or "/"
    parts = urlsplit(value)
    if parts.scheme and parts.netloc and not parts.path:
        value += "/"
    elif not value.endswith("/"):
        value += "/"
    return value


def _person(value: Any, fallback: Person) -> Person:
    if isinstance(value, dict) and value.get("name"):
        return Person(str(value["name"]), str(value.get("credentials", "")), str(value.get("url", "")),
                      str(value.get("role", "")), value.get("clinical") is True)
    if isinstance(value, str) and value.strip():
        return Person(value.strip())
    return fallback


KNOWN_KEYS = {"title", "base_url", "language", "description", "disclaimer", "author",
              "reviewer", "nav", "allow_raw_html", "topics"}


def config_from_data(data: dict[str, Any], base_url_override: str | None = None) -> SiteConfig:
    """Build the settings; types were already checked by validation."""
    default = SiteConfig()
    config = SiteConfig(
        title=str(data.get("title", default.title)),
        base_url=normalise_base_url(str(base_url_override or data.get("base_url") or "/")),
        language=str(data.get("language", default.language)),
        description=str(data.get("description", "")),
        disclaimer=str(data.get("disclaimer", default.disclaimer)),
        author=_person(data.get("author"), default.author),
        reviewer=_person(data.get("reviewer"), default.reviewer),
        nav=list(data.get("nav") or []),
        allow_raw_html=list(data.get("allow_raw_html") or []),
        topics=Topics.from_site(data),
        extra={k: v for k, v in data.items() if k not in KNOWN_KEYS},
    )
    return config
