"""The bar a chapter must clear before it may declare `content-status: complete` (issue #6)."""
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


BAR = ChapterBar()

COMPLETE = "complete"
