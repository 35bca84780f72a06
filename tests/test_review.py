"""Honest review information: who checked a page, whether a clinician did, and an overdue notice
readers see in their browser once the review date has passed."""

from __future__ import annotations

import json
import re
from pathlib import Path


from engine.cli import main
from test_a11y import CHROMIUM, need, served_tab


def jsonld(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block
    graph = json.loads(block.group(1))["@graph"]
    return next(n for n in graph if n["@type"] in ("MedicalWebPage", "WebPage"))


def set_reviewer(site: Path, text: str) -> None:
    with (site / "data" / "site.yaml").open("a", encoding="utf-8") as f:
        f.write(text)


def test_editorial_reviewer_is_shown_with_role_and_no_medical_review_is_claimed(site: Path) -> None:
    set_reviewer(site, "reviewer: {name: Editorial team, role: 'editors, not clinicians', clinical: false}\n")
    assert main(["--root", str(site), "build"]) == 0
    html = (site / "output" / "calf-cramps" / "index.html").read_text(encoding="utf-8")
    assert "Checked by: Editorial team (editors, not clinicians)" in html
    assert "This page has not been reviewed by a doctor or other clinician." in html
    assert "reviewedBy" not in jsonld(html)


def test_clinical_reviewer_appears_in_structured_data(site: Path) -> None:
    set_reviewer(site, "reviewer: {name: Dr A Patel, credentials: 'MB ChB, MRCGP', role: general practitioner, "
                       "clinical: true}\n")
    assert main(["--root", str(site), "build"]) == 0
    html = (site / "output" / "calf-cramps" / "index.html").read_text(encoding="utf-8")
    assert "Checked by: Dr A Patel, MB ChB, MRCGP (general practitioner)" in html
    assert "not been reviewed by a doctor" not in html
    assert jsonld(html)["reviewedBy"]["name"] == "Dr A Patel"


def test_readers_see_the_overdue_notice_only_after_the_due_date(site: Path) -> None:
    need(CHROMIUM, "chromium")
    page = site / "content" / "calf-cramps.md"
    page.write_text(page.read_text(encoding="utf-8").replace("next_review: 2030-01-01", "next_review: 2026-02-01"),
                    encoding="utf-8")
    assert main(["--root", str(site), "build"]) == 0
    with served_tab(site / "output") as (tab, base):
        tab.clock.set_fixed_time("2026-01-15T12:00:00Z")
        tab.goto(base + "calf-cramps/")
        assert not tab.is_visible(".review-overdue")
        tab.clock.set_fixed_time("2026-03-01T12:00:00Z")
        tab.goto(base + "calf-cramps/")
        assert tab.is_visible(".review-overdue")
        assert "was due for review on 1 February 2026" in tab.inner_text(".review-overdue")
