"""Spaced repetition with the ``fsrs`` package.

A question's card is always the replay of its review log through one scheduler, so merged imports
and migrations yield exactly the schedule a single machine would have produced. Fuzzing is off to
keep that replay deterministic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from fsrs import Card, Rating, Scheduler

SCHEDULER = Scheduler(enable_fuzzing=False)

RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
RATING_KEYS = {"1": 1, "2": 2, "3": 3, "4": 4, "a": 1, "h": 2, "g": 3, "e": 4,
               "again": 1, "hard": 2, "good": 3, "easy": 4}


def replay(reviews: Iterable) -> Card:
    """The card after applying ``reviews`` (objects with ``rating`` and ``reviewed_at``) in order."""
    card = Card(card_id=1)
    for review in sorted(reviews, key=lambda r: r.reviewed_at):
        card, _ = SCHEDULER.review_card(card, Rating(review.rating), review_datetime=review.reviewed_at)
    return card


def retrievability(card: Card, now: datetime) -> float:
    return SCHEDULER.get_card_retrievability(card, current_datetime=now)
