"""Slow suite: serve each lab with `marimo run` and drive it from headless Chromium (Playwright).

This is the learner's path: the page connects to a live kernel, a control change travels to Python,
the dependent cells re-run and the new outputs appear in the browser.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

LABS_DIR = Path(__file__).resolve().parent.parent
if str(LABS_DIR) not in sys.path:
    sys.path.insert(0, str(LABS_DIR))

from labkit.browser import change_a_control  # noqa: E402
from labkit.harness import lab_ids  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(lab_id: str):
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "marimo", "run", str(LABS_DIR / f"{lab_id}.py"), "--headless",
                               "--port", str(port), "--no-token"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=dict(os.environ), cwd="/")
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        else:
            raise RuntimeError(f"marimo run {lab_id} did not start: {server.stderr.read().decode()[-2000:]}")
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "install chromium (make runs tools/ensure-apt.sh chromium for this suite)"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def test_roofline_reacts_to_controls_and_shows_engine_errors(browser):
    with served("roofline") as url:
        page = browser.new_page()
        page.goto(url)
        expect(page.get_by_text("HBM bandwidth binds at batch 8")).to_be_visible(timeout=90000)
        page.locator("select").nth(0).select_option("A100-80GB")
        page.locator("select").nth(1).select_option("fp8")
        expect(page.get_by_text("no published fp8 peak").first).to_be_visible(timeout=30000)
        page.locator("select").nth(1).select_option("bf16")
        slider = page.get_by_role("slider").first
        slider.focus()
        slider.press("End")  # the widget stops at its last step: 8192
        expect(page.get_by_text("FLOP/s binds at batch 8192").first).to_be_visible(timeout=30000)
        page.close()


@pytest.mark.parametrize("lab_id", lab_ids())
def test_lab_updates_when_a_control_changes(browser, lab_id):
    """Moving a control (a dropdown, or a slider in labs that have none, such as silent_corruption) updates
    the outputs without a traceback."""
    with served(lab_id) as url:
        page = browser.new_page()
        page.goto(url)
        expect(page.get_by_text("Show answer").first).to_be_visible(timeout=90000)
        expect(page.locator("text=/Limit hit|Within limits/").first).to_be_visible(timeout=30000)
        what, seconds = change_a_control(page, timeout_s=30)
        assert seconds > 0, what
        assert "Traceback" not in page.inner_text("body")
        page.close()
