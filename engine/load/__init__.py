"""Stage 1 - load: read every source file into memory, with positions.

- ``sources.py``: walk content/, data/ and the front matter of every page;
- ``yamlsource.py``: YAML that remembers where each value came from;
- ``frontmatter.py``: split a Markdown file into front matter and body;
- ``datastore.py``: the data files as collections of records with ids;
- ``templates.py``: the Jinja environment the templates load into, with the filters they may use;
- ``syntax.py``: the two pieces of syntax the site's Markdown adds, ``[@id]`` and ``:::``.

Nothing here judges the content: that is ``validate``.
"""
