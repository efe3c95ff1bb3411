"""Progress statistics per competency area and level, computed from the review log."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from .bank import Bank
from .schema import AREA_TITLES, LEVEL_ORDER, Area, Level
from .scheduling import retrievability
from .store import Store


def streak_days(review_times: list[datetime], now: datetime) -> int:
    """Consecutive UTC days with at least one review, ending today (or yesterday, if today is still open)."""
    days = {moment.date() for moment in review_times}
    day = now.date()
    if day not in days:
        day -= timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


def _bucket() -> dict:
    return {"total": 0, "seen": 0, "due": 0, "reviews": 0, "lapses": 0, "_retrievability": []}


def _finish(bucket: dict) -> dict:
    values = bucket.pop("_retrievability")
    bucket["retention"] = round(sum(values) / len(values), 4) if values else None
    bucket["recall_rate"] = (
        round(1 - bucket["lapses"] / bucket["reviews"], 4) if bucket["reviews"] else None
    )
    return bucket


def compute(bank: Bank, store: Store, now: datetime) -> dict:
    """Seen, retention, due counts per area and level, the streak and the weakest areas.

    ``retention`` is the mean FSRS retrievability (predicted recall probability now) of the
    questions seen; ``recall_rate`` is the share of past reviews not graded Again.
    """
    cards = store.cards()
    reviews = [r for r in store.reviews() if r.question_id in bank]
    by_question = defaultdict(list)
    for review in reviews:
        by_question[review.question_id].append(review)

    overall = _bucket()
    by_area = {area.value: _bucket() for area in Area}
    by_level = {level.value: _bucket() for level in Level}
    for lq in bank:
        q = lq.question
        targets = (overall, by_area[q.area.value], by_level[q.level.value])
        history = by_question.get(q.id, [])
        card = cards.get(q.id)
        for bucket in targets:
            bucket["total"] += 1
            bucket["reviews"] += len(history)
            bucket["lapses"] += sum(1 for r in history if r.rating == 1)
            if history and card is not None:
                bucket["seen"] += 1
                bucket["_retrievability"].append(retrievability(card, now))
                if card.due <= now:
                    bucket["due"] += 1

    areas = {area: _finish(bucket) for area, bucket in by_area.items()}
    levels = {level: _finish(bucket) for level, bucket in by_level.items()}
    seen_areas = [a for a, b in areas.items() if b["seen"]]
    weakest = sorted(seen_areas, key=lambda a: (areas[a]["retention"], areas[a]["recall_rate"] or 0, a))[:3]
    return {
        "now": now.isoformat(),
        "overall": _finish(overall),
        "streak_days": streak_days([r.reviewed_at for r in reviews], now),
        "mock_sessions": len(store.mock_sessions()),
        "by_area": areas,
        "by_level": dict(sorted(levels.items(), key=lambda kv: LEVEL_ORDER[Level(kv[0])])),
        "weakest_areas": [{"area": a, "title": AREA_TITLES[Area(a)], **areas[a]} for a in weakest],
    }
