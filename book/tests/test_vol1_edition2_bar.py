"""Volume I second edition (issue #17): a chapter that declares `edition: 2` is held to the raised bar."""
from __future__ import annotations

from pathlib import Path

from toybook import SLUG, bib_entries, complete_chapter, quiz

from mlsysbook.content import check_book
from mlsysbook.content.bar import BAR, VOL1_EDITION2_BAR, VOL2_BAR, bar_for
from mlsysbook.content.chapter import read_front_matter

REPO = Path(__file__).resolve().parents[2]
EDITION2_FRONT = '---\ncontent-status: complete\nedition: 2\nlab: roofline\n---\n'


def edition2_chapter() -> str:
    """A toy Volume I chapter that meets the second-edition bar exactly."""
    bar = VOL1_EDITION2_BAR
    exercises = "\n".join(f"{i + 1}. **[{level}]** Estimate the time of step {i}."
                          for i, level in enumerate(["Easy", "Easy", "Medium", "Medium", "Hard", "Hard"]))
    footnotes = " ".join(f"Aside {i}.[^n{i}]" for i in range(bar.footnotes_min))
    notes = "\n".join(f"[^n{i}]: The aside number {i}." for i in range(bar.footnotes_min))
    figures = "\n".join(f"```{{dot}}\n//| label: fig-graph{i}\n//| fig-cap: \"Graph {i}.\"\ndigraph {{ a -> b }}\n```\n"
                        for i in range(bar.figures_min - bar.computed_figures_min))
    tables = "\n".join(f"| a | b |\n|---|---|\n| 1 | 2 |\n\n: Table {i} {{#tbl-t{i}}}\n" for i in range(bar.tables_min))
    refs = ", ".join([f"@fig-graph{i}" for i in range(bar.figures_min - bar.computed_figures_min)]
                     + ["@fig-computed", "@fig-computed2"] + [f"@tbl-t{i}" for i in range(bar.tables_min)])
    return complete_chapter(
        words=bar.words_min + 50, citations=bar.citations_min,
        front=EDITION2_FRONT,
        napkin="\n".join(f'::: {{.callout-tip .napkin-math title="Napkin math: case {i}"}}\nTwo times two.\n:::\n'
                         for i in range(bar.worked_examples_min)),
        computed=("```{python}\n#| label: fig-computed\n#| fig-cap: \"A computed figure.\"\nms.hardware('H100-SXM')\n```\n\n"
                  "```{python}\n#| label: fig-computed2\n#| fig-cap: \"Another.\"\nms.hardware('B200')\n```\n"),
        diagrams=figures, tables=tables, refs=f"See {refs}. {footnotes}\n\n{notes}\n",
        exercises=f"## Exercises {{#sec-{SLUG}-exercises}}\n\n{exercises}\n")


def _report(toy_book):
    report = check_book(toy_book.root, volumes=("vol1",))
    (ch,) = report.chapters
    return report, ch


def test_edition_two_raises_volume_one_to_at_least_volume_two_and_asks_for_footnotes():
    assert bar_for("vol1", 2) is VOL1_EDITION2_BAR and bar_for("vol1", "2") is VOL1_EDITION2_BAR
    assert bar_for("vol1") is BAR and bar_for("vol1", 1) is BAR and bar_for("vol2", 2) is VOL2_BAR
    assert VOL1_EDITION2_BAR.words_min == 9000 and VOL1_EDITION2_BAR.figures_min == 6
    assert VOL1_EDITION2_BAR.tables_min == 4 and VOL1_EDITION2_BAR.quiz_questions_min == 15
    assert VOL1_EDITION2_BAR.quiz_calc_min == 3 and VOL1_EDITION2_BAR.footnotes_min > 0
    for field in VOL2_BAR.__dataclass_fields__:
        assert getattr(VOL1_EDITION2_BAR, field) >= getattr(VOL2_BAR, field) or field == "objectives_max"


def test_a_first_edition_chapter_that_declares_edition_two_names_every_raised_minimum(toy_book):
    toy_book.write(complete_chapter(front=EDITION2_FRONT))
    report, ch = _report(toy_book)
    assert report.failed
    text = "\n".join(ch.failures)
    for what in ("teaching prose", "figures:", "figures computed", "tables:", "napkin-math", "quiz questions",
                 "exercises:", "citations:", "footnotes:"):
        assert what in text, f"missing shortfall {what!r} in:\n{text}"


def test_a_chapter_at_the_edition_two_bar_passes(toy_book):
    bar = VOL1_EDITION2_BAR
    toy_book.write(edition2_chapter(), quiz(n_mcq=9, n_short=3, n_calc=3), bib_entries(bar.citations_min))
    report, ch = _report(toy_book)
    assert not ch.failures, ch.failures
    assert ch.words >= bar.words_min and ch.footnotes == bar.footnotes_min and len(ch.tables) == bar.tables_min


def test_the_real_book_reports_which_volume_one_chapters_are_second_edition():
    """Every Volume I chapter says which edition it is at (absent = 1), so the content report can track #17."""
    chapters = sorted((REPO / "book" / "vol1").glob("*/*.qmd"))
    editions = {p.parent.name: str(read_front_matter(p.read_text(encoding="utf-8")).get("edition", 1))
                for p in chapters if p.stem == p.parent.name}
    assert editions and set(editions.values()) <= {"1", "2"}, editions
