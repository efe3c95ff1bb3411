"""The fixture site in real headless Chromium: no console errors, no external requests, search,
theme toggle, quiz feedback, mermaid diagram, mobile menu. Screenshots go to build/test-artifacts/."""
from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from site_helpers import ARTIFACTS

from mlsysbook.site.browser import Browser, find_chromium
from mlsysbook.site.serve import make_server


@pytest.fixture(scope="module")
def served(built_fixture):
    server = make_server(built_fixture / "_site", port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if find_chromium() is None:
        pytest.fail("Chromium is missing: the Makefile target installs it (tools/ensure-apt.sh chromium)")
    with Browser() as b:
        yield b


def _external(urls: list[str]) -> list[str]:
    return [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname != "127.0.0.1"]


def test_chapter_loads_cleanly_offline(browser, served):
    browser.goto(served + "vol1/alpha/alpha.html")
    browser.wait_for("document.querySelector('#fig-alpha-flow svg') !== null")  # mermaid rendered client-side
    assert browser.console_errors() == []
    requested = browser.requested_urls()
    assert any(u.endswith("assets/vendor/mermaid.min.js") for u in requested)
    assert _external(requested) == []
    assert browser.evaluate("document.querySelector('math') !== null")
    browser.screenshot(ARTIFACTS / "site-fixture-chapter.png")


def test_search_finds_a_term_from_a_chapter(browser, served):
    browser.goto(served + "index.html")
    browser.type_into("#search-input", "floating-point")
    first = browser.wait_for("(() => { const a = document.querySelector('#search-results a'); return a && a.getAttribute('href'); })()")
    assert first.endswith("vol1/alpha/alpha.html#sec-alpha-rooflines")
    # keyboard users reach the results with the arrow keys and get back with Escape
    press = lambda key, code: browser.send("Input.dispatchKeyEvent", type="keyDown", key=key, code=key,
                                           windowsVirtualKeyCode=code)
    press("ArrowDown", 40)
    assert browser.evaluate("document.activeElement.getAttribute('href')") == first
    press("Escape", 27)
    assert browser.evaluate("document.activeElement.id") == "search-input"
    assert browser.evaluate("document.getElementById('search-results').hidden")
    browser.type_into("#search-input", "zzqxnotaword")
    browser.wait_for("document.querySelector('#search-results .result-empty') !== null")
    assert browser.console_errors() == []


def test_theme_toggle_switches_and_persists(browser, served):
    browser.goto(served + "vol1/beta/beta.html")
    start = browser.evaluate("document.documentElement.dataset.theme")
    browser.click(".theme-toggle")
    flipped = browser.evaluate("document.documentElement.dataset.theme")
    assert {start, flipped} == {"light", "dark"}
    background = browser.evaluate("getComputedStyle(document.body).backgroundColor")
    browser.goto(served + "vol1/alpha/alpha.html")
    assert browser.evaluate("document.documentElement.dataset.theme") == flipped
    assert browser.evaluate("getComputedStyle(document.body).backgroundColor") == background
    browser.wait_for("document.querySelector('#fig-alpha-flow svg') !== null")
    browser.click(".theme-toggle")  # the mermaid diagram is drawn again in the other theme
    assert browser.evaluate("document.documentElement.dataset.theme") == start
    browser.wait_for("document.querySelector('#fig-alpha-flow svg') !== null")
    assert browser.console_errors() == []


def test_quiz_answers_give_feedback(browser, served):
    browser.goto(served + "vol1/alpha/alpha.html")
    browser.click(".quiz-question[data-type=mcq] .quiz-choice[data-index='0']")
    feedback = browser.evaluate("document.querySelector('.quiz-question[data-type=mcq] .quiz-feedback').textContent")
    correct_text = browser.evaluate("document.querySelector(\".quiz-choice[data-index='1']\").textContent.trim()")
    assert feedback == f"Not quite: the answer is \u201c{correct_text}\u201d."  # named in words, not by colour alone
    assert browser.evaluate("document.querySelector(\".quiz-choice[data-index='1']\").classList.contains('is-correct')")
    assert not browser.evaluate("document.querySelector('.quiz-question[data-type=mcq] .quiz-explanation').hidden")
    browser.click(".quiz-question[data-type=mcq] .quiz-choice[data-index='1']")
    assert browser.evaluate("document.querySelector('.quiz-question[data-type=mcq] .quiz-feedback').textContent") == "Correct."
    browser.type_into(".quiz-question[data-type=calc] .quiz-input", "296")
    browser.click(".quiz-question[data-type=calc] .quiz-check")
    assert browser.evaluate("document.querySelector('.quiz-question[data-type=calc] .quiz-feedback').textContent").startswith("Correct")
    browser.type_into(".quiz-question[data-type=calc] .quiz-input", "400")
    browser.click(".quiz-question[data-type=calc] .quiz-check")
    assert "expected answer is 295" in browser.evaluate(
        "document.querySelector('.quiz-question[data-type=calc] .quiz-feedback').textContent")
    browser.screenshot(ARTIFACTS / "site-fixture-quiz.png")


def test_mobile_layout_hides_sidebar_behind_menu(served):
    with Browser(width=390, height=844) as phone:
        phone.goto(served + "vol1/alpha/alpha.html")
        assert phone.evaluate("getComputedStyle(document.querySelector('.sidebar')).display") == "none"
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        phone.click(".menu-toggle")
        assert phone.evaluate("getComputedStyle(document.querySelector('.sidebar')).display") == "block"
        # the opened chapter list fills the screen below the top bar
        assert phone.evaluate("document.querySelector('.sidebar').getBoundingClientRect().bottom") >= 843
        # the top navigation is hidden on a phone, so the drawer also reaches every part of the course
        parts = phone.evaluate("[...document.querySelectorAll('.sidebar .sidebar-parts a')]"
                               ".filter(a => a.getBoundingClientRect().height > 0).map(a => a.getAttribute('href'))")
        assert parts and parts == phone.evaluate("[...document.querySelectorAll('.topnav a')].map(a => a.getAttribute('href'))")
        phone.screenshot(ARTIFACTS / "site-fixture-mobile.png")
        phone.send("Input.dispatchKeyEvent", type="keyDown", key="Escape", code="Escape", windowsVirtualKeyCode=27)
        assert phone.evaluate("getComputedStyle(document.querySelector('.sidebar')).display") == "none"
        assert phone.evaluate("document.querySelector('.menu-toggle').getAttribute('aria-expanded')") == "false"


def test_landing_menu_on_a_phone_lists_the_parts(served):
    with Browser(width=390, height=844) as phone:
        phone.goto(served + "index.html")
        assert phone.evaluate("getComputedStyle(document.querySelector('.topnav')).display") == "none"
        phone.click(".menu-toggle")
        visible = phone.evaluate("[...document.querySelectorAll('#site-menu a')].filter(a => a.getBoundingClientRect().height > 0).length")
        assert visible == phone.evaluate("document.querySelectorAll('.topnav a').length") > 0
        assert phone.console_errors() == []
