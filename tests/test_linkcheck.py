"""``check --links``: broken internal links, fragments and assets are found and reported by file and line."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from conftest import ROOT, make_project, run_cli
from engine.publish.linkcheck import check_links
from engine.layout import MARKER


def write(out: Path, rel: str, text: str) -> None:
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    write(out, MARKER, "")
    write(out, "index.html", '<!DOCTYPE html><html><head><link rel="canonical" href="https://x.org/health/">\n'
                             '<link rel="stylesheet" href="/health/static/site.css"></head><body>\n'
                             '<h1 id="top">Home</h1>\n'
                             '<a href="/health/a/">ok</a> <a href="a/#here">ok</a> <a href="#top">ok</a>\n'
                             '<a href="/health/a/#nowhere">bad fragment</a>\n'
                             '<a href="/health/missing/">missing page</a>\n'
                             '<a href="/a/">outside the base path</a>\n'
                             '<img src="/health/img/x.png" alt="">\n'
                             '<a href="https://example.com/">external</a> <a href="mailto:a@b.c">mail</a>\n'
                             '</body></html>\n')
    write(out, "a/index.html", '<!DOCTYPE html><html><body><p id="here">x</p>\n<a href="../">up</a>'
                               '<a href="https://x.org/health/a/#here">own absolute</a></body></html>\n')
    write(out, "static/site.css", "body { background: url(../img/missing.png); }\n")
    return out


def test_broken_links_are_reported_with_file_and_line(tiny):
    report = check_links(tiny)
    assert report.base_path == "/health/"
    found = sorted((p.file, p.line, p.url) for p in report.broken)
    assert found == [
        ("index.html", 5, "/health/a/#nowhere"),
        ("index.html", 6, "/health/missing/"),
        ("index.html", 7, "/a/"),
        ("index.html", 8, "/health/img/x.png"),
        ("static/site.css", 1, "../img/missing.png"),
    ]
    assert list(report.external) == ["https://example.com/"]
    assert report.pages == 2


def test_cli_warns_by_default_and_fails_in_strict_mode(tiny, site):
    run = run_cli(site, "check", "--links", "--output", str(tiny))
    assert run.code == 0
    assert "index.html:6: warning: broken link '/health/missing/'" in run.err
    run = run_cli(site, "check", "--links", "--strict", "--output", str(tiny))
    assert run.code == 1
    assert "index.html:6: error: broken link '/health/missing/'" in run.err
    assert "5 broken internal, 1 external" in run.out


def test_a_site_built_for_another_base_path_is_caught(tmp_path: Path):
    root = make_project(tmp_path / "proj")
    out = tmp_path / "out"
    assert run_cli(root, "build", "--base-url", "/health/", "--output", str(out)).code == 0
    assert check_links(out).broken == []
    wrong = check_links(out, base_path="/other/")
    assert wrong.broken and all("outside the base path" in p.message for p in wrong.broken
                                if not p.url.startswith("#"))


def test_missing_build_is_a_usage_error(site):
    run = run_cli(site, "check", "--links", "--output", str(site / "nothing"))
    assert run.code == 2
    assert "no built site" in run.err


# -- outside links (--external), against real servers on 127.0.0.1 ------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    """/ok: 200; /gone: 404; /no-head: 405 to HEAD, 200 to GET; /broken: 500."""

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        path = self.path.split("?")[0]
        code = {"/ok": 200, "/gone": 404, "/broken": 500}.get(path, 200 if path == "/no-head" else 404)
        if path == "/no-head" and head:
            code = 405
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[str]:
    """A real HTTP server on a free port of 127.0.0.1, stopped by the test; yields its origin."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture
def dead_ports() -> Iterator[list[int]]:
    """Ports bound but not listening: a connection is refused at once, every time (a closed
    port could be taken by another process between the test's choice and its use)."""
    socks = []
    for _ in range(3):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        socks.append(sock)
    yield [s.getsockname()[1] for s in socks]
    for sock in socks:
        sock.close()


def site_linking(out: Path, urls_per_page: list[list[str]]) -> Path:
    write(out, MARKER, "")
    for n, urls in enumerate(urls_per_page):
        links = "\n".join(f'<a href="{u}">link</a>' for u in urls)
        write(out, "index.html" if n == 0 else f"p{n}/index.html",
              f'<!DOCTYPE html><html><head><link rel="canonical" href="https://x.org/"></head><body>\n'
              f'{links}\n</body></html>\n')
    return out


def check_cli(root: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``check --links --external`` as a user runs it, without any proxy from the environment."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(root), "check", "--links",
                           "--external", "--output", str(out), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_each_failing_url_is_one_line_however_many_pages_use_it(site, tmp_path, web, dead_ports,
                                                                 monkeypatch) -> None:
    dead = f"http://127.0.0.1:{dead_ports[0]}/x"
    every_page = [f"{web}/ok", f"{web}/gone", f"{web}/no-head", f"{web}/broken", dead]
    out = site_linking(tmp_path / "out", [every_page] * 5)
    started = time.monotonic()
    run = check_cli(site, out)
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 3, run.stderr            # /gone, /broken and the refused port; once each
    assert f"out/index.html:3: warning: external link {web}/gone: HTTP 404 (and 4 more uses)" in run.stderr
    assert f"{web}/broken: HTTP 500" in run.stderr
    assert f"external link {dead}: cannot fetch: Connection refused" in run.stderr
    assert "/ok" not in run.stderr and "/no-head" not in run.stderr
    assert "5 external (3 failing)" in run.stdout
    assert check_cli(site, out, "--strict").returncode == 1
    assert time.monotonic() - started < 30


def test_an_unreachable_network_is_said_once(site, tmp_path, dead_ports) -> None:
    """Every host refuses (as when offline, or when the proxy is down): one line, no per-link noise."""
    urls = [f"http://127.0.0.1:{port}/page-{n}" for port in dead_ports for n in range(40)]
    out = site_linking(tmp_path / "out", [urls[:60], urls[60:]])
    run = check_cli(site, out)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert "the network looks unreachable: could not connect to any of the 3 hosts tried" in run.stderr
    assert "none of the 120 external links were checked" in run.stderr
    assert "(not fetched: network unreachable)" in run.stdout
    strict = check_cli(site, out, "--strict")
    assert strict.returncode == 1 and "error: the network looks unreachable" in strict.stderr


def test_only_the_probes_are_fetched_when_nothing_answers(dead_ports, monkeypatch) -> None:
    from engine.publish import external
    asked: list[str] = []
    real = external.fetch
    monkeypatch.setattr(external, "fetch", lambda url, timeout: asked.append(url) or real(url, timeout))
    for key in [k for k in os.environ if "proxy" in k.lower()]:
        monkeypatch.delenv(key)
    urls = [f"http://127.0.0.1:{port}/page-{n}" for port in dead_ports for n in range(10)]
    report = external.check_external(urls, timeout=2)
    assert report.unreachable and report.failed == [] and len(asked) == 3


def test_one_host_down_is_not_an_unreachable_network(web, dead_ports, monkeypatch) -> None:
    from engine.publish.external import Outcome, check_external
    for key in [k for k in os.environ if "proxy" in k.lower()]:
        monkeypatch.delenv(key)
    report = check_external([f"http://127.0.0.1:{dead_ports[0]}/a", f"{web}/ok", f"{web}/gone"], timeout=2)
    assert not report.unreachable
    assert sorted((f.url.rsplit("/", 1)[1], f.outcome.value) for f in report.failed) == [
        ("a", Outcome.UNREACHED.value), ("gone", Outcome.FAILED.value)]
