"""Deck sources: every deck has the required frame kinds; numbers and figures exist in the generators."""
from __future__ import annotations

import re

import pytest

from mlsysbook.slides import assets, build, lecture

DECKS = build.discover_decks()
MNUM = re.compile(r"\\mnum\{([\w-]+)\}")


RECAPS = [d for d in DECKS if not lecture.is_lecture(d)]


@pytest.mark.parametrize("deck", RECAPS, ids=[d.name for d in RECAPS])
def test_recap_deck_has_objectives_ideas_napkin_figure_and_discussion(deck):
    # Lecture decks meet the larger bar in test_lecture_decks.py.
    source = deck.source.read_text()
    assert source.count("\\begin{objectives}") == 1
    assert source.count("\\begin{keyidea}") >= 3, "at least three key-idea frames"
    napkin = re.search(r"\\begin\{napkin\}(.*?)\\end\{napkin\}", source, re.S)
    assert napkin and MNUM.search(napkin.group(1)), "the napkin-math frame must use mlsysim numbers (\\mnum)"
    assert build.FIGURE_REF.search(source), "a figure frame from the book or mlsysim"
    discussion = re.search(r"\\begin\{discussion\}(.*?)\\end\{discussion\}", source, re.S)
    assert discussion and discussion.group(1).count("\\item") >= 3


@pytest.mark.parametrize("deck", DECKS, ids=[d.name for d in DECKS])
def test_deck_title_names_its_chapter(deck):
    title = re.search(r"\\deck\{Volume (I+), Chapter (\d+)\}", deck.source.read_text())
    assert title, "\\deck{Volume N, Chapter M}{Title}{Subtitle} names the chapter"
    assert (title.group(1), int(title.group(2))) == ("I" * int(deck.volume[-1]), deck.number)


def test_every_number_a_deck_uses_is_generated_and_every_generated_number_is_used():
    used = {key for deck in DECKS for key in MNUM.findall(deck.source.read_text())}
    assert used - set(assets.NUMBERS) == set(), "decks use numbers assets.py does not generate"
    assert set(assets.NUMBERS) - used == set(), "assets.py generates numbers no deck uses"


def test_every_figure_a_deck_uses_has_a_generator():
    available = set(assets.FIGURES) | set(assets.BOOK_SVGS)
    used = {name for deck in DECKS for name in build.FIGURE_REF.findall(deck.source.read_text())}
    assert used <= available, f"figures without a generator: {sorted(used - available)}"
    assert available <= used, f"generated figures no deck shows: {sorted(available - used)}"


def test_napkin_numbers_are_plausible():
    # Spot checks against independent arithmetic on catalog values, not the generator's own output.
    import mlsysim as ms

    h100 = ms.hardware("H100-SXM")
    assert assets.NUMBERS["h100-ridge"]() == assets._sig(h100.peak_flops("bf16") / h100.memory_bw_bytes_per_s)
    params = ms.model("Llama-3-8B").params
    assert abs(float(assets.NUMBERS["tm-opt-gb"]().replace("{,}", "")) - 12 * params / 1e9) < 1.0
    assert assets.NUMBERS["mlp-bound-b1"]() == "memory" and assets.NUMBERS["mlp-bound-b512"]() == "compute"


@pytest.mark.parametrize("name", sorted(assets.FIGURES))
def test_no_figure_stacks_bars_on_a_log_axis(name):
    # On a log axis a stacked segment's visible height depends on what lies below it; small parts vanish.
    from matplotlib.patches import Rectangle

    fig = assets.draw_figure(name)
    for ax in fig.axes:
        if ax.get_yscale() != "log":
            continue
        floor = ax.get_ylim()[0]
        for bar in (p for p in ax.patches if isinstance(p, Rectangle)):
            assert bar.get_y() <= floor or bar.get_y() == 0, f"{name}: a bar starts at {bar.get_y():g}, stacked on another"
    assets._plt().close(fig)


def test_the_log_axis_check_catches_a_stacked_chart():
    plt = assets._plt()
    fig, ax = plt.subplots()
    ax.bar(["7B"], [14.0])
    ax.bar(["7B"], [100.0], bottom=[14.0])
    ax.set_yscale("log")
    ax.set_ylim(1, 200)
    stacked = [p.get_y() for p in ax.patches if p.get_y() > ax.get_ylim()[0]]
    plt.close(fig)
    assert stacked == [14.0]


@pytest.mark.parametrize("name", sorted(assets.FIGURES))
def test_dark_figure_variant_has_a_dark_background(name):
    fig = assets.draw_figure(name, build.DARK_SUFFIX)
    red, green, blue, _ = fig.get_facecolor()
    assert max(red, green, blue) < 0.2, f"{name}-dark is drawn on a light background"
    assets._plt().close(fig)
