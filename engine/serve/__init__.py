"""Live preview for ``build.py serve``: watch the sources, rebuild what changed, reload the browser.

Only the server ever adds the preview client to a page: nothing here writes
to output/ except through the normal (incremental) build.
"""

from .server import Preview
from .watcher import SourceWatcher

__all__ = ["Preview", "SourceWatcher"]
