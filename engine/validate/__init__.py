"""Stage 2 - validate: find every mistake in the loaded sources before anything renders.

- ``checks.py``: the orchestration (:func:`engine.validate.checks.validate`), data and page checks;
- ``schema.py``: JSON Schema with positions; ``datarules.py``: citations and claims in data;
- ``statements.py``: uncited statements and reading level in Markdown;
- ``content.py``: raw HTML and unsafe links; ``templates.py``: what templates select;
- ``outputs.py``: output paths no page may take; ``pagerules.py``: the site's rules on rendered pages.
"""
