"""Practice mode in headless Chromium: scheduling matches the fsrs package, state survives reloads,
and question text cannot inject script."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import MINI_BANK, render_mini_site
from fsrs import Card, Rating, Scheduler
from static_server import StaticServer
from test_site import HOSTILE

from mlsysbook.site.headless import launch, tab  # Playwright on Debian's Chromium, shared by every browser test



@pytest.fixture(scope="module")
def browser():
    with launch() as chromium, tab(chromium, "desktop", width=1280, height=900) as page:
        yield page


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The interviews section of a site built by the real renderer: practice mode is a page of the site shell."""
    server = StaticServer(render_mini_site(tmp_path_factory.mktemp("served"), [*MINI_BANK, HOSTILE]))
    yield f"{server.url}/interviews"
    server.close()


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
SEQUENCES = [
    [(3, 0), (3, 11 * 60), (3, 3 * 86400), (3, 12 * 86400)],
    [(1, 0), (2, 120), (3, 900), (4, 86400), (1, 20 * 86400), (3, 20 * 86400 + 700), (3, 30 * 86400)],
    [(4, 0), (2, 5 * 86400), (1, 40 * 86400), (1, 40 * 86400 + 60), (4, 41 * 86400)],
]


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_javascript_scheduler_matches_fsrs_package(browser, served, sequence):
    browser.goto(f"{served}/practice.html")
    reviews = [[rating, (T0 + timedelta(seconds=offset)).timestamp() * 1000] for rating, offset in sequence]
    js_cards = browser.evaluate(f"""(() => {{
        const s = window.StaffMLPractice.scheduler; let c = s.newCard(); const out = [];
        for (const [g, t] of {json.dumps(reviews)}) {{ c = s.review(c, g, t); out.push(c); }}
        return out; }})()""")
    scheduler = Scheduler(enable_fuzzing=False)
    card = Card()
    for (rating, offset), js in zip(sequence, js_cards):
        card, _ = scheduler.review_card(card, Rating(rating), T0 + timedelta(seconds=offset))
        assert js["due"] == pytest.approx(card.due.timestamp() * 1000)
        assert js["s"] == pytest.approx(card.stability, rel=1e-9)
        assert js["d"] == pytest.approx(card.difficulty, rel=1e-9)
        assert js["state"] == card.state.value


def test_practice_flow_persists_in_local_storage(browser, served):
    browser.goto(f"{served}/practice.html")
    browser.evaluate("localStorage.clear()")
    browser.goto(f"{served}/practice.html")
    assert browser.console_errors() == []
    # offline: every resource the page loads comes from the site itself
    site_root = served.rsplit("/", 1)[0]  # the shell's assets live at the site root
    assert browser.requested_urls() and all(u.startswith(site_root) for u in browser.requested_urls())
    # the site shell wraps the page: its header search, theme switch and script
    assert browser.evaluate("!!document.querySelector('script[src=\"../assets/site.js\"]')")
    assert browser.evaluate("document.querySelector('h1').textContent").strip().startswith("Practice mode")
    # each filter has a visible label that names it (axe-core: select-name)
    assert browser.evaluate("[...document.querySelectorAll('.filters select')].map(s => s.labels[0].firstChild"
                            ".textContent)") == ["Track", "Area", "Level"]
    total = len(MINI_BANK) + 1
    assert browser.evaluate("document.getElementById('stats').textContent").startswith(f"0 due · {total} new")
    first = browser.evaluate("document.getElementById('card').dataset.questionId")
    assert browser.evaluate("document.querySelector('#card .answer').hidden") is True
    browser.evaluate("document.querySelector('#card .reveal').click()")
    assert browser.evaluate("document.querySelector('#card .answer').hidden") is False
    assert "Worked solution" in browser.evaluate("document.querySelector('#card .answer').textContent")
    assert browser.evaluate("document.querySelector('#card .more a').getAttribute('href')") == \
        "../vol1/serving/serving.html"
    # the link reads as the chapter's title, not its slug (issue #18)
    assert browser.evaluate("document.querySelector('#card .more a').textContent") == "Model Serving (Volume I)"
    assert browser.evaluate("document.querySelector('#card .meta').textContent") == "Cloud · Memory hierarchy · Junior"
    browser.evaluate("document.querySelector('#card .grade-good').click()")

    browser.goto(f"{served}/practice.html")  # a reload reads the schedule back from localStorage
    state = json.loads(browser.evaluate(f"localStorage.getItem(window.StaffMLPractice.storageKey)"))
    assert list(state["cards"]) == [first] and state["log"][0]["rating"] == 3
    assert state["cards"][first]["due"] > state["log"][0]["at"]
    assert "1 of" in browser.evaluate("document.getElementById('stats').textContent")
    assert browser.evaluate("document.getElementById('card').dataset.questionId") != first


def test_filters_restrict_the_queue(browser, served):
    browser.goto(f"{served}/practice.html")
    browser.evaluate("""(() => { const s = document.getElementById('filter-track');
        s.value = 'tinyml'; s.dispatchEvent(new Event('change')); })()""")
    assert browser.evaluate("document.getElementById('card').dataset.questionId") == "tinyml-sample-third"


def test_unreadable_saved_state_is_set_aside(browser, served):
    browser.goto(f"{served}/practice.html")
    browser.evaluate("localStorage.setItem(window.StaffMLPractice.storageKey, '{not json')")
    browser.goto(f"{served}/practice.html")
    assert "set aside" in browser.evaluate("document.querySelector('.notice').textContent")
    assert browser.evaluate("localStorage.getItem(window.StaffMLPractice.storageKey + '.unreadable')") == "{not json"


def test_hostile_question_cannot_inject_script(browser, served):
    browser.goto(f"{served}/practice.html")
    browser.evaluate("""(() => { const s = document.getElementById('filter-area');
        s.value = 'memory-hierarchy'; s.dispatchEvent(new Event('change')); })()""")
    browser.evaluate("localStorage.clear()")
    ids = []
    for _ in range(2):  # grade through the memory-hierarchy questions until the hostile one shows
        ids.append(browser.evaluate("document.getElementById('card').dataset.questionId"))
        if ids[-1] == "cloud-hostile-text":
            break
        browser.evaluate("document.querySelector('#card .reveal').click()")
        browser.evaluate("document.querySelector('#card .grade-easy').click()")
    assert "cloud-hostile-text" in ids
    browser.evaluate("document.querySelector('#card .reveal').click()")
    assert browser.evaluate("document.querySelector('#card .title').textContent").startswith("<img src=x")
    assert browser.evaluate("document.querySelectorAll('#card img, #card script').length") == 0
    assert browser.evaluate("typeof window.__pwned") == "undefined"


def test_hostile_question_on_browse_page_is_inert(browser, served):
    # the browse page as the site renderer published it, in the site shell
    browser.goto(f"{served}/area-memory-hierarchy.html")
    assert browser.evaluate("document.querySelectorAll('section.staffml-question').length") == 2
    assert browser.evaluate("document.querySelectorAll('section.staffml-question script, "
                            "section.staffml-question img').length") == 0
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.querySelector('#cloud-hostile-text details').open") is False


def test_graded_card_comes_back_when_due(browser, served):
    browser.goto(f"{served}/practice.html")
    result = browser.evaluate("""(() => {
        localStorage.clear();
        let t = Date.UTC(2026, 2, 2, 9, 0);
        const root = document.createElement('div');
        document.body.appendChild(root);
        const qs = window.STAFFML_QUESTIONS.questions;
        const s = window.StaffMLPractice.start(root, qs, () => t, window.STAFFML_QUESTIONS.labels);
        const current = () => root.querySelector('#card').dataset.questionId;
        const first = current();
        root.querySelector('.reveal').click();
        root.querySelector('.grade-good').click();          // learning step: due in 10 minutes
        const second = current();
        t += 11 * 60 * 1000; s.next();
        const afterStep = current();
        return {first, second, afterStep, due: s.state().cards[first].due - Date.UTC(2026, 2, 2, 9, 0)};
    })()""")
    assert result["second"] != result["first"]
    assert result["afterStep"] == result["first"]  # due questions come before new ones
    assert result["due"] == 10 * 60 * 1000
