"""Hub pages: the section contract, links that resolve, and syllabi that cover every chapter."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mlsysbook.slides import build

ROOT = build.REPO_ROOT
SITE = ROOT / "instructors" / "site"
REQUIRED_PAGES = ["index", "syllabus-vol1", "syllabus-vol2", "tinyml-track", "pedagogy", "course-map",
                  "customization", "faq", "rubrics", "ta-handbook"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
LABS = yaml.safe_load((ROOT / "labs" / "labs.yml").read_text())["labs"]
DECKS = {d.name for d in build.discover_decks()}


def section():
    return yaml.safe_load((SITE / "_section.yml").read_text())


def pages():
    return {Path(p).stem: (SITE / p).read_text() for p in section()["pages"]}


def anchors(text: str) -> set[str]:
    return set(re.findall(r"\{#([\w-]+)", text))


def test_section_contract():
    spec = section()
    assert spec["title"]
    names = [Path(p).stem for p in spec["pages"]]
    assert names[0] == "index"
    assert sorted(names) == sorted(REQUIRED_PAGES)
    for page in spec["pages"]:
        text = (SITE / page).read_text()
        assert text.startswith("---\ntitle:"), f"{page}: front matter with a title comes first"
        assert re.search(r"^# .+\{#sec-[\w-]+\}$", text, re.M), f"{page}: needs a '# Title {{#sec-...}}' heading"


def resolve(link: str) -> str | None:
    """Return None when the site link resolves to a source in the checkout, else the reason."""
    target, _, anchor = link.partition("#")
    if re.match(r"^[a-z]+://", target):
        return None
    if m := re.fullmatch(r"\.\./(vol[12])/(\w+)/(\w+)\.html", target):
        volume, folder, slug = m.groups()
        if folder != slug or slug not in build.chapter_slugs(volume):
            return f"no chapter {volume}/{slug}"
        return None
    if m := re.fullmatch(r"\.\./labs/(\w+)\.html", target):
        lab = m.group(1)
        return None if lab in LABS and (ROOT / "labs" / f"{lab}.py").exists() else f"no lab {lab}"
    if m := re.fullmatch(r"\.\./(tinytorch|kits)/([\w-]+)\.html", target):
        part, page = m.groups()
        return None if (ROOT / part / "site" / f"{page}.qmd").exists() else f"no {part} page {page}"
    if m := re.fullmatch(r"slides/([\w-]+)\.pdf", target):
        return None if m.group(1) in DECKS else f"no deck {m.group(1)}"
    if m := re.fullmatch(r"([\w-]+)\.qmd", target):
        page = SITE / target
        if not page.exists():
            return f"no hub page {target}"
        if anchor and anchor not in anchors(page.read_text()):
            return f"no anchor #{anchor} in {target}"
        return None
    return "not a recognised site path"


@pytest.mark.parametrize("name", REQUIRED_PAGES)
def test_every_link_resolves(name):
    text = pages()[name]
    links = LINK.findall(text)
    assert links, f"{name} links nowhere"
    broken = {link: why for link in links if (why := resolve(link))}
    assert not broken, f"{name}: broken links {broken}"


def test_resolver_rejects_broken_links():
    assert resolve("../vol1/training/training.html") is None
    assert resolve("../vol1/trainin/trainin.html")
    assert resolve("../labs/no_such_lab.html")
    assert resolve("slides/vol3-intro.pdf")
    assert resolve("rubrics.qmd#sec-rubrics-nowhere")
    assert resolve("../../vol1/training/training.html")


def _schedule_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"^\| \d+ \|", line)]


@pytest.mark.parametrize("page, volume", [("syllabus-vol1", "vol1"), ("syllabus-vol2", "vol2")])
def test_syllabus_covers_every_chapter_in_twelve_weeks(page, volume):
    text = pages()[page]
    rows = _schedule_rows(text)
    assert [int(r.split("|")[1]) for r in rows] == list(range(1, 13))
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 5 and all(cells), f"{page}: every week needs chapters, lab, build work, assessment: {row}"
    linked = set(re.findall(rf"\.\./{volume}/(\w+)/\1\.html", "\n".join(rows)))
    missing = set(build.chapter_slugs(volume)) - linked
    assert not missing, f"{page} never schedules {sorted(missing)}"


def test_vol1_syllabus_walks_all_twenty_tinytorch_modules():
    rows = "\n".join(_schedule_rows(pages()["syllabus-vol1"]))
    modules = {int(n) for n in re.findall(r"tinytorch/module-(\d\d)-", rows)}
    assert modules == set(range(1, 21))


def test_every_lab_is_used_somewhere():
    text = pages()["syllabus-vol1"] + pages()["syllabus-vol2"] + pages()["tinyml-track"]
    used = set(re.findall(r"\.\./labs/(\w+)\.html", text))
    assert set(LABS) - used == set(), f"labs never scheduled: {sorted(set(LABS) - used)}"


def test_tinyml_track_has_a_kit_lab_most_weeks():
    rows = _schedule_rows(pages()["tinyml-track"])
    assert len(rows) == 12
    assert sum("../kits/" in r for r in rows) >= 9


def test_index_links_every_deck():
    linked = set(re.findall(r"slides/([\w-]+)\.pdf", pages()["index"]))
    assert linked == DECKS


@pytest.mark.parametrize("volume", ["vol1", "vol2"])
def test_ta_handbook_has_a_misconception_for_every_chapter(volume):
    section_text = pages()["ta-handbook"].split(f"{{#sec-ta-misconceptions-{volume}}}")[1].split("\n## ")[0]
    covered = set(re.findall(rf"\.\./{volume}/(\w+)/\1\.html", section_text))
    assert covered == set(build.chapter_slugs(volume))


@pytest.mark.parametrize("rubric", ["tinytorch", "labs", "design", "capstone"])
def test_rubrics_have_point_scales_and_exemplars(rubric):
    text = pages()["rubrics"]
    body = text.split(f"{{#sec-rubrics-{rubric}}}")[1].split("\n## ")[0]
    assert re.search(r"\(\d+(?:--\d+)?\)|\b\d+ points\b", body), f"{rubric}: no point scale"
    assert re.search(r"Exemplar", body), f"{rubric}: no exemplars"
    for level in ("Excellent", "Proficient", "Developing"):
        assert f"*{level}" in body or f"| {level}" in body, f"{rubric}: no {level} level"
