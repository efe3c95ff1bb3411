"""The learning companion (issue #19) on a fixture volume: the data the build writes (paragraph anchors,
glossary terms, quiz banks, generated questions with MLSys·im answers) and the page in real headless
Chromium (Playwright + Debian's Chromium): select text -> the explain panel shows the right definition;
quiz -> the review queue gains the card; reload keeps it; export/import round-trips; a corrupt import is
refused with a message and leaves the queue as it was; Ask without an endpoint answers from the book and
sends nothing anywhere; the progress dashboard (progress.html) reflects quiz answers and reading after a
reload. Ask against real servers is in tools/tests_slow/test_companion_ask.py."""
from __future__ import annotations

import json
import re

import mlsysim as ms
import pytest
from mlsysbook.site.headless import serve, tab
from site_helpers import ARTIFACTS, make_project, run_build

from mlsysbook.companion import calc, passages
from mlsysbook.companion.build import NPM_DIR

SHOTS = ARTIFACTS / "companion"
AXE = NPM_DIR.parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"  # make a11y-deps (test-site runs it)
# A worked example added to the fixture chapter: the cloze and calculation questions come from it.
NAPKIN = """
::: {.callout-tip .napkin-math title="Napkin math: ridge point of an H100"}
Dividing the dense BF16 peak by the memory bandwidth gives the ridge point: a kernel needs an
arithmetic intensity above it before compute binds.
:::
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, shared_cache):
    root = make_project(tmp_path_factory.mktemp("companion") / "project")
    chapter = root / "book" / "vol1" / "alpha" / "alpha.qmd"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace("## Diagrams {#sec-alpha-diagrams}", NAPKIN + "\n## Diagrams {#sec-alpha-diagrams}"),
                       encoding="utf-8")
    result = run_build(root, cache=shared_cache)
    assert result.returncode == 0, result.stderr
    return root / "_site"


@pytest.fixture(scope="module")
def volume(site):
    return json.loads((site / "vol1" / "companion.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def served(site):
    with serve(site) as url:
        yield url


# ---------------------------------------------------------------- build-time data
def test_every_passage_links_to_its_own_paragraph(site, volume):
    assert volume["passages"], "no passages indexed"
    for chapter in volume["chapters"]:
        page = (site / chapter["url"]).read_text(encoding="utf-8")
        ids = re.findall(r'<p id="(p-[^"]+)"', page)
        assert len(ids) == len(set(ids)), f"duplicate paragraph anchors in {chapter['url']}"
        mine = [p["a"] for p in volume["passages"] if volume["chapters"][p["c"]] is chapter]
        assert mine == ids, f"{chapter['url']}: passages and paragraph anchors differ"
    ridge = next(p for p in volume["passages"] if p["t"].startswith("The ridge point sits at 295"))
    assert ridge["a"] == "p-alpha-rooflines-2" and ridge["s"] == "sec-alpha-rooflines"
    assert json.loads((site / "companion.json").read_text())["volumes"][0]["url"] == "vol1/companion.json"


def test_glossary_terms_know_their_section_and_the_blocks_using_them(volume):
    terms = {t["term"]: t for t in volume["terms"]}
    assert set(terms) == {"Arithmetic intensity", "Ridge point"}
    ai = terms["Arithmetic intensity"]
    assert ai["definition"] == "The ratio of floating-point operations to bytes moved, in FLOP per byte."
    assert (ai["c"], ai["s"], ai["anchor"]) == (0, "sec-alpha-rooflines", "term-arithmetic-intensity")
    assert [u["title"] for u in ai["uses"]] == ["Napkin math: ridge point of an H100"]
    ridge_uses = {u["kind"]: u["a"] for u in terms["Ridge point"]["uses"]}
    assert ridge_uses["figure"] == "fig-alpha-roofline" and ridge_uses["napkin-math"].startswith("p-alpha-rooflines-")


def test_questions_come_from_the_bank_the_glossary_and_the_worked_example(volume):
    by_origin: dict[str, list[dict]] = {}
    for q in volume["questions"]:
        by_origin.setdefault(q["origin"], []).append(q)
    assert len(by_origin["bank"]) == 3 and by_origin["bank"][0]["prompt"].startswith("Which resource binds")
    term = next(q for q in by_origin["term"] if q["id"].endswith("term-arithmetic-intensity"))
    assert term["choices"][term["answer"]] == "Arithmetic intensity" and "_____" not in term["choices"]
    definition = next(q for q in by_origin["definition"] if "Ridge point" in q["prompt"])
    assert definition["choices"][definition["answer"]].startswith("The arithmetic intensity at which")
    cloze = by_origin["cloze"][0]
    assert "_____" in cloze["prompt"] and cloze["choices"][cloze["answer"]] in {"Arithmetic intensity", "Ridge point"}
    (worked,) = by_origin["calc"]
    hardware = re.search(r"ridge point of the (\S+) in BF16", worked["prompt"]).group(1)
    assert hardware != "H100-SXM", "the question should re-parameterize the worked example, not repeat it"
    hw = ms.hardware(hardware)
    assert worked["answer"] == pytest.approx(hw.peak_flops("bf16") / hw.memory_bw_bytes_per_s, rel=1e-3)
    assert worked["unit"] == "FLOP/B" and worked["a"].startswith("p-alpha-rooflines-")


def test_calculation_questions_never_ask_about_a_model_that_does_not_fit():
    for seed in map(str, range(40)):
        question = calc.question_for("a batch-1 decode step is memory-bound", seed)
        hardware = re.search(r"on a single (\S+),", question.prompt).group(1)
        model = re.search(r"step of (\S+) in BF16", question.prompt).group(1)
        assert 2 * ms.model(model).params < ms.hardware(hardware).memory_bytes, question.prompt


def test_scanning_reads_both_renderers_section_markup():
    quarto_like = ('<main class="content" id="quarto-document-content"><header id="title-block-header">'
                   '<h1 class="title"><span id="sec-c" class="quarto-section-identifier"><span class="chapter-number">'
                   '3</span>  <span class="chapter-title">Chapter</span></span></h1></header>'
                   '<section id="sec-x" class="level2">'
                   '<h2 class="anchored" data-anchor-id="sec-x"><span class="header-section-number">1.1</span> Ex</h2>'
                   '<div class="callout callout-style-default callout-tip callout-titled napkin-math">'
                   '<div class="callout-header"><div class="callout-title-container flex-fill">Napkin math: x</div></div>'
                   '<div class="callout-body-container"><p>A worked example long enough to count as a passage.</p></div></div>'
                   '<p>Prose that follows the callout in the same section, long enough.</p></section></main>')
    scan = passages.scan_page(quarto_like)
    assert scan.title == "Chapter" and scan.sections == {"sec-x": "Ex"}
    assert [(p.id, p.kind) for p in scan.passages] == [("p-x-1", "napkin-math"), ("p-x-2", "")]
    assert scan.blocks[0].title == "Napkin math: x" and scan.blocks[0].anchor == "p-x-1"
    written = passages.write_anchors(quarto_like, scan.insertions)
    assert written.count('<p id="p-x-') == 2


# ---------------------------------------------------------------- in the browser
def _select(page, css: str, text: str) -> None:
    """Select `text` inside the first element matching css, as a reader's drag would."""
    page.evaluate("""([css, text]) => {
      const el = document.querySelector(css);
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      let node; while ((node = walker.nextNode())) {
        const i = node.textContent.indexOf(text);
        if (i >= 0) { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + text.length);
          const s = getSelection(); s.removeAllRanges(); s.addRange(r); return; }
      }
      throw new Error('text not found: ' + text);
    }""", [css, text])


def test_selecting_a_term_explains_it_with_the_books_definition(browser, served):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with tab(browser, "desktop") as t:
        t.page.goto(served + "vol1/beta/beta.html")
        _select(t.page, "#p-beta-back-1", "TPU")  # no glossary term: passages only
        _select(t.page, "#p-beta-wide-1", "ridge point")
        t.page.locator("#companion-explain").click()
        panel = t.page.locator("#companion-panel")
        term = panel.locator(".companion-term").first
        term.wait_for()
        assert term.locator(".companion-term-name").inner_text() == "Ridge point"
        assert "stops being memory-bound" in term.inner_text()
        intro = term.locator("a").first
        assert intro.get_attribute("href").endswith("vol1/beta/beta.html#term-ridge-point")
        assert "Back references" in intro.inner_text()
        uses = [a.get_attribute("href") for a in term.locator(".companion-uses a").all()]
        assert any(h.endswith("alpha.html#fig-alpha-roofline") for h in uses)
        passages_links = [a.get_attribute("href") for a in panel.locator(".companion-passages a").all()]
        assert passages_links and all(re.search(r"\.html#p-[\w-]+$", h) for h in passages_links)
        t.page.screenshot(path=str(SHOTS / "explain-desktop.png"))
        # the passage link lands on the paragraph
        t.page.goto(passages_links[0])
        anchor = passages_links[0].split("#")[1]
        assert t.page.locator(f"#{anchor}").count() == 1
        assert t.errors == [] and t.external == []


# holds back the book's data until the test calls window.__release(): a selection made before it arrives
HOLD_DATA = """(() => { const fetch0 = window.fetch; let release;
  const gate = new Promise(r => { release = r; }); window.__release = release;
  window.fetch = (url, opts) => String(url).includes('companion.json') ? gate.then(() => fetch0(url, opts)) : fetch0(url, opts);
})()"""


def test_a_selection_before_the_data_arrives_answers_at_once_and_a_tab_change_wins(browser, served):
    with tab(browser, "desktop") as t:
        t.page.add_init_script(HOLD_DATA)
        t.page.goto(served + "vol1/beta/beta.html")
        body = t.page.evaluate("() => { mlsysCompanion.explain('the ridge point'); return document.querySelector('#companion-body').innerText; }")
        assert "\u201cthe ridge point\u201d" in body and "Loading the glossary" in body
        # the reader moves to Review while it loads: the explanation arriving later does not take the panel back
        t.page.locator('.companion-tab[data-tab="review"]').click()
        t.page.evaluate("() => window.__release()")
        t.page.locator("#companion-due-count").wait_for()
        t.page.wait_for_timeout(500)
        assert t.page.locator(".companion-term").count() == 0
        assert t.page.locator('.companion-tab[data-tab="review"]').get_attribute("aria-selected") == "true"
        t.page.evaluate("() => mlsysCompanion.explain('the ridge point')")
        assert t.page.locator(".companion-term-name").first.inner_text() == "Ridge point"
        assert t.page.locator(".companion-passages a").count() > 0
        assert t.errors == [] and t.external == []


def _cards(page) -> list[dict]:
    return page.evaluate("""() => new Promise((ok, fail) => {
      const r = indexedDB.open('mlsysbook-companion', 1);
      r.onsuccess = () => { const q = r.result.transaction('cards').objectStore('cards').getAll();
        q.onsuccess = () => ok(q.result); q.onerror = () => fail(q.error); };
      r.onerror = () => fail(r.error);
    })""")


def _quiz_one(page) -> None:
    page.locator("#companion-toggle").click()
    page.locator('.companion-tab[data-tab="quiz"]').click()
    page.locator("#companion-quiz-chapter").click()
    page.locator(".companion-question").wait_for()
    page.locator(".companion-question .companion-choice, .companion-question .companion-submit").first.click()
    if page.locator(".companion-question .companion-feedback p").count() == 0:  # a short answer: reveal, then grade
        page.locator(".companion-question .companion-choice").first.click()
    page.locator(".companion-feedback p").first.wait_for()
    page.wait_for_function("() => window.mlsysCompanion.dueCount().then(n => (window.__due = n, true))")


def test_quiz_answer_enters_the_review_queue_and_survives_a_reload(browser, served):
    with tab(browser, "desktop") as t:
        t.page.goto(served + "vol1/alpha/alpha.html")
        _quiz_one(t.page)
        feedback = t.page.locator(".companion-feedback").inner_text()
        assert re.search(r"Right\.|Not quite\.", feedback)
        assert t.page.locator(".companion-feedback a", has_text="Read the passage").get_attribute("href").startswith(served + "vol1/alpha/alpha.html#")
        t.page.wait_for_function("() => indexedDB.open('mlsysbook-companion', 1) && true")
        t.page.wait_for_timeout(300)
        cards = _cards(t.page)
        assert len(cards) == 1 and cards[0]["chapter"] == "vol1/alpha/alpha.html"
        assert cards[0]["card"]["reps"] == 1 and cards[0]["card"]["last_review"]
        t.page.reload()
        t.page.wait_for_function("() => document.getElementById('companion-toggle')")
        assert _cards(t.page) == cards
        t.page.locator("#companion-toggle").click()
        t.page.locator('.companion-tab[data-tab="progress"]').click()
        t.page.locator(".companion-stats").wait_for()
        assert t.page.locator('[data-stat="answers"] .companion-stat-value').inner_text() == "1"
        assert t.page.locator("#companion-dashboard-link").get_attribute("href") == served + "progress.html"
        assert t.errors == [] and t.external == []


def _answer_current(page, questions: dict, right: bool) -> None:
    """Answer the question on screen rightly or wrongly, knowing its key from the volume's data."""
    box = page.locator(".companion-question")
    q = questions[box.get_attribute("data-qid")]
    if q["type"] == "mcq":
        pick = q["answer"] if right else (q["answer"] + 1) % len(q["choices"])
        box.locator(f'.companion-choice[data-index="{pick}"]').click()
    elif q["type"] == "calc":
        box.locator("input").fill(str(q["answer"] if right else q["answer"] * 10 + 1))
        box.locator(".companion-submit").click()
    else:
        box.locator(".companion-submit").click()
        box.locator(".companion-choice", has_text="I had it" if right else "I missed it").click()
    box.locator(".companion-feedback p").first.wait_for()
    assert ("Right." if right else "Not quite.") in box.locator(".companion-feedback").inner_text()
    page.locator(".companion-next").click()


def test_the_progress_dashboard_reflects_quiz_answers_and_reading_after_a_reload(browser, served, volume):
    """Read a chapter to its end, answer its five quiz questions (three right, two wrong), then the
    dashboard page, reloaded, shows those answers per chapter and per topic, the FSRS retention, the
    streak, and the two missed questions first in what to review next."""
    questions = {q["id"]: q for q in volume["questions"]}
    pattern = [True, True, False, True, False]
    with tab(browser, "desktop") as t:
        t.page.goto(served + "vol1/alpha/alpha.html")
        t.page.mouse.wheel(0, 20000)
        for _ in range(50):  # the companion stores the depth 0.8 s after the scrolling
            t.page.wait_for_timeout(200)
            depth = t.page.evaluate("""() => new Promise(ok => { const r = indexedDB.open('mlsysbook-companion', 1);
              r.onsuccess = () => { const q = r.result.transaction('reading').objectStore('reading').get('vol1/alpha/alpha.html');
                q.onsuccess = () => ok(q.result ? q.result.depth : 0); }; })""")
            if depth == 1:
                break
        assert depth == 1, f"reading depth {depth} after scrolling to the end"
        t.page.locator("#companion-toggle").click()
        t.page.locator('.companion-tab[data-tab="quiz"]').click()
        t.page.locator("#companion-quiz-chapter").click()
        asked = []
        for right in pattern:
            t.page.locator(".companion-question").wait_for()
            asked.append(questions[t.page.locator(".companion-question").get_attribute("data-qid")])
            _answer_current(t.page, questions, right)
        t.page.locator(".companion-body", has_text="3 of 5 right").wait_for()
        t.page.locator(".companion-head-link").click()
        t.page.wait_for_url(served + "progress.html")
        t.page.reload()
        dash = t.page.locator("#companion-dashboard[aria-busy=false]")
        dash.wait_for()
        stat = lambda name: dash.locator(f'[data-stat="{name}"] .companion-stat-value').inner_text()
        assert (stat("answers"), stat("accuracy"), stat("streak"), stat("read")) == ("5", "60%", "1 day", "1")
        assert re.fullmatch(r"(9\d|100)%", stat("retention")), stat("retention")  # reviewed a moment ago
        alpha = dash.locator('tr[data-chapter="vol1/alpha/alpha.html"]')
        assert "100%" in alpha.locator("td").nth(1).inner_text()
        assert alpha.locator(".companion-accuracy").inner_text() == "60% of 5"
        assert re.fullmatch(r"(9\d|100)%", alpha.locator(".companion-retention").inner_text())
        beta = dash.locator('tr[data-chapter="vol1/beta/beta.html"]')
        assert beta.locator(".companion-accuracy").inner_text() == "\u2013"
        by_topic: dict[str, list[bool]] = {}
        for q, right in zip(asked, pattern):
            if q["s"]:  # a question of the chapter as a whole counts for the chapter only
                by_topic.setdefault(f"vol1/alpha/alpha.html#{q['s']}", []).append(right)
        assert by_topic, "the chapter quiz asked nothing about a section"
        for topic, answers in by_topic.items():
            want = f"{round(100 * sum(answers) / len(answers))}% of {len(answers)}"
            assert dash.locator(f'tr[data-topic="{topic}"] .companion-accuracy').inner_text() == want, topic
        kinds = {"bank": "Chapter self-checks", "term": "Definitions", "definition": "Definitions",
                 "cloze": "Worked examples (fill the gap)", "calc": "Calculations (MLSys\u00b7im)"}
        by_kind: dict[str, list[bool]] = {}
        for q, right in zip(asked, pattern):
            by_kind.setdefault(kinds[q["origin"]], []).append(right)
        shown = {row.get_attribute("data-kind"): row.locator(".companion-accuracy").inner_text()
                 for row in dash.locator(".companion-kinds tbody tr").all()}
        assert shown == {k: f"{round(100 * sum(v) / len(v))}% of {len(v)}" for k, v in by_kind.items()}
        cards = dash.locator('.companion-next-list li[data-kind="card"]')
        assert cards.count() == 5
        missed = [q["prompt"][:40] for q, right in zip(asked, pattern) if not right]
        assert sorted(missed) == sorted(cards.nth(i).inner_text().split(" \u2014 ", 1)[1][:40] for i in range(2))
        t.page.screenshot(path=str(SHOTS / "progress-dashboard-desktop.png"), full_page=True)
        assert t.errors == [] and t.external == []
    with tab(browser, "phone") as t:  # a fresh browser: nothing stored, the page says how to start
        t.page.goto(served + "progress.html")
        t.page.locator("#companion-dashboard[aria-busy=false]").wait_for()
        assert "Nothing yet" in t.page.locator("#companion-dashboard").inner_text()
        assert t.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        assert t.errors == [] and t.external == []


def test_export_import_round_trip_and_a_corrupt_file_is_refused(browser, served, tmp_path):
    with tab(browser, "desktop") as t:
        t.page.goto(served + "vol1/alpha/alpha.html")
        _quiz_one(t.page)
        t.page.wait_for_timeout(300)
        before = _cards(t.page)
        assert before
        t.page.locator('.companion-tab[data-tab="review"]').click()
        with t.page.expect_download() as download:
            t.page.locator(".companion-export").click()
        exported = tmp_path / "progress.json"
        download.value.save_as(exported)
        data = json.loads(exported.read_text())
        assert data["format"] == "mlsysbook-companion" and len(data["cards"]) == len(before)
        assert "key" not in json.dumps(data).lower().replace("keypath", "")
        # a corrupt file: refused with a message, the queue untouched
        corrupt = tmp_path / "corrupt.json"
        corrupt.write_text(exported.read_text()[:-40])
        t.page.locator(".companion-import-file").set_input_files(str(corrupt))
        message = t.page.locator(".companion-transfer-message")
        message.filter(has_text="Not imported").wait_for()
        assert "not JSON" in message.inner_text() and "unchanged" in message.inner_text()
        bad_card = dict(data, cards=[dict(data["cards"][0], card={"due": "never"})])
        wrong = tmp_path / "wrong.json"
        wrong.write_text(json.dumps(bad_card))
        t.page.locator(".companion-import-file").set_input_files(str(wrong))
        message.filter(has_text="card 1 is malformed").wait_for()
        assert _cards(t.page) == before
        # round trip: a fresh browser profile imports the file and gets the same queue
    with tab(browser, "desktop") as fresh:
        fresh.page.goto(served + "vol1/alpha/alpha.html")
        fresh.page.locator("#companion-toggle").click()
        fresh.page.locator('.companion-tab[data-tab="review"]').click()
        fresh.page.locator(".companion-import-file").set_input_files(str(exported))
        fresh.page.locator(".companion-transfer-message", has_text="Imported").wait_for()
        assert _cards(fresh.page) == before
        assert fresh.errors == [] and fresh.external == []


def test_ask_without_an_endpoint_answers_from_the_book_and_sends_nothing(browser, served):
    with tab(browser, "phone") as t:
        t.page.goto(served + "vol1/alpha/alpha.html")
        t.page.locator("#companion-toggle").click()
        t.page.locator('.companion-tab[data-tab="ask"]').click()
        assert "Nothing leaves this browser" in t.page.locator("#companion-ask-mode").inner_text()
        t.page.locator("#companion-question").fill("Where is the ridge point of the roofline?")
        t.page.locator("#companion-ask").click()
        first = t.page.locator("#companion-answer .companion-passages a").first
        first.wait_for()
        assert re.search(r"#p-(alpha|beta)-", first.get_attribute("href"))
        overflow = t.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        t.page.screenshot(path=str(SHOTS / "ask-phone.png"))
        assert t.errors == [] and t.external == []
        assert not [u for u in t.requested if "chat/completions" in u]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_companion_view_passes_axe(browser, served, theme):
    """axe-core (tools/a11y, the site's accessibility check) on the panel's views and the header button."""
    axe = AXE.read_text(encoding="utf-8")
    with tab(browser, "desktop") as t:
        t.page.add_init_script(f"localStorage.setItem('mlsysbook-theme', '{theme}')")
        t.page.goto(served + "vol1/alpha/alpha.html")
        t.page.add_script_tag(content=axe)
        t.page.locator("#companion-toggle").click()
        for view in ("explain", "quiz", "review", "progress", "ask"):
            t.page.locator(f'.companion-tab[data-tab="{view}"]').click()
            t.page.locator(".companion-body :is(p, button, h3)").first.wait_for()
            t.page.wait_for_function("() => !document.querySelector('#companion-body').textContent.startsWith('Loading')")
            for target in ("#companion-panel", "#companion-toggle"):
                found = t.page.evaluate("async (css) => (await axe.run(document.querySelector(css))).violations"
                                        ".map(v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)",
                                        target)
                assert [v for v in found if v.split()[0] in ("serious", "critical")] == [], f"{view} ({theme}): {found}"
        t.page.goto(served + "progress.html")
        t.page.add_script_tag(content=axe)
        t.page.locator("#companion-dashboard[aria-busy=false]").wait_for()
        found = t.page.evaluate("async () => (await axe.run(document.querySelector('main'))).violations"
                                ".map(v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)")
        assert [v for v in found if v.split()[0] in ("serious", "critical")] == [], f"progress.html ({theme}): {found}"


def test_the_site_copies_the_pinned_libraries_without_source_maps(site):
    vendor = site / "assets" / "companion-vendor"
    for name in ("ts-fsrs.js", "purify.min.js", "marked.js"):
        text = (vendor / name).read_text(encoding="utf-8")
        assert "sourceMappingURL" not in text
        assert (vendor / f"{name.rsplit('.', 1)[0]}.LICENSE.txt").is_file()
    lock = json.loads((NPM_DIR / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/ts-fsrs"]["version"] == "5.4.2"
