"""Incremental builds, in one package: what is kept between builds and how it is used.

- ``cache.py``: the build cache (pages' dependencies and fingerprints, output files, the no-op stamp);
- ``sourcecache.py``: parsed sources and check results, so unchanged files are neither read nor re-checked;
- ``preview.py``: the live preview's rebuilds (a warm model, the watcher's changes, pages in place).
"""
