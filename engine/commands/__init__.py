"""Sub-commands of ``build.py``; each module has ``add_parser`` and ``run``."""
