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


def test_every_chapter_deck_is_a_lecture():
    """Both volumes' chapter decks are 75-minute lectures (issues #15, #20); a recap deck added or a marker
    dropped fails here, naming the deck."""
    recaps = [d.name for d in DECKS if not lecture.is_lecture(d)]
    assert LECTURES and not recaps, f"decks without `% lecture: true` on their first line: {recaps}"


@pytest.mark.parametrize("deck", LECTURES, ids=[d.name for d in LECTURES])
def test_lecture_deck_meets_the_bar(deck, crimson_build, assets_dir):
    _, results = crimson_build
    problems = lecture.source_problems(deck, lecture.figure_use(DECKS), set(build.defined_numbers(assets_dir)))
    problems += lecture.build_problems(lecture.build_facts(results[deck.name].pdf))
    assert not problems, f"{deck.name}:\n  " + "\n  ".join(problems)


RECAP_FRAMES = 10


def _recap_deck(folder: Path, number_key: str) -> build.Deck:
    """A 15-minute recap in the old style: a title and nine bullet frames, no diagrams, no notes."""
    bullets = "\n".join(
        f"\\begin{{keyidea}}{{Idea {n}}}\n  \\item Point {n}, worth \\mnum{{{number_key}}}.\n\\end{{keyidea}}"
        for n in range(1, RECAP_FRAMES - 1))
    source = folder / "vol2" / "recap.tex"
    source.parent.mkdir(parents=True)
    source.write_text("\\documentclass[aspectratio=169,11pt]{beamer}\n\\usepackage{mlsysdeck}\n"
                      "\\deck{Volume II, Chapter 99}{A Recap}{Bullets only}\n\\begin{document}\n\\titleframe\n"
                      "\\begin{objectives}\n  \\item Recall the chapter.\n\\end{objectives}\n"
                      f"{bullets}\n\\end{{document}}\n")
    return build.Deck("vol2", 99, "recap", source)


def test_the_bar_rejects_a_recap_deck(tmp_path, assets_dir):
    # Built with the real build code, so the facts come from a real .nav and .log, as for a lecture.
    recap = _recap_deck(tmp_path, build.defined_numbers(assets_dir)[0])
    assert not lecture.is_lecture(recap)
    result = build.build_one(recap, "crimson", tmp_path / "out", assets_dir)
    facts = lecture.build_facts(result.pdf)
    assert facts.frames == RECAP_FRAMES and not facts.diagram_frames and not facts.noted_frames
    problems = lecture.build_problems(facts)
    assert f"{RECAP_FRAMES} frames; a 75-minute lecture has 25-40" in problems
    assert any(p.startswith("TikZ diagrams on 0 frames") for p in problems)
    assert f"frames without speaker notes (\\note{{...}}): {list(range(2, RECAP_FRAMES + 1))}" in problems
    source = " ".join(lecture.source_problems(recap, lecture.figure_use([recap]), set()))
    assert "no `pitfall` frame" in source and "no figure of its own" in source
    assert "unknown mlsysim number keys" in source


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
