"""The bar a chapter must clear before it may declare `content-status: complete`.

Volume I's bar is issue #6's. Volume II is the half of the curriculum about infrastructure a learner cannot
rent, so its chapters carry more of the teaching on their own (issue #14): more prose, more worked napkin
math, more figures computed by MLSys·im, a longer quiz, more exercises and more citations.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChapterBar:
    objectives_min: int = 5
    objectives_max: int = 8
    words_min: int = 5000
    figures_min: int = 3
    computed_figures_min: int = 1
    tables_min: int = 2
    worked_examples_min: int = 2
    definitions_min: int = 3
    quiz_questions_min: int = 8
    quiz_calc_min: int = 2
    quiz_mcq_min: int = 1
    quiz_short_min: int = 1
    exercises_min: int = 5
    exercise_levels_min: int = 2
    citations_min: int = 10
    inline_numbers_min: int = 1
    # Every chapter in a table of contents, finished or not, must at least show its shape.
    outline_sections_min: int = 3


#: Volume I (and the default for a volume with no bar of its own).
BAR = ChapterBar()

#: Volume II (issue #14).
VOL2_BAR = ChapterBar(words_min=8000, figures_min=5, computed_figures_min=2, tables_min=3,
                      worked_examples_min=4, quiz_questions_min=15, quiz_calc_min=3, exercises_min=6,
                      citations_min=15)

BARS = {"vol1": BAR, "vol2": VOL2_BAR}


def bar_for(volume: str) -> ChapterBar:
    """The bar for a chapter of ``volume`` ("vol1", "vol2"); volumes without their own bar get Volume I's."""
    return BARS.get(volume, BAR)


COMPLETE = "complete"
