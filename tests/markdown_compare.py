"""Shared by the tests that compare a faster Markdown set-up with the stock one, byte for byte."""

from __future__ import annotations

from pathlib import Path

import markdown
from markdown import Extension

from engine.render.markdown.renderer import page_extensions
from engine.render.markdown.typography import TypographyExtension

ROOT = Path(__file__).resolve().parent.parent


def converter(*extra: Extension) -> markdown.Markdown:
    """The site's page extensions (without the page hooks), plus *extra*."""
    return markdown.Markdown(extensions=[*page_extensions(), TypographyExtension(), *extra])


class Pair:
    """A stock converter and one with *extra*, each reset before converting the same text."""

    def __init__(self, *extra: Extension):
        self.stock, self.faster = converter(), converter(*extra)

    def __call__(self, text: str) -> tuple[str, str]:
        self.stock.reset()
        self.faster.reset()
        return self.stock.convert(text), self.faster.convert(text)


def site_bodies() -> list[Path]:
    """Every Markdown file of the real site and of the fixture sites."""
    return sorted((ROOT / "content").rglob("*.md")) + sorted((ROOT / "tests" / "fixtures").rglob("*.md"))
