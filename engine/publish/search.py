"""Search index: run Pagefind (PyPI ``pagefind[extended]``) over the staged output folder.

The index lands in ``pagefind/`` inside the output; the search page loads
``<base path>pagefind/pagefind.js`` so it works offline and under a sub-path.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ..diagnostics import UsageError


def pagefind_available() -> bool:
    try:
        import pagefind  # noqa: F401
    except ImportError:
        return False
    return True


def build_index(out: Path, language: str = "en", index_dir: Path | None = None) -> None:
    """Index the HTML under *out* into *index_dir* (default ``out/pagefind``)."""
    if not pagefind_available():
        raise UsageError("the search index needs Pagefind: run 'make build' (pip install -r requirements.txt)")
    from . import SEARCH_DIR
    index_dir = index_dir or out / SEARCH_DIR
    cmd = [sys.executable, "-m", "pagefind", "--site", str(out), "--silent",
           "--output-path", str(index_dir),
           "--force-language", language.split("-")[0].lower() or "en"]
    import subprocess   # here: most builds index nothing, and the import costs every build 5 ms
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 or not (index_dir / "pagefind.js").is_file():
        raise UsageError("Pagefind could not index the site: " + (proc.stderr or proc.stdout).strip()[-2000:])


def refresh_index(out: Path, language: str = "en") -> None:
    """Re-index a live output folder, swapping the new index in whole (used by the preview)."""
    from . import SEARCH_DIR
    fresh = out.parent / f".{out.name}.pagefind-new-{os.getpid()}"
    stale = out.parent / f".{out.name}.pagefind-old-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    build_index(out, language, fresh)
    if (out / SEARCH_DIR).exists():
        os.replace(out / SEARCH_DIR, stale)
    os.replace(fresh, out / SEARCH_DIR)
    shutil.rmtree(stale, ignore_errors=True)
