"""Search index: run Pagefind (PyPI ``pagefind[extended]``) over the staged output folder.

The index lands in ``pagefind/`` inside the output; the search page loads
``<base path>pagefind/pagefind.js`` so it works offline and under a sub-path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..diagnostics import UsageError


def pagefind_available() -> bool:
    try:
        import pagefind  # noqa: F401
    except ImportError:
        return False
    return True


def build_index(out: Path, language: str = "en") -> None:
    if not pagefind_available():
        raise UsageError("the search index needs Pagefind: run 'make build' (pip install -r requirements.txt)")
    cmd = [sys.executable, "-m", "pagefind", "--site", str(out), "--silent",
           "--force-language", language.split("-")[0].lower() or "en"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 or not (out / "pagefind" / "pagefind.js").is_file():
        raise UsageError("Pagefind could not index the site: " + (proc.stderr or proc.stdout).strip()[-2000:])
