"""Incremental builds, in one package: what is kept between builds and how it is used.

- ``cache.py``: the build cache (pages' dependencies and fingerprints, output files, the no-op stamp);
- ``sourcecache.py``: parsed sources and check results, so unchanged files are neither read nor re-checked;
- ``pages.py``: rendering only the pages a change touches, reusing the rest;
- ``blobs.py``: the bytes of every output file (and the search index) by hash, so a fresh clone with
  ``.cache/`` restored writes its pages without rendering them;
- ``bytecode.py``: Jinja's compiled templates;
- ``store.py``: the files both caches are kept in; ``collector.py``: the garbage collector during builds.

The live preview's rebuild loop, which uses all of this, is ``serve/rebuild.py``.
"""
