"""Every deck compiles; one deck in all four themes; clone builds standalone; log checks bite."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from mlsysbook.slides import build, lecture
from mlsysbook.slides.cli import slides as slides_cli
from mlsysbook.slides.clone import parse_chapters

from mlsysbook.slides.pdfcheck import ink_fraction, page_pixels, pdf_text

DECKS = build.discover_decks()
DECK_NAMES = [d.name for d in DECKS]


def test_one_deck_per_chapter_of_both_volumes():
    assert len(build.chapter_slugs("vol1")) == 16 and len(build.chapter_slugs("vol2")) == 17
    assert len(DECKS) == 33


@pytest.mark.parametrize("name", DECK_NAMES)
def test_every_deck_compiles_with_visible_pages(crimson_build, name):
    _, results = crimson_build
    pdf = results[name].pdf
    deck = results[name].deck
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                               text=True, check=True).stdout).group(1))
    if not lecture.is_lecture(deck):
        assert 8 <= pages <= 15, f"{name} has {pages} frames; recap decks have 8-15"
    for page in (1, 2, pages):
        assert ink_fraction(page_pixels(pdf, page)) > 0.005, f"{name} page {page} renders blank"
    title = re.search(r"\\deck\{[^}]*\}\{([^}]*)\}", deck.source.read_text()).group(1)
    text = " ".join(pdf_text(pdf, 1, 1).split())
    # Text must be extractable (pdflatex + T1 fonts), not only drawn.
    assert title.split()[0] in text, f"{name}: title {title!r} not in the PDF text layer: {text[:200]!r}"


def test_napkin_numbers_come_from_mlsysim_not_the_source(crimson_build, assets_dir):
    _, results = crimson_build
    numbers = (assets_dir / "mlsysnumbers.tex").read_text()
    h100_bw = re.search(r"mlsysnum@h100-hbm-tbs\\endcsname\{([^}]*)\}", numbers).group(1)
    text = pdf_text(results["vol1-hw_acceleration"].pdf)
    assert f"{h100_bw} TB/s" in text
    source = build.SLIDES_DIR.joinpath("vol1", "hw_acceleration.tex").read_text()
    assert "\\mnum{h100-hbm-tbs}" in source and f"{h100_bw}\\,TB/s" not in source


def test_unchanged_decks_are_not_rebuilt(crimson_build, assets_dir):
    out, _ = crimson_build
    again = build.build_decks(DECKS[:3], ["crimson"], out, assets_dir, jobs=2)
    assert [r.rebuilt for r in again] == [False, False, False]


def test_a_changed_deck_is_rebuilt_and_an_unchanged_one_is_not(tmp_path, assets_dir):
    deck = _write_deck(tmp_path, "\\begin{frame}{First}Hello\\end{frame}")
    out = tmp_path / "out"
    assert build.build_one(deck, "crimson", out, assets_dir).rebuilt
    assert not build.build_one(deck, "crimson", out, assets_dir).rebuilt
    deck.source.write_text(deck.source.read_text().replace("Hello", "Changed"))
    rebuilt = build.build_one(deck, "crimson", out, assets_dir)
    assert rebuilt.rebuilt and "Changed" in pdf_text(rebuilt.pdf)


def test_deck_inputs_name_only_the_figures_a_deck_uses(assets_dir):
    deck = build.select_decks(DECKS, ["vol1-serving"])[0]
    figures = sorted(p.name for p in build.deck_inputs(deck, assets_dir) if p.suffix == ".pdf")
    # Each figure with its dark (midnight) variant.
    assert figures == ["book-batching-timeline-dark.pdf", "book-batching-timeline.pdf",
                       "fig-serving-batch-dark.pdf", "fig-serving-batch.pdf"]


def test_clone_produces_a_standalone_course_copy(tmp_path):
    dest = tmp_path / "cs249r"
    result = CliRunner().invoke(slides_cli, ["clone", "--course", "CS 249r: ML Systems & Society", "--term",
                                             "Spring 2027", "--instructor", "Ada Lovelace", "--theme", "nature",
                                             "--chapters", "7-8", "--volume", "1", "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in dest.glob("*.tex") if p.name != "mlsysnumbers.tex") == \
        ["07-frameworks.tex", "08-training.tex"]
    # Standalone: nothing from the repository on TEXINPUTS, only the copied folder.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(["latexmk"], cwd=dest, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    pdf = dest / "08-training.pdf"
    title = " ".join(pdf_text(pdf, 1, 1).split())
    for expected in ("CS 249r: ML Systems & Society", "Spring 2027", "Ada Lovelace", "Training"):
        assert expected in title, f"{expected!r} missing from the cloned title slide: {title!r}"
    assert ink_fraction(page_pixels(pdf, 3)) > 0.005
    # The nature theme's warm off-white background, not crimson's pure white.
    background = int(np.bincount(page_pixels(pdf, 3).ravel()).argmax())
    assert 240 <= background < 255, f"background gray {background}: the nature theme was not applied"


def test_clone_refuses_a_non_empty_destination(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(slides_cli, ["clone", "--course", "X", "--term", "Y", "--dest", str(tmp_path)])
    assert result.exit_code != 0 and "not empty" in result.output


@pytest.mark.parametrize("spec, expected", [("1-8", list(range(1, 9))), ("3", [3]), ("1,4,9-11", [1, 4, 9, 10, 11]),
                                            ("2-3,3", [2, 3])])
def test_parse_chapters(spec, expected):
    assert parse_chapters(spec, 16) == expected


@pytest.mark.parametrize("spec, message", [("0-3", "from 1 to 16"), ("5-2", "backwards"), ("one", "not a number"),
                                           ("15-17", "from 1 to 16")])
def test_parse_chapters_rejects_bad_input(spec, message):
    with pytest.raises(build.SlideBuildError, match=message):
        parse_chapters(spec, 16)


def test_unknown_theme_and_deck_are_named():
    with pytest.raises(build.SlideBuildError, match="crimson, midnight, minimal, nature"):
        build.check_theme("sepia")
    with pytest.raises(build.SlideBuildError, match="vol1-training"):
        build.select_decks(DECKS, ["vol1-trianing"])


def _write_deck(tmp_path: Path, body: str) -> build.Deck:
    source = tmp_path / "broken.tex"
    source.write_text("\\documentclass[aspectratio=169,11pt]{beamer}\n\\usepackage{mlsysdeck}\n"
                      "\\deck{Test}{Broken}{deck}\n\\begin{document}\n" + body + "\n\\end{document}\n")
    return build.Deck("vol1", 99, "broken", source)


def test_missing_figure_fails_the_build(tmp_path, assets_dir):
    deck = _write_deck(tmp_path, "\\figureframe{Missing}{fig-does-not-exist}{none}")
    with pytest.raises(build.SlideBuildError, match="fig-does-not-exist"):
        build.build_one(deck, "crimson", tmp_path / "out", assets_dir)


def test_overfull_box_over_10pt_fails_the_build(tmp_path, assets_dir):
    wide = "\\begin{frame}{Wide}\\noindent\\rule{1.2\\textwidth}{2pt}\\par\\end{frame}"
    deck = _write_deck(tmp_path, wide)
    with pytest.raises(build.SlideBuildError, match=r"overfull box \d+\.\dpt > 10pt"):
        build.build_one(deck, "crimson", tmp_path / "out", assets_dir)


def test_log_check_threshold():
    small = "Overfull \\hbox (4.2pt too wide) in paragraph at lines 3--4\n"
    build.check_log(small, "deck", Path("deck.log"))
    with pytest.raises(build.SlideBuildError, match="12.5pt"):
        build.check_log("Overfull \\vbox (12.5pt too high) detected at line 9\n", "deck", Path("deck.log"))


def test_unknown_number_key_stops_the_build_naming_key_and_line(tmp_path, assets_dir):
    deck = _write_deck(tmp_path, "\\begin{frame}{N}\\mnum{h100-hbm-tbs} and \\mnum{no-such-key}\\end{frame}")
    with pytest.raises(build.SlideBuildError, match=r"`no-such-key' \(line 5\).*assets\.py"):
        build.build_one(deck, "crimson", tmp_path / "out", assets_dir)


def test_unknown_number_key_inside_latex_is_reported_whole(tmp_path, assets_dir):
    # A key assembled by a macro slips past the source check; LaTeX's own error must still name it in full.
    deck = _write_deck(tmp_path, "\\newcommand{\\mykey}{no-such-key}\n\\begin{frame}{N}\\mnum{\\mykey}\\end{frame}")
    with pytest.raises(build.SlideBuildError) as err:
        build.build_one(deck, "crimson", tmp_path / "out", assets_dir)
    message = str(err.value)
    assert "Package mlsysdeck Error: Unknown mlsysim number `no-such-key'; register it in " \
           "tools/mlsysbook/slides/assets.py" in message
    assert "broken.tex:6: \\begin{frame}{N}\\mnum{\\mykey}\\end{frame}" in message
    assert "Fatal error occurred" not in message


def test_latex_error_names_the_message_and_source_line(tmp_path, assets_dir):
    deck = _write_deck(tmp_path, "\\begin{frame}{Typo}\n\\textbff{bold}\n\\end{frame}")
    with pytest.raises(build.SlideBuildError) as err:
        build.build_one(deck, "crimson", tmp_path / "out", assets_dir)
    assert "Undefined control sequence" in str(err.value) and "\\textbff{bold}" in str(err.value)


def test_failed_rebuild_leaves_no_stale_pdf_and_says_so(tmp_path, assets_dir):
    deck = _write_deck(tmp_path, "\\begin{frame}{Fine}Hello\\end{frame}")
    out = tmp_path / "out"
    good = build.build_one(deck, "crimson", out, assets_dir)
    assert good.pdf.exists()
    deck.source.write_text(deck.source.read_text().replace("Hello", "\\textbff{x}"))
    with pytest.raises(build.SlideBuildError, match=r"1 deck build\(s\) failed, 0 built; failed decks have no PDF"):
        build.build_decks([deck], ["crimson"], out, assets_dir)
    assert not good.pdf.exists(), "a failed build must not leave the previous PDF looking current"


def test_build_recovers_after_a_theme_file_is_deleted_and_restored(tmp_path, assets_dir):
    themes = tmp_path / "themes"
    shutil.copytree(build.THEME_DIR, themes)
    deck = _write_deck(tmp_path, "\\begin{frame}{Theme}Hello\\end{frame}")
    out = tmp_path / "out"
    assert build.build_one(deck, "crimson", out, assets_dir, theme_dir=themes).rebuilt
    saved = (themes / "mlsystheme-crimson.sty").read_bytes()
    (themes / "mlsystheme-crimson.sty").unlink()
    with pytest.raises(build.SlideBuildError, match="Unknown theme `crimson'"):
        build.build_one(deck, "crimson", out, assets_dir, theme_dir=themes)
    assert not (out / "crimson" / "broken.pdf").exists()
    (themes / "mlsystheme-crimson.sty").write_bytes(saved)
    again = build.build_one(deck, "crimson", out, assets_dir, theme_dir=themes)
    assert again.rebuilt and "Hello" in pdf_text(again.pdf)
