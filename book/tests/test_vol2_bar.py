"""Volume II chapters marked complete are held to their own, higher bar (issue #14); Volume I's is unchanged."""
from __future__ import annotations

from toybook import SLUG, bib_entries, complete_chapter, quiz

from mlsysbook.content import check_book
from mlsysbook.content.bar import BAR, VOL2_BAR, bar_for


def _as_volume(toy_book, volume):
    """Move the toy book's only volume to ``volume`` and return that chapter's report."""
    if volume != "vol1":
        (toy_book.root / "vol1").rename(toy_book.root / volume)
    report = check_book(toy_book.root, volumes=(volume,))
    (ch,) = report.chapters
    return report, ch


def vol2_chapter() -> str:
    """A toy chapter that meets the Volume II bar exactly."""
    exercises = "\n".join(f"{i + 1}. **[{level}]** Estimate the time of step {i}."
                          for i, level in enumerate(["Easy", "Easy", "Medium", "Medium", "Hard", "Hard"]))
    return complete_chapter(
        words=VOL2_BAR.words_min + 50, citations=VOL2_BAR.citations_min,
        napkin="\n".join(f'::: {{.callout-tip .napkin-math title="Napkin math: case {i}"}}\nTwo times two.\n:::\n'
                         for i in range(VOL2_BAR.worked_examples_min)),
        computed=("```{python}\n#| label: fig-computed\n#| fig-cap: \"A computed figure.\"\nms.hardware('H100-SXM')\n```\n\n"
                  "```{python}\n#| label: fig-computed2\n#| fig-cap: \"Another.\"\nms.hardware('B200')\n```\n"),
        diagrams=("![A diagram.](images/flow.svg){#fig-flow}\n\n"
                  "```{dot}\n//| label: fig-graph\n//| fig-cap: \"A graph.\"\ndigraph { a -> b }\n```\n\n"
                  "```{dot}\n//| label: fig-graph2\n//| fig-cap: \"Another graph.\"\ndigraph { c -> d }\n```\n"),
        tables=("| a | b |\n|---|---|\n| 1 | 2 |\n\n: First table {#tbl-one}\n\n"
                "| c | d |\n|---|---|\n| 3 | 4 |\n\n: Second table {#tbl-two}\n\n"
                "| e | f |\n|---|---|\n| 5 | 6 |\n\n: Third table {#tbl-three}\n"),
        refs="See @fig-computed, @fig-computed2, @fig-flow, @fig-graph, @fig-graph2, @tbl-one, @tbl-two and @tbl-three.\n",
        exercises=f"## Exercises {{#sec-{SLUG}-exercises}}\n\n{exercises}\n")


def test_volume_bars_differ_only_where_issue_14_raises_them():
    assert bar_for("vol1") is BAR and bar_for("vol2") is VOL2_BAR
    assert bar_for("vol3") is BAR  # a volume without a bar of its own gets Volume I's
    raised = {"words_min": 8000, "figures_min": 5, "computed_figures_min": 2, "tables_min": 3,
              "worked_examples_min": 4, "quiz_questions_min": 15, "quiz_calc_min": 3, "exercises_min": 6,
              "citations_min": 15}
    for field, value in raised.items():
        assert getattr(VOL2_BAR, field) == value and getattr(BAR, field) < value
    unchanged = set(BAR.__dataclass_fields__) - set(raised)
    assert all(getattr(VOL2_BAR, f) == getattr(BAR, f) for f in unchanged)


def test_a_chapter_at_volume_one_bar_passes_in_vol1(toy_book):
    report, ch = _as_volume(toy_book, "vol1")
    assert not ch.failures, ch.failures


def test_the_same_chapter_falls_short_in_vol2_and_names_every_raised_minimum(toy_book):
    report, ch = _as_volume(toy_book, "vol2")
    assert report.failed
    text = "\n".join(ch.failures)
    for what in ("teaching prose", "figures:", "figures computed", "tables:", "napkin-math", "quiz questions",
                 "quiz calc", "exercises:", "citations:"):
        assert what in text, f"missing shortfall {what!r} in:\n{text}"


def test_a_chapter_at_the_volume_two_bar_passes_in_vol2(toy_book):
    toy_book.write(vol2_chapter(), quiz(n_mcq=9, n_short=3, n_calc=3), bib_entries(VOL2_BAR.citations_min))
    report, ch = _as_volume(toy_book, "vol2")
    assert not ch.failures, ch.failures
    assert ch.words >= VOL2_BAR.words_min and ch.computed_figures == 2 and len(ch.tables) == 3
