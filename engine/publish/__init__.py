"""Site-wide outputs that are not pages (sitemap, feed, robots.txt, 404, search index).

``site_files`` is called by the pipeline after all pages rendered; what it
returns is written with the pages, inside the same atomic swap.
``after_write`` runs on the finished output folder (e.g. search indexing).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Loaded
    from ..render import PageResult


def site_files(loaded: "Loaded", pages: list["PageResult"]) -> dict[str, bytes]:
    """Extra files for the output folder, by path inside it."""
    return {}


def after_write(loaded: "Loaded", out: Path) -> None:
    """Post-processing on the staged output folder before it is swapped in."""
    return None
