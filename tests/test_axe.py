"""Accessibility (issue #18): axe-core, from npm (tools/a11y, installed by `make a11y-deps`), run in Debian's
headless Chromium through Playwright on the landing page, a chapter, a lab page and the interview practice
and mock-interview pages of the real site, in the light and the dark theme: no serious or critical violation.

The lab page is checked with its marimo frame: axe also runs inside same-origin iframes."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "tools" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["index.html", "vol1/introduction/introduction.html", "labs/roofline.html", "interviews/practice.html",
         "interviews/mock.html"]
BLOCKING = ("serious", "critical")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']} {v['id']}: {v['help']} ({v['helpUrl']})")
        lines += [f"    {' '.join(n['target'])}: {n['failureSummary'].splitlines()[-1].strip()}" for n in v["nodes"][:5]]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make a11y-deps` (npm ci in tools/a11y)", pytrace=False)
    return AXE.read_text(encoding="utf-8")


def run_axe(browser, served: str, axe_source: str, path: str, theme: str) -> list[dict]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    # The site's own theme switch stores the reader's choice here; every section reads it before painting.
    context.add_init_script(f"try {{ localStorage.setItem('mlsysbook-theme', '{theme}'); }} catch (e) {{}}")
    page = context.new_page()
    outside: list[str] = []

    def local_only(route):
        url = route.request.url
        if url.startswith(served) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", local_only)
    try:
        response = page.goto(served + path, wait_until="load")
        assert response is not None and response.ok, f"{path}: HTTP {response.status if response else 'no response'}"
        assert page.evaluate("document.documentElement.dataset.theme") == theme, f"{path} ignores the theme switch"
        try:  # a lab's app draws itself after load (marimo, then Pyodide): check what the reader then sees
            page.wait_for_load_state("networkidle", timeout=60_000)
        except PlaywrightTimeout:
            pass
        for frame in page.frames:  # the lab's marimo app runs in a same-origin iframe
            frame.evaluate(axe_source)
        result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    finally:
        context.close()
    assert not outside, f"{path} requested outside the site: {outside[:3]}"
    return result


# Every lab's marimo app is checked too: its "made with marimo" badge was 4.24:1 in the light theme until
# labkit/wasm.py darkened marimo's --grass-11 (5.5:1); a stale build/site/labs needs `make site-labs`.
CASES = [(path, theme) for path in PAGES for theme in ("light", "dark")]


@pytest.mark.parametrize("path,theme", CASES)
def test_no_serious_or_critical_accessibility_violations(browser, served, axe_source, path, theme):
    violations = run_axe(browser, served, axe_source, path, theme)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{path} ({theme} theme):\n{describe(blocking)}"


def test_axe_reports_a_known_violation(browser, served, axe_source, tmp_path):
    """The check can fail: an image without alt text and a text input without a label are found."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text"></main></body></html>')
    page.evaluate(axe_source)
    found = page.evaluate("async () => (await axe.run(document)).violations.map(v => [v.id, v.impact])")
    context.close()
    assert ["image-alt", "critical"] in found and any(rule == "label" for rule, _ in found)
