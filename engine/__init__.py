"""quire: a static site generator for sites of Markdown articles and YAML records.

The package is laid out as the pipeline it runs:

    sources (load)  ->  validate  ->  structure (site model)  ->  render  ->  writer

with ``commands`` (build, check, clean, new, serve) on top and ``cli`` as the
single entry point used by ``build.py``.
"""

__version__ = "0.1.0"

#: the engine's own name (the site it builds has its own, in site.yaml): markers, caches, user agent
NAME = "quire"
