"""Stage 4 - render: Markdown and data through Jinja into HTML, page by page.

- ``pages.py``: the page context (what a page shows and cites) and the site renderer;
- ``jsonld.py``: each page's structured data;
- ``markdown/``: Python-Markdown with the site's extensions, sanitised by nh3;
- ``citations.py``, ``tables.py``: numbered citations and comparison tables for one page;
- ``parallel.py``: the same rendering on every core.
"""
