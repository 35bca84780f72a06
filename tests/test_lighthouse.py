"""Lighthouse (pinned in package.json) on the home page, an article, a nutrient page and the FAQ
hub: at least 0.95 in performance, accessibility, best practices and SEO.

Runs against Debian's chromium (CHROME_PATH, headless) on a build served from 127.0.0.1 whose
base URL is that server's address, so canonical links, robots.txt and the sitemap are absolute as
they are when published. No network is needed. ``make audit`` runs this file alone; ``make test``
runs it with the rest. Skips, saying why, when Node, the npm packages or chromium are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT, make_project, run_cli
from test_a11y import CHROMIUM, Server

LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "package.json"
RUNNER = ROOT / "tools" / "lighthouse.mjs"
PAGES = ["", "calf-cramps/", "nutrients/magnesium/", "faqs/"]
MINIMUM = 0.95


def test_lighthouse_scores_at_least_095_in_every_category(tmp_path):
    node = shutil.which("node")
    for what, present in (("node (Node.js)", node), ("lighthouse (run 'make test' or 'npm ci')", LIGHTHOUSE.exists()),
                          (f"chromium ({CHROMIUM})", os.path.exists(CHROMIUM))):
        if not present:
            pytest.skip(f"Lighthouse audit skipped: {what} is missing")
    root = make_project(tmp_path / "real", fixture=None)
    out = tmp_path / "out"
    server = Server(out)
    try:
        run = run_cli(root, "build", "--base-url", server.base, "--output", str(out))
        assert run.code == 0, run.err
        proc = subprocess.run([node, str(RUNNER), server.base, *PAGES], capture_output=True, text=True,
                              timeout=240, cwd=ROOT, env={**os.environ, "CHROME_PATH": CHROMIUM})
    finally:
        server.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(report) == sorted(PAGES)
    low = {}
    for path, result in report.items():
        assert result["runtimeError"] is None, (path, result["runtimeError"])
        assert set(result["scores"]) == {"performance", "accessibility", "best-practices", "seo"}
        bad = {cat: score for cat, score in result["scores"].items() if score is None or score < MINIMUM}
        if bad:
            low[path or "/"] = {"scores": bad, "failing audits": result["failing"]}
    print(json.dumps({p or "/": r["scores"] for p, r in report.items()}))
    assert low == {}, json.dumps(low, indent=1)
