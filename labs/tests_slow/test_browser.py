"""Slow suite: export every lab as the site does and load each page in headless Chromium.

Checks what only a real browser shows: the page boots marimo's frontend from the local copy, draws
the Vega-Lite chart (a ``marks`` canvas), shows the controls, and carries the link to its chapter.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

LABS_DIR = Path(__file__).resolve().parent.parent
if str(LABS_DIR) not in sys.path:
    sys.path.insert(0, str(LABS_DIR))

import labkit as lk  # noqa: E402
from labkit.harness import lab_ids  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("labs")
    done = subprocess.run([sys.executable, "-m", "labkit.export", "--out", str(out)], cwd=LABS_DIR,
                          env=dict(os.environ, PYTHONPATH=str(LABS_DIR)), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_chromium_is_installed():
    assert CHROMIUM, "install chromium (make runs tools/ensure-apt.sh chromium for this suite)"


@pytest.mark.parametrize("lab_id", lab_ids())
def test_exported_lab_renders_in_a_browser(site, lab_id):
    out, base = site
    page = (out / f"{lab_id}.html").read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net/npm/@marimo-team" not in page, "page still loads marimo from the CDN"
    dom = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000",
                          "--dump-dom", f"{base}/{lab_id}.html"], capture_output=True, text=True, timeout=180).stdout
    info = lk.lab_info(lab_id)
    assert 'class="marks"' in dom, "the Vega-Lite chart was not drawn"
    assert "marimo-slider" in dom or "marimo-dropdown" in dom, "the controls are missing"
    assert info.chapter_href in dom
    assert "rejected this configuration" not in dom
