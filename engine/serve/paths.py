"""Request path -> file inside output/, for the preview server.

Every request path is checked as text *before* the file system sees it: a
path no build could have written (a name longer than a file name can be, a
NUL byte, an encoded slash, a ``..``, broken %-encoding or UTF-8, a control
character) is a plain 404.  Asking the operating system first turned such
paths into ``OSError`` (``File name too long``) and an HTTP 500 with a
traceback in the terminal; checking the text is also cheaper than a stat.
Whatever the file system still says afterwards (permission denied, a path
through a file such as ``/index.html/x``) is a 404 too, never an error.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

from ..layout import MARKER

#: longest request target (path and query) answered with anything but 414, in bytes; the
#: common server limit (Apache 8190, nginx 8 KB): this site's longest URL is under 200
MAX_URL = 8192
#: longest file name on the file systems the site is built on (ext4, APFS, NTFS: 255 bytes)
NAME_MAX = 255
#: longest path Linux accepts (PATH_MAX); a longer one cannot name a file in output/
PATH_MAX = 4096
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Target:
    """What a request path maps to inside output/."""

    status: int                     # 200, 301 (redirect), 404 or 414
    rel: str = ""                   # the requested file, inside output/ ("some-page/index.html")
    file: Path | None = None        # the file to send (404.html for a missing page)
    location: str = ""              # for redirects


def url_segments(raw_path: str) -> list[str] | None:
    """The decoded segments of a %-encoded request path, or None when no file can have it.

    ``"/a/b%20c/"`` -> ``["a", "b c", ""]`` (the empty last segment is the
    trailing slash).  Decoding segment by segment keeps ``%2F`` from becoming
    a separator; UTF-8 is decoded strictly, so ``%FF`` or an overlong
    ``%C0%AE`` (a disguised dot) cannot alias another name.
    """
    if not raw_path.startswith("/") or len(raw_path) > PATH_MAX or BAD_ESCAPE.search(raw_path):
        return None
    parts = raw_path[1:].split("/")
    segments: list[str] = []
    for index, part in enumerate(parts):
        if not part:
            if index != len(parts) - 1:      # "//": an empty folder name
                return None
            segments.append("")
            continue
        try:        # tornado hands over the request line's bytes as Latin-1 characters
            raw = part.encode("latin-1")
        except UnicodeEncodeError:
            raw = part.encode("utf-8")
        data = unquote_to_bytes(raw)
        if len(data) > NAME_MAX:
            return None
        try:
            name = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if name in (".", "..") or "/" in name or "\\" in name or CONTROL.search(name):
            return None
        segments.append(name)
    return segments


class OutputMap:
    """Maps request paths to files in one output folder served under *base_path*."""

    def __init__(self, out: Path, base_path: str = "/"):
        self.out = out
        self.base_path = base_path

    def resolve(self, raw_path: str) -> Target:
        """Map a request path (still %-encoded, without the query) to a file inside output/.

        Never raises: anything that is not a file the build wrote is a 404.
        """
        if len(raw_path) > MAX_URL:
            return Target(414)
        segments = url_segments(raw_path)
        if segments is None:
            return self.missing("")
        decoded = "/" + "/".join(segments)
        base = self.base_path
        if not decoded.startswith(base):
            if decoded in ("/", base.rstrip("/")):
                return Target(301, location=base)
            return self.missing("")
        rest = decoded[len(base):]
        if rest.split("/", 1)[0] == MARKER:     # the build's own bookkeeping, not part of the site
            return self.missing(rest)
        try:
            return self._lookup(raw_path, rest)
        except (OSError, ValueError):            # EACCES, ELOOP, a path through a file ...
            return self.missing(rest)

    def _lookup(self, raw_path: str, rest: str) -> Target:
        out = self.out.resolve()
        real = (out / rest).resolve() if rest else out
        real.relative_to(out)                    # ValueError: a symlink out of output/
        if os.path.isdir(real):
            if not raw_path.endswith("/"):
                return Target(301, location=raw_path + "/")
            real = real / "index.html"
            rest += "index.html"
        elif raw_path.endswith("/"):             # "/sitemap.xml/": a file is not a folder
            return self.missing(rest)
        if os.path.isfile(real):
            return Target(200, rest, real)
        return self.missing(rest)

    def missing(self, rel: str) -> Target:
        """A 404, with the site's own 404.html when there is one."""
        page = self.out / "404.html"
        return Target(404, rel, page if page.is_file() else None)
