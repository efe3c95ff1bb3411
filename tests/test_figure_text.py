"""Text as readers see it, in headless Chromium (Playwright, Debian's Chromium) on the real site:

- every Mermaid diagram (drawn in the browser, so `mlsysbook check` cannot measure it), on a 1400 px desktop
  and a 390 px phone: no label smaller than 9 px, and on the desktop no diagram wider than its column;
- on the phone, every page of both volumes and the landing page: body text at least 16 px, other text of
  the article (captions, tables, code, notes) at least 12 px, and SVG figures drawn no smaller than 9 px
  text (site.js keeps a figure as wide as its text needs and scrolls it inside its box).

The rules and their reasons are in tools/tests/figure_text.py. Screenshots of each page with a diagram go
to build/test-artifacts/figure-text/. Loading every chapter (and Mermaid's 3.5 MB library on 14 of them)
takes minutes, so these run in `make test-slow` (`make test-figures-slow`); the same rules run on the
fixture book in `make test-site` (tools/tests/test_legibility.py).
"""
from __future__ import annotations

import sys

import pytest
from repo_paths import ARTIFACTS, REPO

sys.path.insert(0, str(REPO / "tools" / "tests"))
from figure_text import image_problems, mermaid_problems, phone_text_problems  # noqa: E402
from mlsysbook.site.headless import tab  # noqa: E402

SHOTS = ARTIFACTS / "figure-text"
pytestmark = pytest.mark.slow


def _book_pages(real_site) -> list[str]:
    return sorted(p.relative_to(real_site).as_posix() for p in real_site.glob("vol[12]/**/*.html"))


def _diagram_pages(real_site) -> list[str]:
    return [p for p in _book_pages(real_site) if 'class="mermaid"' in (real_site / p).read_text(errors="replace")]



def test_the_book_has_mermaid_diagrams_to_measure(real_site):
    assert len(_diagram_pages(real_site)) >= 10


def _shoot(t, rel: str, viewport: str) -> None:
    """A screenshot of the page's first diagram, as drawn, into build/test-artifacts/figure-text/."""
    t.page.evaluate("document.querySelector('pre.mermaid').scrollIntoView()")
    box = t.page.locator("pre.mermaid").first.bounding_box()  # in the viewport, once scrolled to
    height = t.page.viewport_size["height"]
    if box and box["width"] and box["height"]:
        SHOTS.mkdir(parents=True, exist_ok=True)
        t.page.screenshot(path=str(SHOTS / f"{rel.replace('/', '-')[:-5]}-{viewport}.png"),
                          clip={"x": max(box["x"], 0), "y": max(box["y"], 0), "width": box["width"],
                                "height": min(box["height"], height - max(box["y"], 0))})


def test_mermaid_diagrams_on_a_desktop_are_legible_and_fit_their_column(real_site, served, browser):
    problems = []
    with tab(browser, "desktop") as t:
        for rel in _diagram_pages(real_site):
            t.page.goto(served + rel, wait_until="load")
            problems += mermaid_problems(t.page, rel, desktop=True)
            _shoot(t, rel, "desktop")
        assert t.errors == [], t.errors
    assert problems == [], "\n".join(problems)


def test_text_diagrams_and_figures_on_a_phone_are_legible(real_site, served, browser):
    diagrams = set(_diagram_pages(real_site))
    problems = []
    with tab(browser, "phone") as t:
        for rel in ["index.html", *_book_pages(real_site)]:
            t.page.goto(served + rel, wait_until="load")
            if rel in diagrams:
                problems += mermaid_problems(t.page, rel, desktop=False)
                _shoot(t, rel, "phone")
            problems += phone_text_problems(t.page, rel)
            problems += image_problems(t.page, rel, real_site)
        assert t.errors == [], t.errors
    assert problems == [], "\n".join(problems)
