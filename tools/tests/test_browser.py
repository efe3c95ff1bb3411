"""The fixture site in real headless Chromium: no console errors, no external requests, search,
theme toggle, quiz feedback, mermaid diagram, mobile menu. Screenshots go to build/test-artifacts/."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from site_helpers import ARTIFACTS

from mlsysbook.site.headless import tab


@pytest.fixture
def page(browser):
    """A fresh desktop tab per test (console errors and requests are per tab)."""
    with tab(browser, "desktop", width=1280, height=900) as t:
        yield t


def _external(urls: list[str]) -> list[str]:
    return [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname != "127.0.0.1"]


def test_chapter_loads_cleanly_offline(page, served):
    page.goto(served + "vol1/alpha/alpha.html")
    page.wait_for("document.querySelector('#fig-alpha-flow svg') !== null")  # mermaid rendered client-side
    assert page.console_errors() == []
    requested = page.requested_urls()
    assert any(u.endswith("assets/vendor/mermaid.min.js") for u in requested)
    assert _external(requested) == []
    assert page.evaluate("document.querySelector('math') !== null")
    page.screenshot(ARTIFACTS / "site-fixture-chapter.png")


def test_search_finds_a_term_from_a_chapter(page, served):
    page.goto(served + "index.html")
    page.type_into("#search-input", "floating-point")
    first = page.wait_for("(() => { const a = document.querySelector('#search-results a'); return a && a.getAttribute('href'); })()")
    assert first.endswith("vol1/alpha/alpha.html#sec-alpha-rooflines")
    # keyboard users reach the results with the arrow keys and get back with Escape
    page.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == first
    page.press("Escape")
    assert page.evaluate("document.activeElement.id") == "search-input"
    assert page.evaluate("document.getElementById('search-results').hidden")
    page.type_into("#search-input", "zzqxnotaword")
    page.wait_for("document.querySelector('#search-results .result-empty') !== null")
    assert page.console_errors() == []


def test_theme_toggle_switches_and_persists(page, served):
    page.goto(served + "vol1/beta/beta.html")
    start = page.evaluate("document.documentElement.dataset.theme")
    page.click(".theme-toggle")
    flipped = page.evaluate("document.documentElement.dataset.theme")
    assert {start, flipped} == {"light", "dark"}
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.goto(served + "vol1/alpha/alpha.html")
    assert page.evaluate("document.documentElement.dataset.theme") == flipped
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background
    page.wait_for("document.querySelector('#fig-alpha-flow svg') !== null")
    page.click(".theme-toggle")  # the mermaid diagram is drawn again in the other theme
    assert page.evaluate("document.documentElement.dataset.theme") == start
    page.wait_for("document.querySelector('#fig-alpha-flow svg') !== null")
    assert page.console_errors() == []


def test_quiz_answers_give_feedback(page, served):
    page.goto(served + "vol1/alpha/alpha.html")
    page.click(".quiz-question[data-type=mcq] .quiz-choice[data-index='0']")
    feedback = page.evaluate("document.querySelector('.quiz-question[data-type=mcq] .quiz-feedback').textContent")
    correct_text = page.evaluate("document.querySelector(\".quiz-choice[data-index='1']\").textContent.trim()")
    assert feedback == f"Not quite: the answer is \u201c{correct_text}\u201d."  # named in words, not by colour alone
    assert page.evaluate("document.querySelector(\".quiz-choice[data-index='1']\").classList.contains('is-correct')")
    assert not page.evaluate("document.querySelector('.quiz-question[data-type=mcq] .quiz-explanation').hidden")
    page.click(".quiz-question[data-type=mcq] .quiz-choice[data-index='1']")
    assert page.evaluate("document.querySelector('.quiz-question[data-type=mcq] .quiz-feedback').textContent") == "Correct."
    page.type_into(".quiz-question[data-type=calc] .quiz-input", "296")
    page.click(".quiz-question[data-type=calc] .quiz-check")
    assert page.evaluate("document.querySelector('.quiz-question[data-type=calc] .quiz-feedback').textContent").startswith("Correct")
    page.type_into(".quiz-question[data-type=calc] .quiz-input", "400")
    page.click(".quiz-question[data-type=calc] .quiz-check")
    assert "expected answer is 295" in page.evaluate(
        "document.querySelector('.quiz-question[data-type=calc] .quiz-feedback').textContent")
    page.screenshot(ARTIFACTS / "site-fixture-quiz.png")


def test_mobile_layout_hides_sidebar_behind_menu(browser, served):
    with tab(browser, "phone") as phone:
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
        phone.press("Escape")
        assert phone.evaluate("getComputedStyle(document.querySelector('.sidebar')).display") == "none"
        assert phone.evaluate("document.querySelector('.menu-toggle').getAttribute('aria-expanded')") == "false"


def test_landing_menu_on_a_phone_lists_the_parts(browser, served):
    with tab(browser, "phone") as phone:
        phone.goto(served + "index.html")
        assert phone.evaluate("getComputedStyle(document.querySelector('.topnav')).display") == "none"
        phone.click(".menu-toggle")
        visible = phone.evaluate("[...document.querySelectorAll('#site-menu a')].filter(a => a.getBoundingClientRect().height > 0).length")
        assert visible == phone.evaluate("document.querySelectorAll('.topnav a').length") > 0
        assert phone.console_errors() == []
