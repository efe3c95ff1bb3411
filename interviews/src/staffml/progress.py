"""Progress statistics per competency area and level, computed from the review log."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from .bank import Bank
from .schema import AREA_TITLES, LEVEL_ORDER, Area, Level, Track
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


# "Weakest area" needs this many reviews in an area: with three reviews one bad day decides it.
MIN_REVIEWS_FOR_WEAKEST = 10
# A trend compares the last 7 days with the 7 before, each needing this many reviews.
MIN_REVIEWS_FOR_TREND = 3
TREND_WINDOW = timedelta(days=7)
WEEKS_OF_HISTORY = 8


def _bucket() -> dict:
    return {"total": 0, "seen": 0, "due": 0, "reviews": 0, "lapses": 0, "_retrievability": [],
            "_recent": [0, 0], "_previous": [0, 0]}


def _rate(counts: list[int]) -> float | None:
    reviews, lapses = counts
    return round(1 - lapses / reviews, 4) if reviews >= MIN_REVIEWS_FOR_TREND else None


def _finish(bucket: dict) -> dict:
    values = bucket.pop("_retrievability")
    bucket["retention"] = round(sum(values) / len(values), 4) if values else None
    bucket["recall_rate"] = (
        round(1 - bucket["lapses"] / bucket["reviews"], 4) if bucket["reviews"] else None
    )
    recent, previous = _rate(bucket.pop("_recent")), _rate(bucket.pop("_previous"))
    bucket["recall_last_7d"] = recent
    bucket["recall_prior_7d"] = previous
    bucket["trend"] = round(recent - previous, 4) if recent is not None and previous is not None else None
    return bucket


def weekly_history(reviews: list, now: datetime, weeks: int = WEEKS_OF_HISTORY) -> list[dict]:
    """Reviews and recall rate per 7-day window, oldest first, ending now."""
    rows = []
    for back in range(weeks - 1, -1, -1):
        end = now - back * TREND_WINDOW
        start = end - TREND_WINDOW
        window = [r for r in reviews if start < r.reviewed_at <= end]
        lapses = sum(1 for r in window if r.rating == 1)
        rows.append({"week_ending": end.date().isoformat(), "reviews": len(window),
                     "recall_rate": round(1 - lapses / len(window), 4) if window else None})
    return rows


def mock_history(sessions: list[dict]) -> list[dict]:
    rows = []
    for session in sessions:
        answers = session["answers"]
        answered = [a for a in answers if a["notes"].strip() and a["self_score"] is not None]
        rows.append({
            "started_at": session["started_at"], "asked": len(answers), "answered": len(answered),
            "timed_out": sum(1 for a in answers if a.get("timed_out")),
            "mean_score": round(sum(a["self_score"] for a in answered) / len(answered), 2) if answered else None,
        })
    return rows


def compute(bank: Bank, store: Store, now: datetime) -> dict:
    """Seen, retention, due counts per track, area and level, trends, the streak and the weakest areas.

    ``retention`` is the mean FSRS retrievability (predicted recall probability now) of the
    questions seen; ``recall_rate`` is the share of past reviews not graded Again.
    """
    cards = store.cards()
    reviews = [r for r in store.reviews() if r.question_id in bank]
    by_question = defaultdict(list)
    for review in reviews:
        by_question[review.question_id].append(review)

    overall = _bucket()
    by_track = {track.value: _bucket() for track in Track}
    by_area = {area.value: _bucket() for area in Area}
    by_level = {level.value: _bucket() for level in Level}
    for lq in bank:
        q = lq.question
        targets = (overall, by_track[q.track.value], by_area[q.area.value], by_level[q.level.value])
        history = by_question.get(q.id, [])
        card = cards.get(q.id)
        recent = [r for r in history if now - TREND_WINDOW < r.reviewed_at <= now]
        previous = [r for r in history if now - 2 * TREND_WINDOW < r.reviewed_at <= now - TREND_WINDOW]
        for bucket in targets:
            bucket["total"] += 1
            bucket["reviews"] += len(history)
            bucket["lapses"] += sum(1 for r in history if r.rating == 1)
            for key, window in (("_recent", recent), ("_previous", previous)):
                bucket[key][0] += len(window)
                bucket[key][1] += sum(1 for r in window if r.rating == 1)
            if history and card is not None:
                bucket["seen"] += 1
                bucket["_retrievability"].append(retrievability(card, now))
                if card.due <= now:
                    bucket["due"] += 1

    tracks = {track: _finish(bucket) for track, bucket in by_track.items()}
    areas = {area: _finish(bucket) for area, bucket in by_area.items()}
    levels = {level: _finish(bucket) for level, bucket in by_level.items()}
    eligible = [a for a, b in areas.items() if b["seen"] and b["reviews"] >= MIN_REVIEWS_FOR_WEAKEST]
    weakest = sorted(eligible, key=lambda a: (areas[a]["retention"], areas[a]["recall_rate"] or 0, a))[:3]
    sessions = store.mock_sessions()
    return {
        "now": now.isoformat(),
        "overall": _finish(overall),
        "streak_days": streak_days([r.reviewed_at for r in reviews], now),
        "mock_sessions": len(sessions),
        "by_track": tracks,
        "by_area": areas,
        "by_level": dict(sorted(levels.items(), key=lambda kv: LEVEL_ORDER[Level(kv[0])])),
        "weekly": weekly_history(reviews, now),
        "mock_history": mock_history(sessions),
        "min_reviews_for_weakest": MIN_REVIEWS_FOR_WEAKEST,
        "most_reviews_in_an_area": max((b["reviews"] for b in areas.values()), default=0),
        "weakest_areas": [{"area": a, "title": AREA_TITLES[Area(a)], **areas[a]} for a in weakest],
    }
