"""Playwright (from PyPI) driving Debian's Chromium for the site's reading-aid and layout tests.

Chromium is `/usr/bin/chromium` (override with CHROMIUM), launched through `executable_path` as the labs
do (labs/labkit/browser.py); the sites are served from 127.0.0.1 and every request elsewhere is aborted
and recorded, so a page that needs the internet fails its test.
"""
from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# (name, width, height, touch) — the three widths the site is checked at
VIEWPORTS = {"phone": (390, 844, True), "tablet": (1024, 768, True), "desktop": (1400, 1000, False)}

# Horizontal overflow: the page is wider than the window, so a reader can pan sideways.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The elements that stick out past the right edge, for a message that names the culprit.
WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.right <= document.documentElement.clientWidth + 1) return false;
  for (let p = e.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX) && p !== document.documentElement && p !== document.body) return false;
  }
  return getComputedStyle(e).position !== 'fixed';
}).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))"""


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    from mlsysbook.site.serve import make_server

    server = make_server(site, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        raise RuntimeError(f"Chromium is missing at {CHROMIUM}: `tools/ensure-apt.sh chromium` installs it "
                           "(make test-site does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


class Tab:
    """One page at one viewport, with the console errors and the off-site requests it made."""

    def __init__(self, browser, viewport: str):
        width, height, touch = VIEWPORTS[viewport]
        self.context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch,
                                           is_mobile=viewport == "phone", device_scale_factor=1)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.requested: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requested.append(r.url))
        self.page.route("**/*", self._route)

    def _route(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", None) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def close(self) -> None:
        self.context.close()


@contextlib.contextmanager
def tab(browser, viewport: str) -> Iterator[Tab]:
    t = Tab(browser, viewport)
    try:
        yield t
    finally:
        t.close()
