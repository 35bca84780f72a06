#!/usr/bin/env python3
"""Save-to-browser latency of ``build.py serve`` on the real site, in headless Chromium.

    .venv/bin/python bench/latency.py [--runs 10] [--page /calf-cramps/]

Copies the project's content/, data/, templates/, static/ and schemas/ to a
temporary folder, starts the real server there (a subprocess, on a free
port), opens one page in Debian Chromium and then, round-robin, saves:

* article     - a sentence in content/calf-cramps.md
* data        - the question of an FAQ record (data/faqs.yaml) the page shows
* template    - templates/partials/footer.html (every page is rebuilt)
* stylesheet  - static/css/site.css (restyled in place, no reload)

Each measurement runs from just before the file is written until the page in
the browser shows the new text (or style).  Prints the median and the worst
per kind.  Target: median <= 300 ms, worst <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__serve__/status.json", timeout=5) as resp:
        return json.load(resp)


def wait_idle(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not status(port)["building"]:
            return
        time.sleep(0.01)


class Edits:
    """Each call changes one file so that *token* appears on the page; returns a JS condition."""

    def __init__(self, site: Path, page_html: str):
        self.site = site
        self.article = site / "content" / "calf-cramps.md"
        self.article.write_text(self.article.read_text(encoding="utf-8").rstrip("\n")
                                + "\n\nLatency probe PROBE-0.\n", encoding="utf-8")
        self.faqs = site / "data" / "faqs.yaml"
        text = self.faqs.read_text(encoding="utf-8")
        shown = [q for q in re.findall(r'question: "([^"]+)"', text) if q.replace("'", "&#39;") in page_html
                 or q in page_html]
        if not shown:
            raise SystemExit("no FAQ question from data/faqs.yaml is shown on the page")
        self.question = shown[0]
        self.faqs.write_text(text.replace(f'question: "{self.question}"',
                                          f'question: "{self.question} PROBE-0"', 1), encoding="utf-8")
        self.footer = site / "templates" / "partials" / "footer.html"
        self.footer.write_text(self.footer.read_text(encoding="utf-8").replace(
            "</footer>", '<p class="latency-probe">PROBE-0</p>\n</footer>', 1), encoding="utf-8")
        self.css = site / "static" / "css" / "site.css"
        self.css.write_text(self.css.read_text(encoding="utf-8") + "\n:root { --latency-probe: 0; }\n",
                            encoding="utf-8")

    @staticmethod
    def _swap(path: Path, pattern: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        changed = re.sub(pattern, new, text, count=1)
        assert changed != text, f"{pattern} not found in {path}"
        path.write_text(changed, encoding="utf-8")

    def article_edit(self, n: int) -> str:
        self._swap(self.article, r"Latency probe PROBE-\d+\.", f"Latency probe PROBE-{n}.")
        return f"document.body && document.body.innerText.includes('Latency probe PROBE-{n}.')"

    def data_edit(self, n: int) -> str:
        self._swap(self.faqs, re.escape(self.question) + r" PROBE-\d+", f"{self.question} PROBE-{n}")
        return f"document.body && document.body.innerText.includes(' PROBE-{n}') && " \
               f"!document.body.innerText.includes('Latency probe PROBE-{n}.')"

    def template_edit(self, n: int) -> str:
        self._swap(self.footer, r'<p class="latency-probe">PROBE-\d+</p>', f'<p class="latency-probe">PROBE-{n}</p>')
        return f"(document.querySelector('.latency-probe') || {{}}).textContent === 'PROBE-{n}'"

    def stylesheet_edit(self, n: int) -> str:
        self._swap(self.css, r"--latency-probe: \d+;", f"--latency-probe: {n};")
        return ("getComputedStyle(document.documentElement).getPropertyValue('--latency-probe').trim() "
                f"=== '{n}'")


def measure(page, condition: str, timeout: float = 10.0) -> float:
    from playwright.sync_api import Error, TimeoutError

    started = getattr(page, "_t0")
    deadline = started + timeout
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return float("inf")
        try:
            page.wait_for_function(condition, polling=5, timeout=remaining * 1000)
            return time.perf_counter() - started
        except TimeoutError:
            return float("inf")
        except Error:  # the page navigated (reloaded) while we were polling: poll the new one
            time.sleep(0.002)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="edits of each kind (default 10)")
    parser.add_argument("--page", default="/calf-cramps/", help="page kept open in the browser")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between edits (default 0.3)")
    parser.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                        help="extra argument for 'build.py serve' (repeatable), e.g. --serve-arg=--no-search")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"bench/latency.py: needs Debian chromium at {CHROMIUM}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="latency-"))
    site = tmp / "site"
    site.mkdir()
    for name in ("content", "data", "templates", "static", "schemas"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, site / name)
    port = free_port()
    log = (tmp / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--root", str(site), "serve",
                               "--port", str(port), *args.serve_arg], stdout=log, stderr=subprocess.STDOUT)
    results: dict[str, list[float]] = {"article": [], "data": [], "template": [], "stylesheet": []}
    builds: dict[str, list[float]] = {kind: [] for kind in results}
    logfile = tmp / "serve.log"

    def build_ms_since(lines_before: int) -> float:
        lines = logfile.read_text().splitlines()[lines_before:]
        return sum(float(m[1]) for line in lines if (m := re.search(r" written in (\d+) ms", line)))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status(port)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("server did not start:\n" + (tmp / "serve.log").read_text())
                time.sleep(0.05)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            url = f"http://127.0.0.1:{port}{status(port)['base_path'].rstrip('/')}{args.page}"
            page.goto(url)
            edits = Edits(site, page.content())
            wait_idle(port)
            time.sleep(0.5)
            page.wait_for_function("document.body.innerText.includes('Latency probe PROBE-0.')", timeout=10000)
            kinds = [("article", edits.article_edit), ("data", edits.data_edit),
                     ("template", edits.template_edit), ("stylesheet", edits.stylesheet_edit)]
            n = 0
            for _ in range(args.runs):
                for kind, make_edit in kinds:
                    n += 1
                    log.flush()
                    lines_before = len(logfile.read_text().splitlines())
                    page._t0 = time.perf_counter()  # type: ignore[attr-defined]
                    condition = make_edit(n)
                    seconds = measure(page, condition)
                    results[kind].append(seconds)
                    wait_idle(port)
                    time.sleep(args.pause)
                    builds[kind].append(build_ms_since(lines_before))
            browser.close()
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
        log.close()

    print(f"save-to-browser latency, {args.runs} edits each, page {args.page} (real site copy)"
          + (f", serve {' '.join(args.serve_arg)}" if args.serve_arg else ""))
    print(f"{'kind':<11} {'median':>9} {'worst':>9} {'best':>9}   {'rebuild (median)':>16} {'server+browser (median)':>24}")
    summary = {}
    for kind, times in results.items():
        ms = [t * 1000 for t in times]
        summary[kind] = {"median_ms": round(statistics.median(ms), 1), "worst_ms": round(max(ms), 1),
                         "best_ms": round(min(ms), 1), "runs": len(ms)}
        rebuild = statistics.median(builds[kind]) if builds[kind] else float("nan")
        rest = statistics.median([a - b for a, b in zip(ms, builds[kind])]) if builds[kind] else float("nan")
        summary[kind].update(rebuild_median_ms=round(rebuild, 1), overhead_median_ms=round(rest, 1))
        print(f"{kind:<11} {statistics.median(ms):7.0f} ms {max(ms):7.0f} ms {min(ms):7.0f} ms   "
              f"{rebuild:13.0f} ms {rest:21.0f} ms")
    every = [t * 1000 for times in results.values() for t in times]
    print(f"{'all':<11} {statistics.median(every):7.0f} ms {max(every):7.0f} ms {min(every):7.0f} ms")
    print("server log:", tmp / "serve.log")
    rebuilds = [line for line in (tmp / "serve.log").read_text().splitlines() if " -> " in line]
    for line in rebuilds[-4:]:
        print("  " + line)
    if args.json:
        print(json.dumps(summary))
    ok = statistics.median(every) <= 300 and max(every) <= 1000
    print("target (median <= 300 ms, worst <= 1 s):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
