"""A writer killed with SIGKILL mid-write loses at most the answer in flight; the file stays valid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from staffml.store import Store

WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timedelta, timezone
    from staffml.store import Review, Store

    store = Store(sys.argv[1])
    start = datetime(2026, 3, 2, tzinfo=timezone.utc) + timedelta(days=int(sys.argv[2]))
    i = 0
    while True:
        question = f"q{i % 40}"
        store.record_review(Review(question, 1 + i % 4, start + timedelta(seconds=i)))
        print(f"{question} {i}", flush=True)  # printed only after COMMIT returned
        i += 1
""")


def _run_and_kill(db, round_index: int, after_lines: int) -> list[str]:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(round_index)],
                            stdout=subprocess.PIPE, text=True)
    committed = []
    for line in proc.stdout:
        committed.append(line.split())
        if len(committed) >= after_lines:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    committed.extend(line.split() for line in proc.stdout if line.strip())
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return committed


def test_sigkill_mid_write_keeps_every_committed_answer(tmp_path):
    db = tmp_path / "progress.sqlite3"
    expected = 0
    for round_index, after in enumerate((25, 60, 140)):
        committed = _run_and_kill(db, round_index, after)
        expected += len(committed)
        with Store(db) as store:  # opens, runs quick_check, would raise StoreError on damage
            assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = store.reviews()
            # every printed answer was committed; at most the one in flight may also have landed
            assert expected <= len(stored) <= expected + 1
            expected = len(stored)
            cards = store.cards()
            assert set(cards) == {r.question_id for r in stored}, "card table out of step with the log"
