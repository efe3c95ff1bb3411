"""Debian's Chromium driven by Playwright (from PyPI): the one launcher behind the site's Mermaid export and
every browser test of the site, the interview pages and the companion.

Chromium is the system one (`CHROMIUM`, else the first of chromium/chromium-browser/google-chrome on PATH),
launched through Playwright's `executable_path`, so nothing is downloaded. A `Tab` is one page at one
viewport: it records console errors, every request, and aborts (and records) every request that leaves
127.0.0.1, so a page that needs the internet fails its test.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
MISSING = ("Chromium is not installed: `tools/ensure-apt.sh chromium` installs Debian's package "
           "(every make target that needs it does this), or set CHROMIUM to a Chromium binary")

# name -> (width, height, touch): the three widths the site is checked at
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


class ChromiumMissing(RuntimeError):
    pass


def find_chromium() -> str | None:
    """The Chromium binary to drive, or None."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_path() -> str:
    found = find_chromium()
    if found is None:
        raise ChromiumMissing(MISSING)
    return found


@contextlib.contextmanager
def launch():
    """A headless Playwright `Browser` on the system Chromium; closed on exit."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve a built site from 127.0.0.1 on a free port; yields its base URL (ending in /)."""
    from .serve import make_server

    server = make_server(site, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class Tab:
    """One page at one viewport (a name in VIEWPORTS, or explicit width/height), with what it did."""

    def __init__(self, browser, viewport: str = "desktop", width: int | None = None, height: int | None = None):
        w, h, touch = VIEWPORTS[viewport]
        self.context = browser.new_context(viewport={"width": width or w, "height": height or h}, has_touch=touch,
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
        url = route.request.url
        if urlsplit(url).hostname in ("127.0.0.1", None) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    # The few operations the tests share, named as they read in a test.
    def goto(self, url: str) -> None:
        """Open `url`, forgetting the previous page's errors and requests."""
        self.errors.clear()
        self.requested.clear()
        self.page.goto(url, wait_until="load")

    def evaluate(self, expression: str, arg=None):
        return self.page.evaluate(expression) if arg is None else self.page.evaluate(expression, arg)

    def wait_for(self, expression: str, timeout: float = 10):
        """Wait until the JavaScript expression is truthy; return its value."""
        return self.page.wait_for_function(expression, timeout=timeout * 1000).json_value()

    def click(self, selector: str) -> None:
        self.page.click(selector)

    def type_into(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))
        return path

    def console_errors(self) -> list[str]:
        return list(self.errors)

    def requested_urls(self) -> list[str]:
        return list(self.requested)

    def close(self) -> None:
        self.context.close()


@contextlib.contextmanager
def tab(browser, viewport: str = "desktop", **size) -> Iterator[Tab]:
    t = Tab(browser, viewport, **size)
    try:
        yield t
    finally:
        t.close()

