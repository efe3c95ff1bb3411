"""Progress storage: one SQLite file in the user's data directory.

Durability model: WAL journal with ``synchronous=FULL`` and one transaction per answer, so a
process killed mid-write loses at most the answer in flight. The file is stamped with an
``application_id`` (so a foreign SQLite file is recognised) and a ``user_version`` schema version
that :data:`MIGRATIONS` upgrades step by step.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import platformdirs

APPLICATION_ID = 0x53544D4C  # "STML"
EXPORT_FORMAT = "staffml-progress"
EXPORT_VERSION = 1

# Each entry upgrades the schema from version i to i+1. Never edit a shipped step; append one.
MIGRATIONS: list[str] = [
    # v1: the review log; scheduling state is derived from it by replay.
    """
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        question_id TEXT NOT NULL,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
        reviewed_at TEXT NOT NULL,
        UNIQUE (question_id, reviewed_at)
    );
    CREATE INDEX reviews_by_question ON reviews (question_id, reviewed_at);
    """,
    # v2: cached FSRS card per question, review source/duration, mock-interview sessions.
    """
    ALTER TABLE reviews ADD COLUMN source TEXT NOT NULL DEFAULT 'drill';
    ALTER TABLE reviews ADD COLUMN duration_s REAL;
    CREATE TABLE cards (
        question_id TEXT PRIMARY KEY,
        card_json TEXT NOT NULL,
        due TEXT NOT NULL
    );
    CREATE TABLE mock_sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        minutes REAL NOT NULL,
        track TEXT
    );
    CREATE TABLE mock_answers (
        session_id INTEGER NOT NULL REFERENCES mock_sessions(id),
        position INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        notes TEXT NOT NULL,
        self_score INTEGER CHECK (self_score BETWEEN 1 AND 4),
        elapsed_s REAL NOT NULL,
        PRIMARY KEY (session_id, position)
    );
    """,
    # v3: whether the question's countdown reached zero before the candidate finished.
    """
    ALTER TABLE mock_answers ADD COLUMN timed_out INTEGER NOT NULL DEFAULT 0;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The progress file cannot be used; the message says why and how to fix it."""


def default_db_path() -> Path:
    override = os.environ.get("STAFFML_DATA_DIR")
    base = Path(override) if override else Path(platformdirs.user_data_dir("staffml", "mlsysbook"))
    return base / "progress.sqlite3"


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@dataclass(frozen=True)
class Review:
    question_id: str
    rating: int
    reviewed_at: datetime
    source: str = "drill"
    duration_s: float | None = None


@dataclass(frozen=True)
class MockAnswer:
    question_id: str
    notes: str
    self_score: int | None
    elapsed_s: float
    timed_out: bool = False

    @property
    def answered(self) -> bool:
        """Counted as answered only with notes written and a self-score given."""
        return bool(self.notes.strip()) and self.self_score is not None


def _fix_hint(path: Path) -> str:
    return (
        f"Move it aside (`mv '{path}' '{path}.bad'`) and run again to start fresh, then restore "
        "your progress with `staffml import <export.json>` if you have an export; or point "
        "STAFFML_DATA_DIR at another folder."
    )


class Store:
    """An open progress database. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_db_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._check_header()
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._identify_and_migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is corrupt ({exc}). {_fix_hint(self.path)}") from exc

    def _check_header(self) -> None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with open(self.path, "rb") as handle:
            header = handle.read(16)
        if header != b"SQLite format 3\x00":
            raise StoreError(
                f"{self.path} is not a SQLite database (corrupt, or some other file). {_fix_hint(self.path)}"
            )

    def _identify_and_migrate(self) -> None:
        app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        tables = self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id != APPLICATION_ID:
            if app_id != 0 or tables:
                raise StoreError(
                    f"{self.path} is a SQLite database that does not belong to staffml "
                    f"(application_id {app_id:#x}). {_fix_hint(self.path)}"
                )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer staffml (schema v{version}, this one knows "
                f"v{SCHEMA_VERSION}). Upgrade staffml (`pip install -U staffml`) to read it."
            )
        check = self.conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StoreError(f"{self.path} failed its integrity check ({check}). {_fix_hint(self.path)}")
        self.migrate(target=SCHEMA_VERSION)

    def migrate(self, target: int) -> None:
        """Apply migrations up to ``target``, each in its own transaction."""
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        while version < target:
            script = MIGRATIONS[version]
            with self.transaction():
                for statement in filter(str.strip, script.split(";")):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                self.conn.execute(f"PRAGMA user_version={version + 1}")
            version += 1
            if version == 2:
                self._rebuild_cards()

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- reviews and cards -------------------------------------------------------------

    def record_review(self, review: Review) -> int:
        """Append one review and update the question's card in a single transaction."""
        from .scheduling import replay

        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO reviews (question_id, rating, reviewed_at, source, duration_s) VALUES (?, ?, ?, ?, ?)",
                (review.question_id, review.rating, iso(review.reviewed_at), review.source, review.duration_s),
            )
            card = replay(self._reviews_of(review.question_id))
            conn.execute(
                "INSERT OR REPLACE INTO cards (question_id, card_json, due) VALUES (?, ?, ?)",
                (review.question_id, card.to_json(), iso(card.due)),
            )
            return cursor.lastrowid

    def _reviews_of(self, question_id: str) -> list[Review]:
        rows = self.conn.execute(
            "SELECT question_id, rating, reviewed_at, source, duration_s FROM reviews "
            "WHERE question_id = ? ORDER BY reviewed_at",
            (question_id,),
        ).fetchall()
        return [Review(r[0], r[1], parse_iso(r[2]), r[3], r[4]) for r in rows]

    def _rebuild_cards(self) -> None:
        from .scheduling import replay

        with self.transaction() as conn:
            conn.execute("DELETE FROM cards")
            ids = [r[0] for r in conn.execute("SELECT DISTINCT question_id FROM reviews").fetchall()]
            for question_id in ids:
                card = replay(self._reviews_of(question_id))
                conn.execute(
                    "INSERT INTO cards (question_id, card_json, due) VALUES (?, ?, ?)",
                    (question_id, card.to_json(), iso(card.due)),
                )

    def reviews(self) -> list[Review]:
        rows = self.conn.execute(
            "SELECT question_id, rating, reviewed_at, source, duration_s FROM reviews ORDER BY reviewed_at, id"
        ).fetchall()
        return [Review(r[0], r[1], parse_iso(r[2]), r[3], r[4]) for r in rows]

    def cards(self):
        from fsrs import Card

        rows = self.conn.execute("SELECT question_id, card_json FROM cards").fetchall()
        return {question_id: Card.from_json(card_json) for question_id, card_json in rows}

    def due_ids(self, now: datetime) -> list[str]:
        rows = self.conn.execute(
            "SELECT question_id FROM cards WHERE due <= ? ORDER BY due, question_id", (iso(now),)
        ).fetchall()
        return [r[0] for r in rows]

    # ----- mock interviews ---------------------------------------------------------------

    def record_mock(
        self, started_at: datetime, finished_at: datetime, minutes: float, track: str | None,
        answers: list[MockAnswer],
    ) -> int:
        """Save a whole mock session, and feed its self-scores to the scheduler, atomically."""
        from .scheduling import replay

        with self.transaction() as conn:
            session_id = conn.execute(
                "INSERT INTO mock_sessions (started_at, finished_at, minutes, track) VALUES (?, ?, ?, ?)",
                (iso(started_at), iso(finished_at), minutes, track),
            ).lastrowid
            for position, answer in enumerate(answers):
                conn.execute(
                    "INSERT INTO mock_answers (session_id, position, question_id, notes, self_score, elapsed_s, "
                    "timed_out) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (session_id, position, answer.question_id, answer.notes, answer.self_score, answer.elapsed_s,
                     int(answer.timed_out)),
                )
            scored = [a for a in answers if a.self_score is not None]
            for offset, answer in enumerate(scored):
                # distinct timestamps keep (question_id, reviewed_at) unique when a session repeats a question
                reviewed_at = finished_at + timedelta(microseconds=offset)
                conn.execute(
                    "INSERT OR IGNORE INTO reviews (question_id, rating, reviewed_at, source, duration_s) "
                    "VALUES (?, ?, ?, 'mock', ?)",
                    (answer.question_id, answer.self_score, iso(reviewed_at), answer.elapsed_s),
                )
            for question_id in {a.question_id for a in scored}:
                card = replay(self._reviews_of(question_id))
                conn.execute(
                    "INSERT OR REPLACE INTO cards (question_id, card_json, due) VALUES (?, ?, ?)",
                    (question_id, card.to_json(), iso(card.due)),
                )
            return session_id

    def mock_sessions(self) -> list[dict]:
        sessions = []
        for sid, started, finished, minutes, track in self.conn.execute(
            "SELECT id, started_at, finished_at, minutes, track FROM mock_sessions ORDER BY id"
        ).fetchall():
            answers = [
                {"question_id": q, "notes": n, "self_score": s, "elapsed_s": e, "timed_out": bool(t)}
                for q, n, s, e, t in self.conn.execute(
                    "SELECT question_id, notes, self_score, elapsed_s, timed_out FROM mock_answers "
                    "WHERE session_id = ? ORDER BY position",
                    (sid,),
                ).fetchall()
            ]
            sessions.append(
                {"started_at": started, "finished_at": finished, "minutes": minutes, "track": track, "answers": answers}
            )
        return sessions

    # ----- export / import ---------------------------------------------------------------

    def export(self) -> dict:
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "reviews": [
                {
                    "question_id": r.question_id, "rating": r.rating, "reviewed_at": iso(r.reviewed_at),
                    "source": r.source, "duration_s": r.duration_s,
                }
                for r in self.reviews()
            ],
            "mock_sessions": self.mock_sessions(),
        }

    def import_(self, data: dict) -> tuple[int, int]:
        """Merge an export into this database; returns (new reviews, new mock sessions).

        Reviews are keyed by (question, timestamp), so importing the same file twice adds nothing.
        """
        from .scheduling import replay

        validate_export(data)
        added_reviews = added_sessions = 0
        with self.transaction() as conn:
            touched = set()
            for r in data["reviews"]:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO reviews (question_id, rating, reviewed_at, source, duration_s) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (r["question_id"], r["rating"], iso(parse_iso(r["reviewed_at"])), r.get("source", "drill"),
                     r.get("duration_s")),
                )
                if cursor.rowcount:
                    added_reviews += 1
                    touched.add(r["question_id"])
            existing = {
                row[0] for row in conn.execute("SELECT started_at FROM mock_sessions").fetchall()
            }
            for s in data["mock_sessions"]:
                if iso(parse_iso(s["started_at"])) in existing:
                    continue
                sid = conn.execute(
                    "INSERT INTO mock_sessions (started_at, finished_at, minutes, track) VALUES (?, ?, ?, ?)",
                    (iso(parse_iso(s["started_at"])), iso(parse_iso(s["finished_at"])), s["minutes"], s.get("track")),
                ).lastrowid
                for position, a in enumerate(s["answers"]):
                    conn.execute(
                        "INSERT INTO mock_answers (session_id, position, question_id, notes, self_score, elapsed_s, "
                        "timed_out) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (sid, position, a["question_id"], a["notes"], a.get("self_score"), a["elapsed_s"],
                         int(bool(a.get("timed_out", False)))),
                    )
                added_sessions += 1
            for question_id in touched:
                card = replay(self._reviews_of(question_id))
                conn.execute(
                    "INSERT OR REPLACE INTO cards (question_id, card_json, due) VALUES (?, ?, ?)",
                    (question_id, card.to_json(), iso(card.due)),
                )
        return added_reviews, added_sessions


def validate_export(data: object) -> None:
    """Reject anything that is not a staffml export before touching the database."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise StoreError(
            "this JSON is not a staffml progress export (missing \"format\": \"staffml-progress\"); "
            "create one with `staffml export > progress.json`"
        )
    if data.get("version", 0) > EXPORT_VERSION:
        raise StoreError(
            f"this export has format version {data.get('version')}, newer than this staffml "
            f"understands ({EXPORT_VERSION}); upgrade staffml"
        )
    for field in ("reviews", "mock_sessions"):
        if not isinstance(data.get(field), list):
            raise StoreError(f"export field {field!r} must be a list")
    for index, r in enumerate(data["reviews"]):
        try:
            ok = (
                isinstance(r["question_id"], str) and r["rating"] in (1, 2, 3, 4)
                and parse_iso(r["reviewed_at"]) is not None
            )
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise StoreError(
                f"export review #{index} is malformed: {json.dumps(r)[:120]} "
                "(needs question_id, rating 1-4 and an ISO reviewed_at with timezone)"
            )
