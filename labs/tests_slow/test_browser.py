"""Browser labs in real headless Chromium, offline: build the site's labs folder and boot labs in it.

Every request to a host other than 127.0.0.1 is cut (Chromium resolves no other host) and recorded.
For each lab: the page boots Python in the browser and shows its controls, a control change updates
the outputs, the browser console stays free of errors, and no request leaves the site. Booting one
lab costs tens of seconds on two busy cores, so ``make test-labs-browser`` boots a representative
subset (LAB_SUBSET) and ``make test-labs-slow`` boots every lab.
"""
from __future__ import annotations

import os
import sys
import time
import zipfile
from pathlib import Path

import pytest

LABS_DIR = Path(__file__).resolve().parent.parent
if str(LABS_DIR) not in sys.path:
    sys.path.insert(0, str(LABS_DIR))

import labkit as lk  # noqa: E402
from labkit import wasm  # noqa: E402
from labkit.browser import (boot, boot_phases, bytecode_stored, change_a_control, offline_browser, page_text,  # noqa: E402
                            serve, wait_for_text, watch_console)

# one lab per kind of page: a roofline chart, derived controls with a queue simulation, a stacked-bar
# planner with uneven pipelines, and the capstone
LAB_SUBSET = ["roofline", "kv_cache_serving", "parallelism_3d", "design_study"]
ALL = os.environ.get("LABS_BROWSER_ALL") == "1"
LABS = list(lk.load_catalog()) if ALL else LAB_SUBSET
# marimo's frontend rejects its own startSession RPC after a fixed timeout while the worker is still
# booting; on an overloaded machine that shows up as one page error although the session starts normally
SLOW_BOOT_S = 20


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site-labs")
    wasm.build(out, LABS, echo=lambda *_: None)
    return out


@pytest.fixture(scope="module")
def browser(built):
    with serve(built) as site, offline_browser(site.url) as (context, visit):
        yield site, context, visit


def test_build_shares_one_runtime_and_index(built):
    assert sorted(p.name for p in (built / "wasm" / "pyodide").iterdir()) == sorted(wasm.RUNTIME_FILES)
    lock = (built / "wasm" / "pyodide-lock.json").read_text()
    for name in ("marimo-base", "mlsysim", "mlsysbook-labs", "pyyaml", "msgspec"):
        assert f'"name": "{name}"' in lock
    assert '"numpy"' not in lock, "the browser labs must not need NumPy (no registry offers a Pyodide build)"
    # every wheel in the lockfile is downloaded on the first visit: the ones no lab imports stay out
    for name in ("docutils", "click", "rich"):
        assert f'"name": "{name}"' not in lock and not list((built / "wasm" / "packages").glob(f"{name}-*.whl"))
    (jedi,) = (built / "wasm" / "packages").glob("jedi-*.whl")
    with zipfile.ZipFile(jedi) as archive:
        stubs = [n for n in archive.namelist() if n.endswith(".pyi")]
    assert any(n.endswith("stdlib/3/builtins.pyi") for n in stubs), "jedi needs the builtins stubs"
    assert not [n for n in stubs if "django-stubs" in n or "/stdlib/2/" in n], "jedi's unused stubs are served again"
    # marimo's worker loads labkit's controller (the browser's bytecode cache) from beside itself
    assert (built / "assets" / wasm.CONTROLLER_ASSET).is_file()
    workers = [w.read_text() for w in (built / "assets").glob("worker-*.js")]
    assert workers and all(f"import(`./{wasm.CONTROLLER_ASSET}?version=" in w for w in workers)
    for lab_id in LABS:
        app = (built / f"{lab_id}{wasm.APP_SUFFIX}").read_text()
        assert 'data-pyodide-index-url="./wasm/pyodide/"' in app and "cdn.jsdelivr.net/pyodide" not in app
        assert "window.__MARIMO_HAS_WASM_CONTROLLER__=true" in app
        assert 'as="image"' not in app, "marimo's unused background images are preloaded again"


@pytest.mark.parametrize("lab_id", LABS)
def test_lab_boots_reacts_and_stays_offline(browser, lab_id):
    site, context, visit = browser
    page = context.new_page()
    errors_before, external_before = len(visit.errors), len(visit.external)
    watch_console(page, visit)
    boot_s = boot(page, f"{site.url}{lab_id}{wasm.APP_SUFFIX}")
    wait_for_text(page, "Predict first", lk.lab_info(lab_id).title)
    what, seconds = change_a_control(page)
    assert seconds > 0, what
    page.wait_for_timeout(500)
    errors = visit.errors[errors_before:]
    if boot_s > SLOW_BOOT_S:
        errors = [e for e in errors if "RPC request timed out" not in e]
    assert errors == [], errors
    assert visit.external[external_before:] == []
    assert "rejected this configuration" not in page_text(page)
    page.close()


def test_repeat_visit_reuses_the_bytecode_compiled_in_the_browser(browser):
    """After a visit, labkit's controller keeps the bytecode it compiled in the browser's Cache Storage; the
    next visit writes it back before importing marimo, and the lab still boots, reacts and stays clean."""
    site, context, visit = browser
    lab_id = LABS[0]
    url = f"{site.url}{lab_id}{wasm.APP_SUFFIX}"
    errors_before = len(visit.errors)
    page = context.new_page()
    watch_console(page, visit)
    first_s = boot(page, url)
    assert bytecode_stored(page), "the controller never stored its bytecode (is labkit's controller loaded?)"
    page.close()
    page = context.new_page()
    watch_console(page, visit)
    boot_s = boot(page, url)
    phases = boot_phases(page)
    assert phases.get("bytecode files", 0) > 100, phases
    wait_for_text(page, "Predict first", lk.lab_info(lab_id).title)
    change_a_control(page)
    page.wait_for_timeout(500)
    errors = visit.errors[errors_before:]
    if max(first_s, boot_s) > SLOW_BOOT_S:
        errors = [e for e in errors if "RPC request timed out" not in e]
    assert errors == [], errors
    page.close()


def test_site_page_shows_progress_then_the_lab_and_falls_back_without_webassembly(built, browser):
    """The island script on a page shaped like the rendered lab page: the loader hides once the app's
    controls exist; without WebAssembly the frame is removed and the `marimo run` command shown."""
    site, context, visit = browser
    lab_id = LABS[0]
    page_qmd = (built / f"{lab_id}.qmd").read_text()
    island = page_qmd.split("```{=html}\n", 1)[1].rsplit("```", 1)[0]
    (built / "island-check.html").write_text(f"<!doctype html><html><body>{island}</body></html>")
    external_before = len(visit.external)
    page = context.new_page()
    page.goto(site.url + "island-check.html")
    assert page.locator(".lab-loading").is_visible()
    page.wait_for_selector(".lab-island[data-ready]", timeout=240_000, state="attached")
    assert page.locator(".lab-loading").is_hidden()
    page.close()
    page = context.new_page()
    page.add_init_script("delete window.WebAssembly")  # a browser without WebAssembly
    page.goto(site.url + "island-check.html")
    page.wait_for_selector(".lab-fallback", state="visible", timeout=10_000)
    assert f"marimo run labs/{lab_id}.py" in page.locator(".lab-fallback").inner_text()
    assert page.locator(".lab-frame").count() == 0
    page.close()
    assert visit.external[external_before:] == []


_APP_BACKGROUND_LUMA = """() => {
  // luminance (0-255) of the background the learner sees behind the lab: the first element from marimo's
  // root up to <html> that paints one; a canvas turns any CSS colour syntax (rgb, oklch, color-mix) into sRGB bytes
  const pixel = document.createElement("canvas").getContext("2d", {willReadFrequently: true});
  let node = document.querySelector("#App") || document.body;
  for (; node; node = node.parentElement) {
    pixel.clearRect(0, 0, 1, 1);
    pixel.fillStyle = getComputedStyle(node).backgroundColor;
    pixel.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = pixel.getImageData(0, 0, 1, 1).data;
    if (a > 0) return (r * 299 + g * 587 + b * 114) / 1000;
  }
  return 255;  // nothing paints a background: the browser's white
}"""


def test_lab_frame_follows_the_site_theme(built, browser):
    """A reader on the dark site gets a dark lab, and toggling the site's theme re-colours the running lab."""
    site, context, visit = browser
    lab_id = LABS[0]
    island = (built / f"{lab_id}.qmd").read_text().split("```{=html}\n", 1)[1].rsplit("```", 1)[0]
    # the site's <head> script sets data-theme on <html> before the page body (and the island) runs
    (built / "island-dark.html").write_text(f'<!doctype html><html data-theme="dark"><body>{island}</body></html>')
    page = context.new_page()
    page.goto(site.url + "island-dark.html")
    page.wait_for_selector(".lab-island[data-ready]", timeout=240_000, state="attached")
    app = next(f for f in page.frames if f.url.split("?")[0].endswith(f"{lab_id}{wasm.APP_SUFFIX}"))
    assert app.url.endswith("?theme=dark")
    app.wait_for_function("() => document.body.dataset.theme", timeout=30_000)
    dark_luma = app.evaluate(_APP_BACKGROUND_LUMA)
    assert dark_luma < 100, f"the lab opened in the dark site with a light background (luminance {dark_luma:.0f})"
    page.evaluate("() => { document.documentElement.dataset.theme = 'light'; }")  # what the site's toggle does
    app.wait_for_function("() => document.body.dataset.theme === 'light'", timeout=5_000)
    light_luma = app.evaluate(_APP_BACKGROUND_LUMA)
    assert light_luma > 155, f"after switching the site to light the lab stayed dark (luminance {light_luma:.0f})"
    page.close()
