"""The bar a chapter must clear before it may declare `content-status: complete`.

Volume I's bar is issue #6's. Volume II is the half of the curriculum about infrastructure a learner cannot
rent, so its chapters carry more of the teaching on their own (issue #14): more prose, more worked napkin
math, more figures computed by MLSys·im, a longer quiz, more exercises and more citations. Volume I's
second edition (issue #17) raises each Volume I chapter to a semester textbook's depth; a chapter opts in
with `edition: 2` in its front matter once it is rewritten, and from then on is held to that bar.
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
    footnotes_min: int = 0
    # Every chapter in a table of contents, finished or not, must at least show its shape.
    outline_sections_min: int = 3


#: Volume I (and the default for a volume with no bar of its own).
BAR = ChapterBar()

#: Volume II (issue #14).
VOL2_BAR = ChapterBar(words_min=8000, figures_min=5, computed_figures_min=2, tables_min=3,
                      worked_examples_min=4, quiz_questions_min=15, quiz_calc_min=3, exercises_min=6,
                      citations_min=15)

#: Volume I, second edition (issue #17): chapters sized like a textbook's, asides in footnotes.
VOL1_EDITION2_BAR = ChapterBar(words_min=9000, figures_min=6, computed_figures_min=2, tables_min=4,
                               worked_examples_min=4, quiz_questions_min=15, quiz_calc_min=3, exercises_min=6,
                               citations_min=15, footnotes_min=3)

BARS = {"vol1": BAR, "vol2": VOL2_BAR}
EDITION2_BARS = {"vol1": VOL1_EDITION2_BAR}


def bar_for(volume: str, edition: object = None) -> ChapterBar:
    """The bar for a chapter of ``volume`` ("vol1", "vol2") at ``edition`` (its front matter's `edition`);
    volumes without their own bar get Volume I's."""
    if edition is not None and str(edition).strip() == "2" and volume in EDITION2_BARS:
        return EDITION2_BARS[volume]
    return BARS.get(volume, BAR)


COMPLETE = "complete"
