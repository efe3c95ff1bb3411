"""The browser mock interview, rendered into the site's page shell by the site builder and driven in
headless Chromium through Playwright: the countdown redraws by itself and ends a question at zero,
empty or unscored answers are not counted, per-question times are kept, and scores reach the
practice schedule."""

from __future__ import annotations

import json
import time

import pytest
from conftest import MINI_BANK, render_mini_site
from static_server import StaticServer

from mlsysbook.site.headless import launch, tab


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    """A one-section site (the landing page and the interviews section) built by the real renderer."""
    server = StaticServer(render_mini_site(tmp_path_factory.mktemp("mini-site"), MINI_BANK))
    yield f"{server.url}/interviews"
    server.close()


@pytest.fixture(scope="module")
def browser():
    with launch() as chromium, tab(chromium) as page:
        yield page


def _start_with_fake_clock(browser, url):
    browser.goto(f"{url}/mock.html")
    browser.evaluate("localStorage.clear()")
    browser.goto(f"{url}/mock.html")
    browser.evaluate("""(() => {
        window.__t = Date.UTC(2026, 2, 2, 9, 0, 0);
        const root = document.getElementById('staffml-mock');
        window.__mock = window.StaffMLMock.start(root, window.STAFFML_QUESTIONS.questions,
            {now: () => window.__t, labels: window.STAFFML_QUESTIONS.labels});
        window.__mock.begin(30, '', 3);
    })()""")


def _clock(browser) -> str:
    return browser.evaluate("document.getElementById('mock-clock').textContent")


def _current(browser) -> str:
    return browser.evaluate("document.querySelector('.mock-question').dataset.questionId")


def test_mock_page_sits_in_the_site_shell_and_works_offline(browser, site_url):
    browser.goto(f"{site_url}/mock.html")
    assert browser.console_errors() == []
    assert browser.requested_urls() and all(u.startswith(site_url.rsplit("/", 1)[0]) for u in browser.requested_urls())
    # the shell's own script and navigation wrap the page
    assert browser.evaluate("!!document.querySelector('script[src=\"../assets/site.js\"]')")
    assert browser.evaluate("document.querySelector('h1').textContent").strip().startswith("Mock interview")
    assert browser.evaluate("!!document.querySelector('a[href=\"practice.html\"]')")
    assert browser.evaluate("document.getElementById('mock-minutes').value") == "45"
    # both choices carry a visible label (axe-core: select-name)
    assert browser.evaluate("['mock-minutes', 'mock-track'].map(id => document.getElementById(id).labels[0]"
                            ".firstChild.textContent.trim())") == ["Length", "Track"]


def test_countdown_redraws_itself_and_moves_on_at_zero(browser, site_url):
    _start_with_fake_clock(browser, site_url)
    assert browser.evaluate("window.__mock.session().questions.length") == 3
    assert _clock(browser) == "⏱ 10:00 left"
    first = _current(browser)
    # time passes; nobody touches the page: the clock must redraw on its own
    browser.evaluate("window.__t += 65 * 1000")
    browser.wait_for("document.getElementById('mock-clock').textContent === '⏱ 08:55 left'", timeout=3)
    browser.type_into("#mock-notes", "70.6 B params x 2 B = 141 GB > 80 GB: two GPUs")
    browser.click(".mock-done")
    second = _current(browser)
    assert second != first and _clock(browser) == "⏱ 10:00 left"
    # the second question is left empty until its clock runs out
    browser.evaluate("window.__t += 10 * 60 * 1000")
    browser.wait_for(f"document.querySelector('.mock-question').dataset.questionId !== {json.dumps(second)}",
                     timeout=3)
    browser.type_into("#mock-notes", "a note on the design case")
    browser.click(".mock-done")

    summary = browser.evaluate("document.getElementById('mock-summary').textContent")
    assert summary.startswith("Answered 0 of 3") and "1 ran out of time" in summary
    cards = browser.evaluate("[...document.querySelectorAll('.mock-review')].map(c => "
                             "[c.dataset.questionId, c.querySelectorAll('.grade').length, c.textContent])")
    assert [c[1] for c in cards] == [4, 0, 4]  # no score buttons for the empty answer
    assert "Your notes (time ran out)" in cards[1][2] and "Not counted as answered" in cards[1][2]
    browser.evaluate("document.querySelectorAll('.mock-review')[0].querySelector('.grade-good').click()")
    assert browser.evaluate("document.getElementById('mock-summary').textContent").startswith("Answered 1 of 3")
    times = browser.evaluate("[...document.querySelectorAll('#mock-times tr')].slice(1).map(r => "
                             "[...r.children].map(td => td.textContent))")
    assert times[0][1:] == ["01:05", "answered"]
    assert times[1][1:] == ["10:00", "no answer · time ran out"]
    assert times[2][2] == "not scored yet"

    browser.click("#mock-save")
    history = json.loads(browser.evaluate("localStorage.getItem(window.StaffMLMock.storageKey)"))
    answers = history["sessions"][0]["answers"]
    assert [a["score"] for a in answers] == [3, None, None]
    assert [a["timed_out"] for a in answers] == [False, True, False]
    assert [a["elapsed_s"] for a in answers] == [65, 600, 0]
    practice = json.loads(browser.evaluate("localStorage.getItem(window.StaffMLPractice.storageKey)"))
    assert list(practice["cards"]) == [first] and practice["log"][0]["rating"] == 3
    assert "1 of 3" in browser.evaluate("document.getElementById('mock-history').textContent")


def test_real_clock_ticks_without_input(browser, site_url):
    browser.goto(f"{site_url}/mock.html")
    browser.evaluate("window.StaffMLMock.session.begin(0.1, '', 1)")  # one question, six seconds
    first = _clock(browser)
    time.sleep(1.3)
    assert _clock(browser) != first
    browser.wait_for("!!document.getElementById('mock-summary')", timeout=10)
    assert "ran out of time" in browser.evaluate("document.getElementById('mock-summary').textContent")


def test_mock_picks_one_question_per_area_design_last(browser, site_url):
    browser.goto(f"{site_url}/mock.html")
    picked = browser.evaluate("""window.StaffMLMock.pick(window.STAFFML_QUESTIONS.questions, 30, '',
        () => 0.5).map(q => q.area)""")
    assert picked[-1] == "system-design" and len(set(picked)) == len(picked)
