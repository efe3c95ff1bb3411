"""Lecture decks (`% lecture: true`): the 75-minute bar, every theme readable, notes and handout exported.

Page images of one lecture deck per theme are kept under build/test-artifacts/slides/ for review.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mlsysbook.slides import build, lecture
from mlsysbook.slides.pdfcheck import page_pixels, pdf_text

DECKS = build.discover_decks()
LECTURES = [d for d in DECKS if lecture.is_lecture(d)]
ARTIFACTS = build.REPO_ROOT / "build" / "test-artifacts" / "slides"


def _pages(pdf: Path) -> tuple[int, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r"Page size:\s+([\d.]+) x", info).group(1))
    return int(re.search(r"Pages:\s+(\d+)", info).group(1)), width


def test_lecture_decks_exist():
    assert LECTURES, "no deck is marked `% lecture: true`"


@pytest.mark.parametrize("deck", LECTURES, ids=[d.name for d in LECTURES])
def test_lecture_deck_meets_the_bar(deck, crimson_build, assets_dir):
    _, results = crimson_build
    problems = lecture.source_problems(deck, lecture.figure_use(DECKS), set(build.defined_numbers(assets_dir)))
    problems += lecture.build_problems(lecture.build_facts(results[deck.name].pdf))
    assert not problems, f"{deck.name}:\n  " + "\n  ".join(problems)


def test_the_bar_rejects_a_recap_deck(crimson_build, assets_dir):
    _, results = crimson_build
    recap = next(d for d in DECKS if not lecture.is_lecture(d))
    facts = lecture.build_facts(results[recap.name].pdf)
    problems = " ".join(lecture.build_problems(facts))
    assert "a 75-minute lecture has 25-40" in problems and "TikZ diagrams on 0 frames" in problems
    assert "frames without speaker notes" in problems
    source = " ".join(lecture.source_problems(recap, lecture.figure_use(DECKS), set()))
    assert "no `pitfall` frame" in source and "unknown mlsysim number keys" in source


def test_figure_shared_by_three_decks_is_rejected():
    deck = LECTURES[0]
    shown = build.FIGURE_REF.findall(deck.source.read_text())[0]
    use = {shown: {deck.name, "vol1-a", "vol1-b"}}
    assert any(f"figure {shown} is shown in 3 decks" in p for p in lecture.source_problems(deck, use, set()))


def _artifact_pages(pdf: Path, folder: Path, theme: str) -> list[Path]:
    # One folder per theme: drop any earlier run's pages for this theme, whichever deck they showed.
    for old in ARTIFACTS.glob(f"{theme}-*"):
        shutil.rmtree(old)
    folder.mkdir(parents=True)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))


@pytest.mark.parametrize("theme", build.THEMES)
def test_every_theme_is_readable_with_page_images_kept(theme, assets_dir):
    # A different lecture deck per theme where there are enough, so each theme sees different diagrams.
    deck = LECTURES[build.THEMES.index(theme) % len(LECTURES)]
    result = build.build_decks([deck], [theme], build.REPO_ROOT / "build" / "instructors" / "slides", assets_dir)[0]
    images = _artifact_pages(result.pdf, ARTIFACTS / f"{theme}-{deck.name}", theme)
    assert len(images) == _pages(result.pdf)[0]
    pages, _ = _pages(result.pdf)
    for page in range(2, pages + 1):
        pixels = page_pixels(result.pdf, page, resolution=30)
        if theme == "midnight":
            assert pixels.mean() < 100, f"page {page} is not dark"
            # No white boxes on dark slides: figures and diagrams use the dark palette.
            white = float((pixels > 250).mean())
            assert white < 0.01, f"midnight page {page}: {white:.1%} of the page is white"
        else:
            assert pixels.mean() > 150, f"{theme} page {page} is not light"


def test_notes_and_handout_are_exported(assets_dir):
    deck = LECTURES[0]
    out = build.REPO_ROOT / "build" / "instructors" / "slides"
    results = {r.variant: r for r in build.build_decks([deck], ["crimson"], out, assets_dir,
                                                      variants=build.VARIANTS)}
    slide_pages, slide_width = _pages(results["slides"].pdf)
    note_pages, note_width = _pages(results["notes"].pdf)
    assert note_pages == slide_pages and note_width == pytest.approx(2 * slide_width, rel=1e-3)
    notes = re.findall(r"\\note\{([^}]{20,})", deck.source.read_text())
    assert notes, "speaker notes in the source"
    first_words = " ".join(notes[0].split()[:4])
    assert first_words in " ".join(pdf_text(results["notes"].pdf).split()), "the notes PDF shows the notes"
    handout_pages, _ = _pages(results["handout"].pdf)
    assert handout_pages == 1, "the handout is one page"
