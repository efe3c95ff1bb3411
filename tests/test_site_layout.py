"""The real site at phone, tablet and desktop widths in headless Chromium (Playwright, Debian's Chromium):
no page kind pans sideways, and the top navigation with every part of the course fits at 1024 px.
Screenshots go to build/test-artifacts/site/."""
from __future__ import annotations

import re

import pytest
from repo_paths import ARTIFACTS

from mlsysbook.site.headless import OVERFLOW, VIEWPORTS, WIDE_ELEMENTS, tab

SHOTS = ARTIFACTS / "site"


def _pages(real_site) -> list[str]:
    """Landing, a volume index, the chapter with the most tables and display equations, a lab page, the
    interview practice page and the question browser."""
    def wide_things(path):
        text = path.read_text(errors="replace")
        return text.count("<table") + len(re.findall(r'<math display="block"', text))
    chapter = max(sorted(real_site.glob("vol1/*/*.html")), key=wide_things)
    labs = sorted(p for p in real_site.glob("labs/*.html") if not p.name.endswith(".app.html") and p.name != "index.html")
    pages = ["index.html", "vol1/index.html", chapter.relative_to(real_site).as_posix()]
    pages += [labs[0].relative_to(real_site).as_posix()] if labs else []
    pages += [p for p in ("interviews/practice.html", "interviews/browse.html") if (real_site / p).is_file()]
    return pages



@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_page_kind_pans_sideways(real_site, served, browser, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with tab(browser, viewport) as t:
        for rel in _pages(real_site):
            t.page.goto(served + rel, wait_until="load")
            overflow = t.page.evaluate(OVERFLOW)
            assert overflow <= 0, f"{rel} at {viewport}: {overflow} px too wide because of {t.page.evaluate(WIDE_ELEMENTS)}"
            t.page.screenshot(path=str(SHOTS / f"real-{rel.replace('/', '-')[:-5]}-{viewport}.png"))
        assert t.external == []


def test_top_navigation_fits_at_1024(real_site, served, browser):
    with tab(browser, "tablet") as t:
        t.page.goto(served + "vol1/index.html")
        links = t.page.locator(".topnav a").count()
        assert links >= 7, "every part of the course is in the top navigation"
        assert t.page.evaluate("(() => { const n = document.querySelector('.topnav'); return n.scrollWidth <= n.clientWidth; })()"), \
            "the top navigation scrolls at 1024 px; some parts are cut off"
        t.page.screenshot(path=str(SHOTS / "real-topnav-tablet.png"), clip={"x": 0, "y": 0, "width": 1024, "height": 80})
