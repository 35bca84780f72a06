"""Stage 3 - the site model: every page the build will write, before rendering.

- ``site.py``: the dataclasses (Page, Site, Crumb);
- ``structure.py``: URLs, output paths, templates and breadcrumbs from the validated sources.
"""
