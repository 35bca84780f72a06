"""``build.py serve``: build, serve output/ on http://127.0.0.1:8000/ and reload on every save."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..console import Console
from ..diagnostics import UsageError
from ..project import Project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="live preview: build, serve and rebuild on every save",
                       description="Build the site, serve output/ and rebuild what changed whenever a file in "
                                   "content/, data/, templates/, static/ or schemas/ is saved; open pages "
                                   "reload by themselves and show build errors in an overlay.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this computer only)")
    p.add_argument("--port", "-p", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument("--base-url", metavar="URL",
                   help="override base_url from data/site.yaml; its path (e.g. /health/) is kept, "
                        "its origin is ignored while previewing")
    p.add_argument("--output", "-o", metavar="DIR", help="output folder (default: output/)")
    p.add_argument("--open", action="store_true", help="open the site in the web browser")
    p.add_argument("--no-search", action="store_true",
                   help="skip the Pagefind search index for faster rebuilds (search will not work "
                        "in the preview, and output/ differs from 'build.py build' by pagefind/)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, project: Project, console: Console) -> int:
    from ..serve import Preview  # tornado and livereload load only when serving

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {args.port}")
    from ..config import BuildOptions
    # without --no-search: index after each reload instead of before it (low save-to-browser latency)
    options = BuildOptions(search_index=False) if args.no_search else BuildOptions(defer_search=True)
    out = Path(args.output).resolve() if args.output else project.default_output
    preview = Preview(project, out, console, base_url=args.base_url, host=args.host, port=args.port,
                      options=options)
    preview.bind()                 # refuse a busy port before spending time on a build
    preview.initial_build()        # content errors do not stop the server: the overlay shows them
    preview.run(open_browser=args.open)
    return 0
