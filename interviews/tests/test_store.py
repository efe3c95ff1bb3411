"""Progress storage: migrations, foreign and corrupt files, export/import."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffml.store import (
    APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, MockAnswer, Review, Store, StoreError, default_db_path,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_default_path_honours_data_dir(data_dir):
    assert default_db_path() == data_dir / "progress.sqlite3"


def test_new_database_is_stamped(tmp_path):
    with Store(tmp_path / "p.db") as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_review_updates_card_and_due(tmp_path):
    with Store(tmp_path / "p.db") as store:
        store.record_review(Review("q1", 3, T0))
        card = store.cards()["q1"]
        assert card.due > T0
        assert store.due_ids(T0) == []
        assert store.due_ids(card.due) == ["q1"]


def test_migrates_a_version_1_database(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute("PRAGMA user_version=1")
    conn.execute("INSERT INTO reviews (question_id, rating, reviewed_at) VALUES ('q1', 3, ?)", (T0.isoformat(),))
    conn.execute("INSERT INTO reviews (question_id, rating, reviewed_at) VALUES ('q1', 3, ?)",
                 ((T0 + timedelta(minutes=10)).isoformat(),))
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        reviews = store.reviews()
        assert [r.rating for r in reviews] == [3, 3] and all(r.source == "drill" for r in reviews)
        # the migration rebuilt the card from the log: two Good answers graduate it to days away
        assert store.cards()["q1"].due - (T0 + timedelta(minutes=10)) >= timedelta(days=1)


def test_foreign_sqlite_file_is_refused_with_fix(tmp_path):
    path = tmp_path / "someone-elses.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="does not belong to staffml.*Move it aside"):
        Store(path)


def test_non_sqlite_file_is_refused_with_fix(tmp_path):
    path = tmp_path / "p.db"
    path.write_bytes(b"this is a text file, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a SQLite database.*mv "):
        Store(path)


def test_corrupted_pages_are_detected(tmp_path):
    path = tmp_path / "p.db"
    with Store(path) as store:
        for i in range(300):
            store.record_review(Review(f"q{i}", 3, T0 + timedelta(seconds=i)))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page_size = 4096
    for offset in range(page_size * 2, len(data) - page_size, page_size):
        data[offset:offset + 64] = b"\xde\xad\xbe\xef" * 16
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupt|integrity"):
        Store(path)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "p.db"
    with Store(path) as store:
        store.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer staffml"):
        Store(path)


def _populated(path):
    store = Store(path)
    store.record_review(Review("q1", 3, T0))
    store.record_review(Review("q2", 1, T0 + timedelta(minutes=1)))
    store.record_mock(T0, T0 + timedelta(minutes=30), 30, "cloud",
                      [MockAnswer("q3", "notes <b>", 4, 600.0), MockAnswer("q4", "", None, 30.0)])
    return store


def test_export_import_round_trip_is_idempotent(tmp_path):
    with _populated(tmp_path / "a.db") as source:
        exported = json.loads(json.dumps(source.export()))
        source_cards = {k: v.due for k, v in source.cards().items()}
    with Store(tmp_path / "b.db") as target:
        assert target.import_(exported) == (3, 1)
        assert target.import_(exported) == (0, 0)
        assert {k: v.due for k, v in target.cards().items()} == source_cards
        assert target.mock_sessions()[0]["answers"][0]["notes"] == "notes <b>"


def test_import_merges_reviews_from_two_machines(tmp_path):
    with Store(tmp_path / "laptop.db") as laptop:
        laptop.record_review(Review("q1", 3, T0))
        from_laptop = laptop.export()
    with Store(tmp_path / "desktop.db") as desktop:
        desktop.record_review(Review("q1", 3, T0 + timedelta(minutes=15)))
        desktop.import_(from_laptop)
        assert [r.reviewed_at for r in desktop.reviews()] == [T0, T0 + timedelta(minutes=15)]


@pytest.mark.parametrize("payload, message", [
    ({"reviews": []}, "not a staffml progress export"),
    ({"format": "staffml-progress", "version": 99, "reviews": [], "mock_sessions": []}, "newer"),
    ({"format": "staffml-progress", "version": 1, "reviews": [{"question_id": "q", "rating": 7,
      "reviewed_at": "2026-01-01T00:00:00+00:00"}], "mock_sessions": []}, "review #0 is malformed"),
])
def test_malformed_export_is_rejected_before_writing(tmp_path, payload, message):
    with Store(tmp_path / "p.db") as store:
        with pytest.raises(StoreError, match=message):
            store.import_(payload)
        assert store.reviews() == []


@given(st.lists(st.tuples(st.sampled_from(["q1", "q2", "q3"]), st.integers(1, 4),
                          st.integers(0, 60 * 24 * 90)), min_size=1, max_size=15, unique_by=lambda r: (r[0], r[2])))
@settings(max_examples=15, deadline=None)
def test_export_import_reproduces_every_schedule(tmp_path_factory, reviews):
    folder = tmp_path_factory.mktemp("roundtrip")
    with Store(folder / "a.db") as source:
        for question_id, rating, minute in reviews:
            source.record_review(Review(question_id, rating, T0 + timedelta(minutes=minute)))
        exported = source.export()
        expected = {qid: card.to_dict() for qid, card in source.cards().items()}
    with Store(folder / "b.db") as target:
        target.import_(json.loads(json.dumps(exported)))
        assert {qid: card.to_dict() for qid, card in target.cards().items()} == expected
