"""The preview server's request paths: anything that cannot name a built file is a 404 (or a 414
when over-long), answered without touching the file system's error paths and without a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.serve.paths import MAX_URL, NAME_MAX, OutputMap, url_segments
from engine.layout import MARKER
from test_serve import serve  # noqa: F401  (the fixture: the real server in a subprocess)

#: request paths no build can have written, each a different way to be wrong
IMPOSSIBLE = [
    "/a" * 2000,                              # 2,000 segments: longer than PATH_MAX
    "/" + "a" * (NAME_MAX + 1),               # one name longer than a file name can be
    "/" + "a" * (NAME_MAX + 1) + "/",
    "/calf-cramps/" + "x" * 300 + "/index.html",
    "/a%00b", "/%00", "/calf-cramps/index.html%00.txt",       # NUL bytes
    "/static%2fcss/", "/static%2Fcss", "/calf-cramps%2findex.html",  # encoded slashes
    "/%zz", "/%", "/a%2", "/%%32%65",         # broken %-encoding
    "/%ff/", "/%C0%AE%C0%AE/", "/%ED%A0%80",  # invalid UTF-8 (overlong dot, surrogate)
    "/index.html/x", "/index.html/", "/calf-cramps/index.html/x", "/sitemap.xml/",  # through a file
    "/%0a", "/%7f", "/a%09b",                 # control characters
    "/" + MARKER,                             # the build's own marker is not part of the site
    "/calf-cramps//", "//calf-cramps/",
]


def raw_request(port: int, target: bytes) -> tuple[int, bytes]:
    """Send a request line exactly as given (http.client refuses some of these bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


def test_impossible_paths_are_404_and_over_long_urls_414_without_a_traceback(site: Path, serve) -> None:
    server = serve(site, "--no-search")
    assert server.request("/calf-cramps/")[0] == 200
    for path in IMPOSSIBLE:
        code, _, body = server.request(path)
        assert code == 404, path[:80]
    for target in [("/a" * 10_000).encode(),                  # the report: 10,000 segments
                   b"/" + b"x" * (MAX_URL + 1),
                   b"/calf-cramps/?" + b"q" * MAX_URL,      # the query counts too
                   b"/a" * 40_000]:                         # over tornado's default 64 KB head
        assert raw_request(server.port, target)[0] == 414, len(target)
    for target in ["/ä/".encode(), b"/\xff", b"/a\x7fb", b"/calf-cramps/\xc3\xa4"]:   # raw bytes
        assert raw_request(server.port, target)[0] in (400, 404), target
    assert server.request("/calf-cramps/")[0] == 200       # still serving
    log = server.output()
    assert "Traceback" not in log and "internal error" not in log and "Errno" not in log, log[-2000:]


def test_paths_are_checked_before_the_file_system(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "a b").mkdir(parents=True)
    (out / "a b" / "index.html").write_text("a")
    (out / "café.txt").write_text("c")
    (out / MARKER).write_text("")
    outputs = OutputMap(out)
    assert outputs.resolve("/a%20b/").status == 200
    assert outputs.resolve("/a%20b").location == "/a%20b/"
    assert outputs.resolve("/caf%C3%A9.txt").file == out / "café.txt"
    assert outputs.resolve("/café.txt".encode().decode("latin-1")).status == 200   # raw UTF-8 bytes
    assert outputs.resolve("/caf%C3%A9.txt/").status == 404
    for path in IMPOSSIBLE:
        assert outputs.resolve(path).status == 404, path[:80]
    assert outputs.resolve("/x" * (MAX_URL // 2 + 1)).status == 414
    under = OutputMap(out, "/health/")
    assert under.resolve("/health").location == "/health/"
    assert under.resolve("/").location == "/health/"
    assert under.resolve("/health/a%20b/").status == 200
    assert under.resolve("/a%20b/").status == 404


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("/%.aZ0fF2\\\x00é\u00ff?#"), max_size=40))
def test_no_request_path_raises(tmp_path_factory: pytest.TempPathFactory, path: str) -> None:
    out = tmp_path_factory.getbasetemp() / "fuzz-out"
    (out / "a").mkdir(parents=True, exist_ok=True)
    (out / "a" / "index.html").write_text("a")
    target = OutputMap(out).resolve("/" + path)
    assert target.status in (200, 301, 404)
    segments = url_segments("/" + path)
    if segments is not None:
        assert all(s not in (".", "..") and "/" not in s and "\x00" not in s for s in segments)
    if target.status == 200:
        assert target.file is not None and out in target.file.parents
