"""The real site: builds, passes the checker, has every part and chapter, and behaves in Chromium."""
from __future__ import annotations

import html
import json
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
import yaml
from repo_paths import ARTIFACTS, REPO

from mlsysbook.site import project
from mlsysbook.site.headless import tab
from mlsysbook.site.check import check_site


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


def test_volume_index_lists_every_chapter_with_its_number(real_site):
    """Filled by book/_filters/volume_toc.lua, so Quarto's rendering of the index lists them too."""
    site = project.load_site(REPO)
    for part in (p for p in site.parts if p.kind == "volume"):
        index = (real_site / part.index.out).read_text()
        toc = index[index.index('<div class="volume-toc">'):]
        for page in part.pages[1:]:
            href = project.relative_url(part.index.out, page.out)
            number = f'<span class="chapter-number">{page.number}</span> ' if page.number else ""
            assert f'<a href="{href}">{number}<span class="chapter-title">' in toc, page.out


def test_landing_and_navigation_reach_every_part(real_site):
    site = project.load_site(REPO)
    landing = (real_site / "index.html").read_text()
    for part in site.parts:
        assert f'href="{part.index.out}"' in landing, part.key
    expected = {"vol1", "vol2"} | {d.name for d in REPO.iterdir() if (d / "site" / "_section.yml").is_file()}
    assert {p.key for p in site.parts} == expected


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


def test_landing_in_chromium_search_theme(real_site, served, browser):
    with tab(browser) as page:
        page.goto(served + "index.html")
        assert page.console_errors() == []
        external = [u for u in page.requested_urls() if urlsplit(u).hostname not in ("127.0.0.1", None)]
        assert external == []
        page.screenshot(ARTIFACTS / "landing.png")

        word, chapter = _distinctive_chapter_word(real_site)
        page.type_into("#search-input", word)
        hrefs = page.wait_for("(() => { const a = [...document.querySelectorAll('#search-results a')];"
                              " return a.length ? a.map(x => x.getAttribute('href')) : null; })()")
        assert any(h.split("#")[0].endswith(chapter) for h in hrefs), (word, chapter, hrefs)

        before = page.evaluate("document.documentElement.dataset.theme")
        page.click(".theme-toggle")
        assert page.evaluate("document.documentElement.dataset.theme") != before
        page.screenshot(ARTIFACTS / "landing-toggled-theme.png")
        assert page.console_errors() == []


def test_a_real_quiz_gives_feedback(real_site, served, browser):
    chapters = sorted(p for p in real_site.glob("vol*/*/*.html") if 'class="quiz-question" data-type="mcq"' in p.read_text())
    if not chapters:
        pytest.fail("no chapter of the book has a multiple-choice self-check yet")
    rel = chapters[0].relative_to(real_site).as_posix()
    with tab(browser) as page:
        page.goto(served + rel)
        page.click(".quiz-question[data-type=mcq] .quiz-choice")
        feedback = page.evaluate("document.querySelector('.quiz-question[data-type=mcq] .quiz-feedback').textContent")
        assert feedback.startswith(("Correct", "Not quite"))
        assert page.console_errors() == []


def _front_matter(path) -> dict:
    text = path.read_text()
    return yaml.safe_load(text.split("---", 2)[1]) if text.startswith("---") else {}


def test_landing_cards_each_have_a_one_line_description(real_site):
    landing = (real_site / "index.html").read_text()
    cards = re.findall(r'<a class="card" href="([^"]+)">.*?<span class="card-subtitle">(.*?)</span></a>', landing)
    assert len(cards) == len(project.load_site(REPO).nav_parts)
    for href, blurb in cards:
        assert 10 <= len(html.unescape(blurb)) <= 110, (href, blurb)


def test_chapter_companion_links_are_named_by_their_titles(real_site):
    """The box under a chapter title names the lab, module and kit as the learner will see them there."""
    labs = yaml.safe_load((REPO / "labs" / "labs.yml").read_text())["labs"]
    checked = 0
    for source in sorted(REPO.glob("book/vol*/*/*.qmd")):
        meta = _front_matter(source)
        page = real_site / source.relative_to(REPO / "book").with_suffix(".html")
        if not meta or not page.is_file():
            continue
        box = re.search(r'<div class="lab-links".*?</div>', page.read_text(), re.S)
        if meta.get("lab"):
            assert f'>{html.escape(labs[meta["lab"]]["title"], quote=False)}</a>' in box.group(0), source
            checked += 1
        if meta.get("kit"):
            kit_title = _front_matter(REPO / "kits" / "site" / f'{meta["kit"]}.qmd')["title"]
            assert f">{html.escape(kit_title, quote=False)}</a>" in box.group(0), source
            checked += 1
    assert checked, "no chapter names a lab or kit in its front matter"


def test_volume_references_page_is_never_a_bare_heading(real_site):
    for volume in ("vol1", "vol2"):
        page = (real_site / volume / "references.html").read_text()
        assert 'class="csl-entry"' in page or "No chapter of this volume cites a source yet" in page, volume


def test_search_index_knows_every_exported_lab_and_lists_each_place_once(real_site):
    docs = json.loads((real_site / "search.json").read_text())
    urls = [d["url"] for d in docs]
    assert len(urls) == len(set(urls)), [u for u, n in Counter(urls).items() if n > 1][:5]
    labs = yaml.safe_load((REPO / "labs" / "labs.yml").read_text())["labs"]
    exported = {lab for lab in labs if (real_site / "labs" / f"{lab}.html").is_file()}
    assert exported, "no lab is exported into the site"
    by_url = {d["url"]: d for d in docs}
    for lab in exported:
        assert by_url[f"labs/{lab}.html"]["title"] == labs[lab]["title"]


def test_real_pages_fit_a_phone_screen(real_site, served, browser):
    """At 390 px nothing widens the page: long DOIs wrap, wide tables scroll inside themselves."""
    chapter_with_refs = next(p for p in sorted(real_site.glob("vol1/*/*.html")) if 'class="csl-entry"' in p.read_text())
    pages = ["index.html", chapter_with_refs.relative_to(real_site).as_posix(), "vol1/references.html",
             "vol1/glossary.html", "labs/index.html", "interviews/browse.html", "instructors/index.html"]
    with tab(browser, "phone") as phone:
        for rel in pages:
            phone.goto(served + rel)
            assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), rel


def test_tables_with_links_size_their_columns_to_content(real_site):
    """Like Quarto's `tbl-colwidths: auto`: dash-count widths squeeze the linked column of wide tables."""
    squeezed = []
    for page in sorted(real_site.rglob("*.html")):
        text = page.read_text(errors="replace")
        if '<article class="page' not in text:
            continue  # exported labs and standalone apps are not rendered from markdown
        for table in re.findall(r"<table.*?</table>", text, re.S):
            head, _, cells = table.partition("<thead")
            if "<a " in cells and 'style="width:' in head:  # a citation in the caption does not count
                squeezed.append(page.relative_to(real_site).as_posix())
    assert squeezed == []
