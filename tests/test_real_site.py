"""The real site: builds, passes the checker, has every part and chapter, and behaves in Chromium."""
from __future__ import annotations

import json
import re
import threading
from collections import Counter
from urllib.parse import urlsplit

import pytest
from repo_paths import ARTIFACTS, REPO

from mlsysbook.site import project
from mlsysbook.site.browser import Browser
from mlsysbook.site.check import check_site
from mlsysbook.site.serve import make_server


def test_checker_passes(real_site):
    assert check_site(REPO, real_site) == []


def test_every_toc_chapter_is_built_with_its_number(real_site):
    site = project.load_site(REPO)
    for part in site.parts:
        if part.kind != "volume":
            continue
        numbers = [p.number for p in part.pages if p.kind == "chapter"]
        assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
        for page in part.pages:
            html = (real_site / page.out).read_text()
            if page.number:
                assert f'<span class="chapter-number">{page.number}</span>' in html, page.out


def test_landing_and_navigation_reach_every_part(real_site):
    site = project.load_site(REPO)
    landing = (real_site / "index.html").read_text()
    for part in site.parts:
        assert f'href="{part.index.out}"' in landing, part.key
    expected = {"vol1", "vol2"} | {d.name for d in REPO.iterdir() if (d / "site" / "_section.yml").is_file()}
    assert {p.key for p in site.parts} == expected


@pytest.fixture(scope="module")
def served(real_site):
    server = make_server(real_site, port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _distinctive_chapter_word(real_site) -> tuple[str, str]:
    """A word that occurs in exactly one chapter, with no look-alike (same first 7 letters) elsewhere,
    so prefix and fuzzy matching cannot rank other pages above it; and that chapter's page."""
    docs = json.loads((real_site / "search.json").read_text())
    pages_of: dict[str, set[str]] = {}
    for d in docs:
        for word in set(re.findall(r"[a-z]{9,}", d["text"].lower())):
            pages_of.setdefault(word, set()).add(d["url"].split("#")[0])
    stems = Counter(w[:7] for w in pages_of)
    candidates = sorted(w for w, pages in pages_of.items()
                        if len(pages) == 1 and stems[w[:7]] == 1 and re.match(r"vol\d/\w+/\w+\.html", next(iter(pages))))
    assert candidates, "no chapter has a distinctive word to search for"
    return candidates[0], next(iter(pages_of[candidates[0]]))


def test_landing_in_chromium_search_theme(real_site, served):
    with Browser() as browser:
        browser.goto(served + "index.html", settle=1.0)
        assert browser.console_errors() == []
        external = [u for u in browser.requested_urls() if urlsplit(u).hostname not in ("127.0.0.1", None)]
        assert external == []
        browser.screenshot(ARTIFACTS / "landing.png")

        word, chapter = _distinctive_chapter_word(real_site)
        browser.type_into("#search-input", word)
        hrefs = browser.wait_for("(() => { const a = [...document.querySelectorAll('#search-results a')];"
                                 " return a.length ? a.map(x => x.getAttribute('href')) : null; })()")
        assert any(h.split("#")[0].endswith(chapter) for h in hrefs), (word, chapter, hrefs)

        before = browser.evaluate("document.documentElement.dataset.theme")
        browser.click(".theme-toggle")
        assert browser.evaluate("document.documentElement.dataset.theme") != before
        browser.screenshot(ARTIFACTS / "landing-toggled-theme.png")
        assert browser.console_errors() == []


def test_a_real_quiz_gives_feedback(real_site, served):
    chapters = sorted(p for p in real_site.glob("vol*/*/*.html") if 'class="quiz-question" data-type="mcq"' in p.read_text())
    if not chapters:
        pytest.fail("no chapter of the book has a multiple-choice self-check yet")
    rel = chapters[0].relative_to(real_site).as_posix()
    with Browser() as browser:
        browser.goto(served + rel)
        browser.click(".quiz-question[data-type=mcq] .quiz-choice")
        feedback = browser.evaluate("document.querySelector('.quiz-question[data-type=mcq] .quiz-feedback').textContent")
        assert feedback.startswith(("Correct", "Not quite"))
        assert browser.console_errors() == []
