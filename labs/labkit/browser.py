"""Drive the built browser labs in headless Chromium, offline: the slow tests and the benchmark use this.

The built folder (``python -m labkit.wasm``) is served on 127.0.0.1; every request to any other host is
aborted and recorded, so a page that needs the internet fails. Chromium is Debian's
``/usr/bin/chromium`` driven by Playwright from PyPI (``CHROMIUM`` overrides the path).
"""
from __future__ import annotations

import contextlib
import email.utils
import functools
import gzip
import http.server
import os
import socketserver
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
READY = "marimo-slider, marimo-dropdown, marimo-switch, marimo-radio"
# the Cache Storage name labkit's controller keeps its compiled bytecode under (labkit/wasm_controller.mjs)
BYTECODE_CACHE = "mlsysbook-labs-bytecode"
# marimo's frontend logs these on a plain-HTTP origin; they are about optional features, not the lab
BENIGN_CONSOLE = ("Not running in a secure context",)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".js": "text/javascript"}

    def end_headers(self) -> None:
        # what a static host sends (GitHub Pages: max-age=600), so a repeat visit reads the runtime from cache
        self.send_header("Cache-Control", "public, max-age=600")
        super().end_headers()

    def log_message(self, *args, **kwargs) -> None:
        pass


@dataclass
class Served:
    """A folder served on loopback: its base URL and the bytes the server has sent so far."""

    url: str
    sent: list[int]

    @property
    def bytes_sent(self) -> int:
        return self.sent[0]


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[Served]:
    """Serve ``folder`` on a free loopback port as a static host does (gzip when the browser accepts it,
    Last-Modified revalidation, a short max-age), counting the body bytes sent: what a visitor downloads."""
    sent = [0]
    lock = threading.Lock()
    compressed: dict[Path, bytes] = {}

    class Static(_Quiet):
        def do_GET(self) -> None:
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                self.send_error(404)
                return
            modified = email.utils.formatdate(path.stat().st_mtime, usegmt=True)
            if self.headers.get("If-Modified-Since") == modified:
                self.send_response(304)
                self.end_headers()
                return
            body = path.read_bytes()
            gzipped = "gzip" in self.headers.get("Accept-Encoding", "")
            if gzipped:
                with lock:
                    if path not in compressed:
                        compressed[path] = gzip.compress(body, compresslevel=6)
                body = compressed[path]
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Last-Modified", modified)
            if gzipped:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)
            with lock:
                sent[0] += len(body)

    server = _Server(("127.0.0.1", 0), functools.partial(Static, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}/", sent)
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Visit:
    """What one page load did: problems a learner would see, requests and bytes."""

    external: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0


@contextlib.contextmanager
def offline_browser(base_url: str, *, profile: Path | None = None) -> Iterator[tuple[object, Visit]]:
    """A Chromium context in which only ``base_url`` answers; yields (context, visit record).

    With ``profile`` the context keeps a disk cache there, as a reader's browser does between visits
    (a fresh incognito context caches in memory only and drops the 9.6 MB runtime)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} not found; install Debian's chromium (apt-get install chromium) "
                                "or set CHROMIUM to a Chromium binary")
    visit = Visit()
    # every host but loopback resolves to nothing, so the network is cut below the page; requests are only
    # observed (Playwright's request routing would disable the HTTP cache that a repeat visit relies on)
    args = ["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    with sync_playwright() as playwright:
        if profile is None:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
        else:
            context = browser = playwright.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, args=args, viewport={"width": 1280, "height": 900})

        def request(request):
            url = request.url
            if not (url.startswith(base_url) or url.startswith(("data:", "blob:"))):
                visit.external.append(url)

        context.on("request", request)
        context.on("requestfinished", lambda _: setattr(visit, "requests", visit.requests + 1))
        try:
            yield context, visit
        finally:
            browser.close()


def watch_console(page, visit: Visit) -> None:
    def console(message):
        if message.type == "error" and not any(b in message.text for b in BENIGN_CONSOLE):
            visit.errors.append(f"console: {message.text[:500]}")
    page.on("console", console)
    page.on("pageerror", lambda error: visit.errors.append(f"page error: {str(error)[:500]}"))


def boot(page, url: str, timeout_s: float = 240) -> float:
    """Open a lab app and wait until its controls are live; returns seconds to the first interactive output."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(READY, state="attached", timeout=timeout_s * 1000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"cell-status-running\"], .marimo-cell.running')",
                           timeout=timeout_s * 1000)
    return time.perf_counter() - start


_DEEP_TEXT = """() => {
  // the page's text including marimo's outputs, which render inside shadow roots
  const parts = [];
  const walk = (root) => {
    for (const node of root.querySelectorAll("*")) {
      if (node.shadowRoot) walk(node.shadowRoot);
    }
    parts.push(root === document ? document.body.innerText : root.textContent);
  };
  walk(document);
  return parts.join("\\n");
}"""

_SETTLED = """([before, quietMs, timeoutMs]) => new Promise((resolve, reject) => {
  // resolves with the time of the last change of the text once it has been unchanged for quietMs
  const text = """ + _DEEP_TEXT + """;
  let previous = before, last = null;
  const started = performance.now();
  const poll = setInterval(() => {
    const now = performance.now(), current = text();
    if (current !== previous) { previous = current; last = now; }
    if (last !== null && now - last >= quietMs) { clearInterval(poll); resolve(last); }
    else if (now - started > timeoutMs) { clearInterval(poll); reject(new Error("outputs did not change")); }
  }, 15);
})"""


def page_text(page) -> str:
    """What the learner can read on the page, including marimo's outputs inside shadow roots."""
    return page.evaluate(_DEEP_TEXT)


def wait_for_text(page, *needles: str, timeout_s: float = 60) -> str:
    """Wait until every needle is readable on the page and return the page's text. Cells render their
    outputs one by one after the controls exist, so on a loaded machine the header can land after boot()
    returns; a needle that never appears fails with the text the page did show."""
    try:
        page.wait_for_function("([needles]) => { const text = (" + _DEEP_TEXT + ")();"
                               " return needles.every(n => text.includes(n)); }",
                               arg=[list(needles)], timeout=timeout_s * 1000)
    except Exception as error:  # playwright's TimeoutError; report what was on the page instead
        missing = [n for n in needles if n not in page_text(page)]
        raise AssertionError(f"after {timeout_s:.0f} s the page still lacks {missing}: {page_text(page)[:2000]!r}") from error
    return page_text(page)


def change_a_control(page, timeout_s: float = 60, quiet_s: float = 0.5) -> tuple[str, float]:
    """Move one control (the first dropdown to another option, else the first slider one step) and wait for
    the outputs to change and settle; returns (what was changed, seconds from the change to the last update)."""
    before = page.evaluate(_DEEP_TEXT)
    select = page.locator("marimo-dropdown select").first
    if select.count():
        options = select.locator("option").all_inner_texts()
        current = select.locator("option:checked").inner_text()
        target = next(o for o in options if o.strip() and o.strip() != current.strip())
        start = page.evaluate("() => performance.now()")
        select.select_option(label=target)
        what = f"dropdown -> {target}"
    else:
        thumb = page.locator("marimo-slider [role=slider]").first
        thumb.focus()
        start = page.evaluate("() => performance.now()")
        page.keyboard.press("ArrowRight")
        what = "slider one step right"
    last = page.evaluate(_SETTLED, [before, quiet_s * 1000, timeout_s * 1000])
    return what, (last - start) / 1000


_SPANS = """() => (globalThis.t && globalThis.t.getSpans ? globalThis.t.getSpans() : [])
  .filter(s => s.endTime).map(s => [s.name, (s.endTime - s.startTime) / 1000])"""
_LABKIT_BOOT = "() => globalThis.labkitBoot || null"


def boot_phases(page) -> dict[str, float]:
    """Seconds each step of the boot took, from the worker: the steps labkit's controller records
    (``labkit/wasm_controller.mjs``: loadPyodide with every package, restoreBytecode, importMarimo with the
    session, labImports), else the spans marimo's own controller records (its tracer ``globalThis.t``).
    Empty when the worker records neither."""
    phases: dict[str, float] = {}
    for worker in page.workers:
        try:
            labkit = worker.evaluate(_LABKIT_BOOT)
            spans = [] if labkit else worker.evaluate(_SPANS)
        except Exception:  # a worker without a tracer (or already gone) has nothing to report
            continue
        if labkit:
            phases.update(labkit["steps"])
            phases["bytecode files"] = labkit["bytecodeFiles"]
        for name, seconds in spans:
            phases[name] = phases.get(name, 0.0) + seconds
    return phases


def forget_bytecode(page) -> None:
    """Delete the bytecode labkit's controller keeps in the browser, as for a reader whose first visit ended
    before it was stored: the next visit compiles from source again."""
    page.evaluate("(name) => caches.delete(name)", BYTECODE_CACHE)


def bytecode_stored(page, timeout_s: float = 60) -> bool:
    """Wait until labkit's controller has stored this visit's bytecode in the browser's cache (it does so a
    few seconds after the lab's first run); False when the page's worker has no labkit controller."""
    for worker in page.workers:
        try:
            if not worker.evaluate(_LABKIT_BOOT):
                continue
            worker.evaluate("""(timeoutMs) => new Promise((resolve, reject) => {
              const started = performance.now();
              const poll = setInterval(() => {
                if (globalThis.labkitBoot.bytecodeStored) { clearInterval(poll); resolve(true); }
                else if (performance.now() - started > timeoutMs) { clearInterval(poll); reject(new Error("not stored")); }
              }, 100);
            })""", timeout_s * 1000)
            return True
        except Exception:
            continue
    return False
