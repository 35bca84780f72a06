"""On paper: FAQ answers print although their <details> are closed (a display rule alone does
not open them in Chromium), and urgent-care boxes keep a visible border without colour."""

from __future__ import annotations

from pathlib import Path

from engine.cli import main
from test_a11y import CHROMIUM, need, served_tab
from test_pagerules import RELIEF, RULES, add_red_flags


def test_print_shows_faq_answers_and_triage_borders(site: Path) -> None:
    need(CHROMIUM, "chromium")
    (site / "data" / "relief.yaml").write_text(RELIEF, encoding="utf-8")
    with (site / "data" / "site.yaml").open("a", encoding="utf-8") as f:
        f.write(RULES)
    add_red_flags(site)
    assert main(["--root", str(site), "build"]) == 0
    with served_tab(site / "output") as (tab, base):
        tab.goto(base + "calf-cramps/")
        assert not tab.is_visible("details.faq .faq-answer")       # closed on screen
        tab.emulate_media(media="print")
        assert tab.is_visible("details.faq .faq-answer")           # but printed
        style = tab.eval_on_selector(".callout-emergency", "e => [getComputedStyle(e).borderTopWidth,"
                                     " getComputedStyle(e).backgroundColor]")
        assert style[0] != "0px" and style[1] in ("rgba(0, 0, 0, 0)", "transparent")
        # the box prints without its red fill, so nothing in it may stay white (citation numbers)
        colours = tab.eval_on_selector_all(".callout-emergency, .callout-emergency *",
                                           "els => els.map(e => getComputedStyle(e).color)")
        assert "rgb(255, 255, 255)" not in colours
