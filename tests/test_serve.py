"""``build.py serve`` end to end: the real server in a subprocess, on a temp project.

Browser tests drive headless Debian Chromium through Playwright; they are
marked ``browser`` and skipped only when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, edit, run_cli, tree_bytes

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``build.py --root ROOT serve --port PORT``, stopped by its own pid."""

    def __init__(self, root: Path, *args: str):
        self.root = root
        self.port = free_port()
        self.log = root.parent / f"serve-{self.port}.log"
        self._log = self.log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "--root", str(root), "serve", "--port", str(self.port), *args],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.status()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    text = self.output()
                    self.stop()
                    raise AssertionError("server did not start:\n" + text)
                time.sleep(0.05)

    def request(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)  # sent as is: no normalising of '..'
            conn.endheaders()
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def status(self) -> dict:
        return json.loads(self.request("/__serve__/status.json")[2])

    def wait_build(self, after: int, timeout: float = 10) -> dict:
        """Wait for the next build (successful or not) after build number *after*."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            if status["builds"] > after and not status["building"]:
                return status
            time.sleep(0.02)
        raise AssertionError(f"no rebuild within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log.read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()


@pytest.fixture
def serve(tmp_path: Path):
    servers: list[Server] = []

    def start(root: Path, *args: str) -> Server:
        server = Server(root, *args)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def stylesheet(html: bytes) -> str:
    match = re.search(rb'<link rel="stylesheet" href="([^"]+)"', html)
    assert match, "no stylesheet link"
    return match[1].decode()



# -- without a browser ---------------------------------------------------------

def test_serves_output_only_and_refuses_traversal(site: Path, serve) -> None:
    (site.parent / "secret.txt").write_text("top secret")
    server = serve(site)
    code, headers, body = server.request("/calf-cramps/")
    assert code == 200 and b"/__serve__/client.js" in body
    assert b"__serve__" not in (site / "output" / "calf-cramps" / "index.html").read_bytes()
    assert server.request(stylesheet(body))[0] == 200
    code, headers, _ = server.request("/calf-cramps")
    assert code in (301, 302) and headers["location"] == "/calf-cramps/"
    for path in ["/../secret.txt", "/../../etc/passwd", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/etc/passwd",
                 "/static/..%2f..%2fsecret.txt", "/static/%2e%2e/%2e%2e/secret.txt", "//etc/passwd",
                 "/%2fetc%2fpasswd", "/..\\secret.txt", "/static/../../data/site.yaml", "/content/index.md"]:
        code, _, body = server.request(path)
        assert code == 404, path
        assert b"top secret" not in body and b"root:" not in body
    code, _, body = server.request("/no-such-page/")
    assert code == 404
    if (site / "output" / "404.html").is_file():
        assert (site / "output" / "404.html").read_bytes().split(b"</head>")[0][:200] in body
    assert server.request("/calf-cramps/", "HEAD")[0] == 200


def test_port_in_use_is_refused(site: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(site, "serve", "--port", str(port))
    assert result.code == 2
    assert "already in use" in result.err and str(port) in result.err
    assert not (site / "output").exists(), "nothing should be built when the port is taken"


def test_base_url_path_is_served_under_that_path(site: Path, serve) -> None:
    server = serve(site, "--base-url", "https://example.org/health/")
    code, _, body = server.request("/health/calf-cramps/")
    assert code == 200
    assert stylesheet(body).startswith("/health/static/")
    assert server.request(stylesheet(body))[0] == 200
    code, headers, _ = server.request("/")
    assert code in (301, 302) and headers["location"] == "/health/"
    assert server.request("/calf-cramps/")[0] == 404


def test_rebuilds_match_a_full_build(site: Path, serve) -> None:
    server = serve(site)
    gen = server.status()["builds"]
    steps = [
        lambda: edit(site / "content" / "calf-cramps.md", "Calf cramps are common", "Calf cramps are very common"),
        lambda: edit(site / "data" / "faqs.yaml", "Probably not for most people.", "Rarely, for most people."),
        lambda: edit(site / "templates" / "partials" / "footer.html", "<footer", "<!-- edited -->\n<footer"),
        lambda: (site / "content" / "extra.md").write_text("---\ntitle: Extra page\n---\nNew page.\n"),
        lambda: (site / "content" / "extra.md").rename(site / "content" / "renamed.md"),
        lambda: (site / "static" / "css" / "site.css").open("a").write("\n.x { color: red; }\n"),
    ]
    for step in steps:
        step()
        status = server.wait_build(gen)
        assert status["ok"], status["errors"]
        gen = status["builds"]
    assert (site / "output" / "renamed" / "index.html").is_file()
    assert not (site / "output" / "extra").exists()
    fresh = site.parent / "fresh"
    assert run_cli(site, "build", "--output", str(fresh)).code == 0
    assert tree_bytes(site / "output") == tree_bytes(fresh)
    log = server.output()
    assert "content/calf-cramps.md changed -> " in log and " pages rebuilt, " in log and " ms" in log


def test_quick_saves_give_one_rebuild_and_the_last_wins(site: Path, serve) -> None:
    server = serve(site)
    gen = server.status()["builds"]
    page = site / "content" / "calf-cramps.md"
    original = page.read_text()
    for n in range(5):
        page.write_text(original.replace("Calf cramps are common", f"Save number {n} says"))
        time.sleep(0.01)
    status = server.wait_build(gen)
    time.sleep(0.3)  # would a second rebuild follow?
    assert server.status()["builds"] == status["builds"] == gen + 1
    assert "Save number 4 says" in (site / "output" / "calf-cramps" / "index.html").read_text()


def test_broken_build_keeps_serving_last_good_pages(site: Path, serve) -> None:
    server = serve(site)
    gen = server.status()["builds"]
    before = server.request("/calf-cramps/")[2]
    faqs = site / "data" / "faqs.yaml"
    good = faqs.read_text()
    faqs.write_text(good.replace("    question:", "    question: [unclosed\n    oops:", 1))
    status = server.wait_build(gen)
    assert not status["ok"]
    gen = status["builds"]
    cli = run_cli(site, "check")
    assert cli.code == 1
    first_error = next(line for line in cli.err.splitlines() if ": error: " in line)
    assert first_error in status["errors"][0]
    # Two requests a moment apart give the same page, status and headers; only Date may tick over.
    first, second = server.request("/calf-cramps/"), server.request("/calf-cramps/")
    for response in (first, second):
        response[1].pop("date")
    assert first == second
    assert first[2] == before
    assert "build failed" in server.output() and first_error in server.output()
    faqs.write_text(good)
    status = server.wait_build(gen)
    assert status["ok"] and status["errors"] == []


# -- in a browser --------------------------------------------------------------

browser = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")


@pytest.fixture
def page():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium.new_page()
        finally:
            chromium.close()


@pytest.mark.browser
@browser
def test_browser_follows_every_kind_of_save(site: Path, serve, page) -> None:
    from playwright.sync_api import expect

    server = serve(site, "--base-url", "https://example.org/health/")
    url = f"http://127.0.0.1:{server.port}/health/calf-cramps/"
    page.goto(url)
    body = page.locator("main")

    def mark() -> None:  # survives only as long as the page is not reloaded
        page.evaluate("window.__notReloaded = true")

    def reloaded() -> bool:
        return not page.evaluate("window.__notReloaded === true")

    # an article: the open page is updated in place, without a reload (scroll position kept)
    mark()
    page.evaluate("window.scrollTo(0, 300)")
    scrolled = page.evaluate("window.scrollY")
    edit(site / "content" / "calf-cramps.md", "Calf cramps are common", "Calf cramps are article-edit-1")
    expect(body).to_contain_text("article-edit-1", timeout=5000)
    assert not reloaded()
    assert page.evaluate("window.scrollY") == scrolled

    # another page changes: this one is not reloaded
    mark()
    gen = server.status()["builds"]
    edit(site / "content" / "index.md", "Welcome to the fixture site.", "Welcome, edited.")
    server.wait_build(gen)
    time.sleep(0.2)
    assert not reloaded()

    # a data record
    edit(site / "data" / "faqs.yaml", "Probably not for most people.", "Data-edit-2 for most people.")
    expect(body).to_contain_text("Data-edit-2", timeout=5000)

    # a template
    edit(site / "templates" / "partials" / "footer.html", "<footer class=\"site-footer\">",
         "<footer class=\"site-footer\"><p>template-edit-3</p>")
    expect(page.locator("footer")).to_contain_text("template-edit-3", timeout=5000)

    # a stylesheet: restyled in place, no reload
    mark()
    with (site / "static" / "css" / "site.css").open("a") as css:
        css.write("\nbody { outline: 3px solid rgb(1, 2, 3); }\n")
    page.wait_for_function("getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'", timeout=5000)
    assert not reloaded()

    # a broken data file: overlay with the command line's message, old page still served
    faqs = site / "data" / "faqs.yaml"
    good = faqs.read_text()
    faqs.write_text(good.replace("    question:", "    question: [unclosed\n    oops:", 1))
    overlay = page.get_by_role("alertdialog")
    expect(overlay).to_be_visible(timeout=5000)
    cli = run_cli(site, "check")
    first_error = next(line for line in cli.err.splitlines() if ": error: " in line)
    assert first_error.startswith("data/faqs.yaml:")
    expect(overlay).to_contain_text(first_error)
    expect(body).to_contain_text("Data-edit-2")
    other = page.context.browser.new_page()
    response = other.goto(url)
    assert response.status == 200
    expect(other.locator("main")).to_contain_text("Data-edit-2")
    expect(other.get_by_role("alertdialog")).to_be_visible(timeout=5000)
    other.close()

    # fixed: the overlay goes and the page comes back by itself
    mark()
    faqs.write_text(good.replace("Data-edit-2", "Data-fixed-4"))
    expect(overlay).to_have_count(0, timeout=5000)
    expect(body).to_contain_text("Data-fixed-4", timeout=5000)
    assert reloaded()


def test_starts_even_when_the_first_build_fails(site: Path, serve) -> None:
    faqs = site / "data" / "faqs.yaml"
    good = faqs.read_text()
    faqs.write_text(good.replace("    question:", "    question: [unclosed\n    oops:", 1))
    server = serve(site)
    status = server.status()
    assert not status["ok"] and status["errors"][0].startswith("data/faqs.yaml:")
    code, _, body = server.request("/calf-cramps/")
    assert code == 404 and b"/__serve__/client.js" in body  # so the page reloads once it exists
    gen = status["builds"]
    faqs.write_text(good)
    assert server.wait_build(gen)["ok"]
    assert server.request("/calf-cramps/")[0] == 200


def test_a_save_during_a_rebuild_gets_its_own_rebuild(site: Path, serve) -> None:
    server = serve(site)
    gen = server.status()["builds"]
    page = site / "content" / "calf-cramps.md"
    original = page.read_text()
    page.write_text(original.replace("Calf cramps are common", "First save says"))
    deadline = time.monotonic() + 5
    while not server.status()["building"]:
        if time.monotonic() > deadline or server.status()["builds"] > gen:
            pytest.skip("the rebuild finished before the test could save again")
        time.sleep(0.002)
    page.write_text(original.replace("Calf cramps are common", "Second save says"))
    deadline = time.monotonic() + 10
    while (status := server.status())["builds"] < gen + 2 or status["building"]:
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.02)
    assert "Second save says" in (site / "output" / "calf-cramps" / "index.html").read_text()


def test_search_index_is_refreshed_once_the_preview_is_quiet(site: Path, serve) -> None:
    """Pagefind runs after a pause in the saves, not after every rebuild (it would slow the browser)."""
    pytest.importorskip("pagefind")
    shutil.copy(ROOT / "content" / "search.md", site / "content" / "search.md")
    server = serve(site)
    index = site / "output" / "pagefind"
    deadline = time.monotonic() + 20
    while not (index / "pagefind.js").is_file():
        assert time.monotonic() < deadline, "no search index after the first build:\n" + server.output()
        time.sleep(0.05)
    before = index.stat().st_ino
    gen = server.status()["builds"]
    edit(site / "content" / "calf-cramps.md", "Calf cramps are common", "Calf cramps are searchable")
    server.wait_build(gen)
    assert index.stat().st_ino == before, "re-indexed straight after the rebuild"
    deadline = time.monotonic() + 20
    while not index.exists() or index.stat().st_ino == before:
        assert time.monotonic() < deadline, "search index not refreshed:\n" + server.output()
        time.sleep(0.05)
    assert (index / "pagefind.js").is_file()


def test_a_file_deleted_from_output_is_written_again_after_the_next_save(site: Path, serve) -> None:
    """Rebuilds take output/ on trust and check it afterwards (IncrementalBuilder.settle):
    a page deleted by hand comes back with the rebuild that follows the check."""
    server = serve(site)
    home = site / "output" / "index.html"
    expected = home.read_bytes()
    builds = server.status()["builds"]
    home.unlink()
    calf = site / "content" / "calf-cramps.md"
    calf.write_text(calf.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    deadline = time.monotonic() + 15
    while not home.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert home.exists(), server.output()
    assert home.read_bytes() == expected
    assert server.status()["builds"] >= builds + 2
    assert "changed or deleted outside the preview" in server.output()
