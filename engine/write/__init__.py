"""Stage 5 - write: put the rendered site on disk, whole or in place.

- ``output.py``: staged and in-place output folders, the output marker, leftovers;
- ``layout.py``: the names the build writes at the top of the output folder.
"""
