"""Accessibility and validity of every built page, and search, in headless Chromium.

- axe-core (npm, pinned in package-lock.json) on every page: no violation, all default rules;
- html-validate (npm, pinned; .htmlvalidate.json) on every page: no error;
- keyboard: skip link first, navigation and FAQs reachable and usable, visible focus;
- Pagefind search finds "magnesium" with the site served by http.server under /health/.

The Node tools come from ``make test`` (``npm ci``); Chromium is Debian's.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import ROOT, make_project, run_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HTML_VALIDATE = ROOT / "node_modules" / ".bin" / "html-validate"


def need(path: Path, what: str) -> None:
    if not Path(path).exists():
        pytest.skip(f"{what} missing ({path}); run 'make test' to install it")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = make_project(tmp_path_factory.mktemp("a11y") / "real", fixture=None)
    outs = {}
    for name, base in (("root", "/"), ("sub", "/health/")):
        out = root.parent / f"out-{name}"
        run = run_cli(root, "build", "--base-url", base, "--output", str(out))
        assert run.code == 0, run.err
        outs[name] = out
    return outs


class Server:
    """http.server on 127.0.0.1 (free port) serving *out* under *prefix* (e.g. /health/)."""

    def __init__(self, out: Path, prefix: str = "/"):
        prefix = prefix.rstrip("/") + "/"

        class Handler(http.server.SimpleHTTPRequestHandler):
            def translate_path(self, path: str) -> str:
                clean = path.split("?", 1)[0].split("#", 1)[0]
                if not clean.startswith(prefix):
                    return str(out / "__missing__")
                return super().translate_path("/" + clean[len(prefix):])

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(out)))
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def page_urls(out: Path) -> list[str]:
    rels = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html") if "pagefind" not in p.parts)
    return [r[: -len("index.html")] if r.endswith("index.html") else r for r in rels]


async def _axe_all(base: str, paths: list[str], workers: int = 2) -> dict[str, list[dict]]:
    from playwright.async_api import async_playwright
    axe = AXE.read_text(encoding="utf-8")
    found: dict[str, list[dict]] = {}
    queue = list(paths)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        async def worker() -> None:
            page = await browser.new_page()
            while queue:
                path = queue.pop()
                await page.goto(base + path)
                await page.add_script_tag(content=axe)
                result = await page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
                found[path] = [{"id": v["id"], "help": v["help"],
                                "nodes": [n["target"] for n in v["nodes"][:3]]} for v in result["violations"]]
            await page.close()

        await asyncio.gather(*(worker() for _ in range(workers)))
        await browser.close()
    return found


def test_axe_finds_no_violation_on_any_page(built):
    need(AXE, "axe-core")
    need(CHROMIUM, "chromium")
    server = Server(built["root"])
    try:
        paths = page_urls(built["root"])
        found = asyncio.run(_axe_all(server.base, paths))
    finally:
        server.close()
    assert len(found) == len(paths) >= 20
    bad = {path: v for path, v in found.items() if v}
    assert bad == {}, bad


def test_html_validator_reports_no_error(built):
    need(HTML_VALIDATE, "html-validate")
    files = [str(p) for out in built.values() for p in sorted(out.rglob("*.html")) if "pagefind" not in p.parts]
    proc = subprocess.run([str(HTML_VALIDATE), "--config", str(ROOT / ".htmlvalidate.json"), *files],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def browser_page():
    need(CHROMIUM, "chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        yield page
        browser.close()


def test_keyboard_skip_link_nav_faqs_and_visible_focus(built, browser_page):
    server = Server(built["sub"], "/health/")
    page = browser_page
    try:
        page.goto(server.base + "calf-cramps/")
        page.keyboard.press("Tab")
        first = page.evaluate("() => [document.activeElement.className, document.activeElement.getAttribute('href')]")
        assert first == ["skip-link", "#main"]
        box = page.evaluate("() => document.activeElement.getBoundingClientRect().top")
        assert box >= 0, "the skip link becomes visible when focused"
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("none", ""), "focus is visible"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"
        # navigation links are reachable with Tab
        page.goto(server.base + "calf-cramps/")
        reached = []
        for _ in range(15):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("() => document.activeElement.closest('nav.site-nav') !== null"))
        assert any(reached)
        # FAQs: a summary can be focused and opened with the keyboard
        page.focus("details.faq summary")
        assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.querySelector('details.faq').open") is True
    finally:
        server.close()


@pytest.mark.parametrize("name,prefix", [("sub", "/health/"), ("root", "/")])
def test_search_finds_magnesium(built, browser_page, name, prefix):
    server = Server(built[name], prefix)
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(server.base + "search/")
        page.fill("#search-input", "magnesium")
        page.press("#search-input", "Enter")
        page.wait_for_selector("#search-results li a", timeout=15000)
        links = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
        assert any("/nutrients/magnesium/" in h for h in links), links
        assert all(h.startswith(prefix) for h in links), links
        assert "found for" in page.inner_text("#search-status")
        # the header box sends ?q= to the search page, which runs the search on load
        page.goto(server.base + "about/")
        page.fill("#site-search-q", "magnesium")
        page.press("#site-search-q", "Enter")
        page.wait_for_selector("#search-results li a", timeout=15000)
        target = page.eval_on_selector("#search-results li a", "e => e.href")
        page.goto(target)
        assert page.title()
    finally:
        server.close()
    assert errors == []


@pytest.mark.parametrize("width", [320, 390])
def test_no_page_pans_sideways_on_a_phone(built, browser_page, width):
    server = Server(built["root"])
    page = browser_page
    try:
        page.set_viewport_size({"width": width, "height": 700})
        wide = {}
        for path in page_urls(built["root"]):
            page.goto(server.base + path)
            # with every detail open too: what a reader expands must fit as well
            for state in ("closed", "open"):
                if state == "open":
                    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > width:
                    wide[f"{path} ({state})"] = scroll
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})
        server.close()
    assert wide == {}


@contextlib.contextmanager
def served_tab(out: Path, prefix: str = "/"):
    """A headless Chromium tab and the base URL of *out* served on 127.0.0.1; both closed after."""
    need(CHROMIUM, "chromium")
    from playwright.sync_api import sync_playwright
    server = Server(out, prefix)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                yield browser.new_page(), server.base
            finally:
                browser.close()
    finally:
        server.close()
