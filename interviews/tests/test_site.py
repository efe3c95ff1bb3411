"""Generated playbook pages: every view, the JSON, and escaping of question text."""

from __future__ import annotations

import html
import json
import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import make_question, write_bank

from staffml.bank import Bank
from staffml.schema import Area, Level, Track
from staffml.site import _prose, build_site
from staffml.text import reflow

HOSTILE = make_question(
    id="cloud-hostile-text",
    title='<img src=x onerror="window.__pwned=1"> & friends',
    scenario='<script>window.__pwned=2</script> {{ literal braces }} [link](javascript:alert(1)) '
             'reads {weights_gb} GB at {bw_gbps} GB/s.',
    strong_answer=["</li><script>window.__pwned=3</script>", "\"quotes\" and 'apostrophes'"],
    common_mistakes=["```{{=html}}\n<script>window.__pwned=4</script>\n```"],
)


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    bank = Bank()
    build_site(bank, out)
    return bank, out


def test_every_browse_view_is_generated(real_site):
    bank, out = real_site
    names = {p.name for p in out.iterdir()}
    expected = {f"track-{t.value}.qmd" for t in Track} | {f"area-{a.value}.qmd" for a in Area} \
        | {f"level-{lvl.value}.qmd" for lvl in Level}
    assert expected | {"browse.qmd", "practice.qmd", "mock.qmd", "practice.js", "browse.css", "questions.json",
                       "questions.js"} <= names
    # every page is a site page (header, search, theme): nothing is served outside the renderer
    assert not {name for name in names if name.endswith(".html")}, names
    for track in Track:
        page = (out / f"track-{track.value}.qmd").read_text()
        assert page.count('class="staffml-question"') == len(bank.filter(track=track.value))
        assert page.count("<details>") == page.count('class="staffml-question"')  # answers behind a reveal


def test_questions_json_carries_rendered_numbers(real_site):
    bank, out = real_site
    payload = json.loads((out / "questions.json").read_text())
    assert payload["count"] == len(bank) == len(payload["questions"])
    by_id = {q["id"]: q for q in payload["questions"]}
    for lq in bank:
        assert by_id[lq.question.id]["solution"] == lq.text("solution")
        assert "{" not in by_id[lq.question.id]["solution"] or "{{" in lq.question.solution


def test_chapter_and_lab_links_are_site_relative(real_site):
    _, out = real_site
    text = "".join(p.read_text() for p in out.glob("area-*.qmd"))
    hrefs = set(re.findall(r'href="([^"]+)"', text))
    assert any(h.startswith("../vol1/") for h in hrefs) and any(h.startswith("../vol2/") for h in hrefs)
    for href in hrefs:
        assert re.fullmatch(r"\.\./vol[12]/(\w+)/\1\.html(#sec-\1(-[a-z0-9-]+)?)?|\.\./labs/\w+\.html|browse\.css"
                            r"|track-[a-z]+\.html#[a-z0-9-]+", href), href
    assert any("#sec-" in h for h in hrefs), "Volume II questions link the section that teaches them"


def test_chain_steps_link_to_each_other(real_site):
    bank, out = real_site
    page = (out / "track-cloud.qmd").read_text()
    ids = set(re.findall(r'<section class="staffml-question" id="([^"]+)"', page))
    targets = re.findall(r'href="track-cloud\.html#([^"]+)"', page)
    assert targets and set(targets) <= ids  # every chain link lands on a question of that page
    first = bank.get("cloud-llama70b-fit-one-gpu")
    chain_size = sum(1 for lq in bank if lq.question.chain and lq.question.chain.id == first.question.chain.id)
    section = page.split('id="cloud-llama70b-fit-one-gpu"', 1)[1].split("</section>", 1)[0]
    assert section.count("<li><a href=\"track-cloud.html#") == chain_size - 1


def test_front_matter_is_valid_yaml(real_site):
    _, out = real_site
    for page in out.glob("*.qmd"):
        front = page.read_text().split("---")[1]
        assert yaml.safe_load(front)["title"]


def test_hostile_question_text_is_escaped(tmp_path):
    bank = Bank(write_bank(tmp_path / "q", [HOSTILE]))
    out = tmp_path / "site"
    build_site(bank, out)
    page = (out / "area-memory-hierarchy.qmd").read_text()
    body = page.split("```{=html}", 1)[1]
    assert "<script>" not in body and "<img" not in body and "```" not in body.rsplit("```", 1)[0]
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;" in body
    assert "{ literal braces }" in body
    assert 'href="javascript' not in page
    js = (out / "questions.js").read_text()
    data = json.loads(js[len("window.STAFFML_QUESTIONS = "):-2])
    assert data["questions"][0]["title"].startswith("<img")  # kept as text; the page inserts it as text


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_prose_rendering_never_emits_markup_from_text(text):
    html_out = _prose(reflow(text))
    stripped = re.sub(r"</?(p|ul|li)>", "", html_out)
    assert "<" not in stripped and ">" not in stripped and "`" not in stripped
    # nothing but list markers and whitespace is dropped: the text survives, escaped
    expected = re.sub(r"(?m)^\s*- ", "", reflow(text))
    assert "".join(html.unescape(stripped).split()) == "".join(expected.split())


def test_unwritten_chapters_and_labs_render_as_text(tmp_path, monkeypatch):
    import staffml.site as site_module

    bank = Bank(write_bank(tmp_path / "q", [make_question(lab="roofline")]))
    monkeypatch.setattr(site_module, "REPO_ROOT", tmp_path / "empty-checkout")
    page = site_module.question_html(bank.get("cloud-sample-bandwidth"))
    assert "href=" not in page and "Serving (Volume I)" in page and "Lab: Roofline" in page
    assert "vol1/serving" not in page


def test_read_more_links_show_titles_not_slugs(real_site):
    """Chapter, section and lab links read as the titles the reader sees in the book (issue #18)."""
    _, out = real_site
    text = "".join(p.read_text() for p in out.glob("area-*.qmd"))
    anchors = re.findall(r'<a href="(\.\./(?:vol[12]|labs)/[^"]+)">([^<]+)</a>', text)
    assert anchors
    for href, label in anchors:
        assert not re.search(r"vol[12]/|sec-|_", label), (href, label)
    assert '<a href="../vol1/serving/serving.html">Model Serving (Volume I)</a>' in text
    assert re.search(r'<a href="\.\./vol2/collective_communication/collective_communication\.html#sec-[^"]+">§ '
                     r'[A-Z][^<]+</a>', text)
    assert '<a href="../labs/roofline.html">Lab: Roofline Explorer</a>' in text


def test_practice_data_names_every_linked_chapter(real_site):
    bank, out = real_site
    js = (out / "questions.js").read_text()
    data = json.loads(js[len("window.STAFFML_QUESTIONS = "):-2])
    linked = {c for lq in bank for c in lq.question.chapters}
    assert set(data["labels"]["chapter"]) == linked
    assert data["labels"]["chapter"]["vol1/serving"] == "Model Serving (Volume I)"
    assert all("/" not in title for title in data["labels"]["chapter"].values())


# ----- theme, titles and wording of the generated pages ------------------------------------------

def _browse_pages(out):
    return [p for p in out.glob("*.qmd") if p.name not in ("browse.qmd", "mock.qmd", "practice.qmd")]


def test_browse_pages_use_the_theme_aware_stylesheet_only(real_site):
    _, out = real_site
    pages = _browse_pages(out)
    assert len(pages) == len(Track) + len(Area) + len(Level)
    for page in pages:
        text = page.read_text()
        assert 'href="browse.css"' in text and "practice.css" not in text, page.name


def test_mock_page_lives_in_the_shell_with_theme_aware_styles(real_site):
    _, out = real_site
    page = (out / "mock.qmd").read_text()
    assert 'href="browse.css"' in page and "practice.css" not in page
    assert page.index('src="questions.js"') < page.index('src="practice.js"') < page.index('src="mock.js"')
    assert (out / "mock.js").is_file()


def test_browse_stylesheet_leaves_page_layout_and_colours_to_the_site_theme(real_site):
    _, out = real_site
    css = (out / "browse.css").read_text()
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    selectors = [sel.strip() for block in re.findall(r"([^{}]+)\{", rules) for sel in block.split(",")]
    assert selectors and not any(re.match(r"(body|main|html)\b", sel) for sel in selectors), selectors
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b", rules)  # no hard-coded colour that ignores dark mode
    for variable in ("--surface", "--fg", "--border", "--code-bg"):
        assert f"var({variable})" in rules


def test_practice_page_lives_in_the_shell_with_theme_aware_styles(real_site):
    _, out = real_site
    page = (out / "practice.qmd").read_text()
    assert yaml.safe_load(page.split("---")[1])["title"] == "Practice mode"
    assert 'href="browse.css"' in page and 'class="staffml-practice"' in page
    assert page.index('src="questions.js"') < page.index('src="practice.js"')
    assert "[About the playbook](index.html)" in page
    assert ".staffml-practice .card" in (out / "browse.css").read_text()


def test_level_titles_and_counts_read_naturally(tmp_path):
    bank_dir = tmp_path / "q"
    write_bank(bank_dir, [make_question()])
    out = tmp_path / "site"
    build_site(Bank(bank_dir), out)
    assert 'title: "Mid-level"' in (out / "level-mid.qmd").read_text()
    assert "1 question. " in (out / "track-cloud.qmd").read_text()
    assert "0 questions. " in (out / "track-edge.qmd").read_text()
    assert "question(s)" not in "".join(p.read_text() for p in out.glob("*.qmd"))


def test_chains_in_browse_index_show_titles_and_link_to_first_step(real_site):
    bank, out = real_site
    index = (out / "browse.qmd").read_text()
    first = bank.get("cloud-llama70b-fit-one-gpu")
    chain_id = first.question.chain.id
    assert first.question.chain.step == 1
    chain_line = next(line for line in index.split("Multi-step chains", 1)[1].splitlines()
                      if line.startswith("- ") and first.question.id in line)
    assert f"(track-cloud.html#{first.question.id})" in chain_line
    assert first.text("title").split()[0] in chain_line
    assert chain_id not in chain_line.replace(f"#{first.question.id}", "")
