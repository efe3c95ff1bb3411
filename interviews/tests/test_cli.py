"""CLI flows through click's test runner with an injected clock."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from conftest import FakeClock, make_question, write_bank

from staffml.cli import cli


@pytest.fixture
def run(mini_bank, data_dir):
    runner = CliRunner()

    def invoke(args, clock=None, input=None):
        obj = {"clock": clock or FakeClock()}
        result = runner.invoke(cli, ["--questions", str(mini_bank), *args], obj=obj, input=input,
                               catch_exceptions=False, env={"COLUMNS": "120"})
        return result

    return invoke


def test_drill_grade_and_reschedule(run):
    clock = FakeClock()
    first = run(["drill", "--count", "1"], clock, input="\n3\n")
    assert first.exit_code == 0, first.output
    assert "Time to stream a model's weights" in first.output  # junior question first
    assert "8.0 ms" in first.output  # rendered from the recomputed check
    assert "Good — next review of cloud-sample-bandwidth in 10 min" in first.output

    # graded Good once: due again after the 10-minute learning step, not before
    clock.advance(minutes=5)
    second = run(["drill", "--count", "1", "--track", "cloud"], clock)
    assert "Nothing due. Next review in 5 min" in second.output
    clock.advance(minutes=6)
    third = run(["drill", "--count", "1", "--track", "cloud"], clock, input="\n3\n")
    assert "cloud-sample-bandwidth" in third.output
    # second Good graduates the card: FSRS interval for stability 2.3 days at 90 % retention
    assert "next review of cloud-sample-bandwidth in 2 days" in third.output


def test_drill_rejects_bad_grades_and_can_quit(run):
    result = run(["drill"], FakeClock(), input="\nmaybe\n2\nq\n")
    assert "Type 1/a (Again)" in result.output
    assert "Session over: 1 question(s) graded." in result.output


def test_drill_filters(run):
    result = run(["drill", "--area", "serving-latency", "--count", "1"], FakeClock(), input="\n4\n")
    assert "edge-sample-second" in result.output and "cloud-sample-bandwidth" not in result.output


def test_progress_counts(run):
    clock = FakeClock()
    run(["drill", "--count", "2"], clock, input="\n3\n\n1\n")
    stats = json.loads(run(["progress", "--json"], clock).output)
    assert stats["overall"]["total"] == 3 and stats["overall"]["seen"] == 2
    assert stats["overall"]["reviews"] == 2 and stats["overall"]["recall_rate"] == 0.5
    assert stats["by_area"]["memory-hierarchy"]["seen"] == 1
    assert stats["by_level"]["mid"]["seen"] == 1 and stats["by_level"]["senior"]["seen"] == 0
    assert stats["streak_days"] == 1
    clock.advance(minutes=11)
    later = json.loads(run(["progress", "--json"], clock).output)
    assert later["overall"]["due"] == 2  # both still in their learning steps
    # one Again in one review does not make an area "weakest": too few reviews to mean anything
    assert later["weakest_areas"] == [] and later["most_reviews_in_an_area"] == 1
    text = run(["progress"], clock).output
    assert "Seen 2/3" in text and "By track" in text
    assert "Weakest area: not yet; it needs 10 reviews in an area (most so far: 1)" in text


def test_progress_trends_and_weakest_area_after_enough_reviews(run, data_dir):
    from staffml.store import Review, Store

    clock = FakeClock()
    start = clock.now - timedelta(days=13)
    with Store() as store:
        for day in range(14):
            at = start + timedelta(days=day)
            # serving-latency: forgotten in the first week, remembered in the second
            store.record_review(Review("edge-sample-second", 1 if day < 7 else 3, at))
            # memory-hierarchy: remembered in the first week, forgotten in the second
            store.record_review(Review("cloud-sample-bandwidth", 3 if day < 7 else 1, at - timedelta(hours=1)))
    stats = json.loads(run(["progress", "--json"], clock).output)
    serving, memory = stats["by_area"]["serving-latency"], stats["by_area"]["memory-hierarchy"]
    assert serving["recall_last_7d"] == 1.0 and serving["recall_prior_7d"] == 0.0 and serving["trend"] == 1.0
    assert memory["trend"] == -1.0
    assert stats["by_track"]["edge"]["reviews"] == 14 and stats["by_track"]["tinyml"]["reviews"] == 0
    assert [w["reviews"] for w in stats["weekly"]][-2:] == [14, 14]
    assert {w["area"] for w in stats["weakest_areas"]} == {"serving-latency", "memory-hierarchy"}
    text = run(["progress"], clock).output
    assert "↑ +100 pts" in text and "↓ -100 pts" in text and "Weakest areas:" in text


def test_streak_counts_consecutive_days(run):
    clock = FakeClock()
    for _ in range(3):
        run(["drill", "--count", "1"], clock, input="\n4\n")
        clock.advance(days=1)
    stats = json.loads(run(["progress", "--json"], clock).output)
    assert stats["streak_days"] == 3
    clock.advance(days=2)
    assert json.loads(run(["progress", "--json"], clock).output)["streak_days"] == 0


def test_mock_with_short_timer_saves_session(run):
    # every clock read moves 20 s: a 1-minute mock runs out of time while notes are typed
    clock = FakeClock(step=timedelta(seconds=20))
    result = run(["mock", "--minutes", "1", "--seed", "1"], clock,
                 input="first note\nsecond note\n4\n")
    assert result.exit_code == 0, result.output
    # the clock ran out after the first line; the next line is not a grade, so the grade is asked again
    assert "Type 1/a (Again)" in result.output
    assert "left for this question" in result.output and "Time is up for question 1." in result.output
    assert "A strong answer covers" in result.output and "Your notes (time ran out)" in result.output
    assert "Saved mock session #1: answered 1 of 1 question(s)" in result.output
    stats = json.loads(run(["progress", "--json"], FakeClock()).output)
    assert stats["mock_sessions"] == 1 and stats["overall"]["reviews"] == 1
    exported = json.loads(run(["export"], FakeClock()).output)
    answer = exported["mock_sessions"][0]["answers"][0]
    assert answer["notes"] == "first note" and answer["timed_out"] is True
    assert answer["elapsed_s"] == 60 and answer["self_score"] == 4


def test_empty_and_unscored_answers_are_not_counted(run):
    clock = FakeClock(step=timedelta(seconds=1))
    # three questions: the first left empty, the second answered but left unscored, the third scored
    result = run(["mock", "--minutes", "30", "--seed", "3"], clock,
                 input="\nsome notes\n\nmore notes\n\nq\n3\n")
    assert result.exit_code == 0, result.output
    assert "No answer was written: not counted as answered and not scored." in result.output
    assert "answered 1 of 3 question(s)" in result.output and "mean self-score 3.0/4" in result.output
    assert "no answer" in result.output and "unscored" in result.output
    exported = json.loads(run(["export"], FakeClock()).output)
    answers = exported["mock_sessions"][0]["answers"]
    assert [a["self_score"] for a in answers] == [None, None, 3]
    assert all(a["elapsed_s"] > 0 and a["timed_out"] is False for a in answers)
    assert len(exported["reviews"]) == 1  # only the scored answer feeds the schedule


def test_mock_countdown_runs_on_its_own_in_a_terminal(mini_bank, data_dir):
    """A real terminal, a real clock, no input: the clock redraws itself and ends the question at zero."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    main, child = pty.openpty()
    env = {**os.environ, "STAFFML_DATA_DIR": str(data_dir), "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "staffml.cli", "--questions", str(mini_bank), "mock",
                             "--minutes", "0.1", "--seed", "1"], stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    output = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    output += os.read(main, 65536)
                except OSError:
                    break
            if b"Time is up for question 1" in output and b"Saved mock session" in output:
                break
    finally:
        proc.kill()
        proc.wait()
        os.close(main)
    text = output.decode("utf-8", "replace")
    shown = set(re.findall(r"⏱ (00:0\d) left", text))
    assert len(shown) >= 3, text  # redrawn without any key pressed
    assert "\x1b[1A" in text  # rewritten in place, above the cursor
    assert "Time is up for question 1." in text and "answered 0 of 1 question(s)" in text


def test_mock_longer_session_ends_with_system_design(run):
    clock = FakeClock(step=timedelta(seconds=1))
    result = run(["mock", "--minutes", "30", "--seed", "3"], clock, input="\n" * 3 + "3\n" * 3)
    assert "Question 3/3" in result.output
    assert result.output.index("tinyml-sample-third") > result.output.index("Question 3/3")


def test_search_and_show(run):
    found = run(["search", "second", "sample"])
    assert "edge-sample-second" in found.output and "cloud-sample-bandwidth" not in found.output
    missing = run(["search", "zzzz-nothing"])
    assert missing.exit_code == 1
    shown = run(["show", "cloud-sample-bandwidth"])
    assert "Worked solution" in shown.output and "125 tokens/s" in shown.output
    typo = run(["show", "cloud-sample-bandwith"])
    assert typo.exit_code != 0 and "Did you mean: cloud-sample-bandwidth" in typo.output


def test_export_import_between_machines(run, tmp_path, monkeypatch):
    clock = FakeClock()
    run(["drill", "--count", "1"], clock, input="\n3\n")
    export_file = tmp_path / "progress.json"
    run(["export", "-o", str(export_file)])
    monkeypatch.setenv("STAFFML_DATA_DIR", str(tmp_path / "other-machine"))
    imported = run(["import", str(export_file)])
    assert "Imported 1 new review(s)" in imported.output
    stats = json.loads(run(["progress", "--json"], clock).output)
    assert stats["overall"]["seen"] == 1


def test_import_rejects_non_export(run, tmp_path):
    bogus = tmp_path / "bogus.json"
    bogus.write_text("{\"hello\": 1}")
    result = run(["import", str(bogus)])
    assert result.exit_code != 0 and "not a staffml progress export" in result.output


def test_corrupt_database_reported_with_fix(run, data_dir):
    data_dir.mkdir(parents=True)
    (data_dir / "progress.sqlite3").write_text("garbage" * 1000)
    result = run(["progress"])
    assert result.exit_code == 1
    assert "not a SQLite database" in result.output and "staffml import" in result.output


def test_check_command_recomputes_bank(run):
    result = run(["check"])
    assert result.exit_code == 0 and "3 questions, 7 checks" in result.output


def test_show_lists_chain_steps(data_dir):
    result = CliRunner().invoke(cli, ["show", "mobile-kv-cache-int8", "--no-answer"], obj={"clock": FakeClock()},
                                env={"COLUMNS": "160"}, catch_exceptions=False)
    assert "Chain on-device-assistant" in result.output
    assert "→ step 3: mobile-kv-cache-int8" in result.output and "step 5: mobile-cloud-offload-savings" in result.output
    assert "Worked solution" not in result.output


def test_check_command_flags_a_multiplier_below_one(tmp_path, data_dir):
    slower = make_question(
        given={"weights_gb": 16, "bw_gbps": 2000, "share": 0.75},
        solution="Reading {weights_gb} GB at {bw_gbps} GB/s takes {step_ms:.1f} ms; four boards run at {share}× "
                 "the speed of one, {tokens_per_s:.0f} tokens/s.",
    )
    root = write_bank(tmp_path / "slower", [slower])
    result = CliRunner().invoke(cli, ["--questions", str(root), "check"], obj={"clock": FakeClock()})
    assert result.exit_code != 0
    assert "cloud-sample-bandwidth.yaml" in result.output and "{share} = 0.75 followed by '×'" in result.output


# ----- bad input: garbage imports, unknown ids, one broken question file ------------------------

@pytest.mark.parametrize("payload, message", [
    (b"\xff\xfe\x00garbage\x80\x81", "is not UTF-8 text (byte 0xff at offset 0)"),
    ("caf\u00e9 {".encode("latin-1"), "is not UTF-8 text (byte 0xe9 at offset 3)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "is not UTF-8 text"),
    (b"not json at all", "is not JSON"),
])
def test_import_of_garbage_is_a_clear_error(run, tmp_path, payload, message):
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(payload)
    result = run(["import", str(bogus)])
    assert result.exit_code == 1 and message in result.output and "staffml export" in result.output
    assert "Traceback" not in result.output


def test_import_reports_reviews_for_unknown_questions(run, tmp_path):
    export = {"format": "staffml-progress", "version": 1, "reviews": [
        {"question_id": "cloud-sample-bandwidth", "rating": 3, "reviewed_at": "2026-03-01T09:00:00+00:00"},
        {"question_id": "retired-question", "rating": 2, "reviewed_at": "2026-03-01T09:05:00+00:00"},
        {"question_id": "retired-question", "rating": 3, "reviewed_at": "2026-03-02T09:05:00+00:00"},
    ], "mock_sessions": []}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    result = run(["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 new review(s)" in result.output
    assert "2 imported record(s) refer to 1 question id(s) not in this bank: retired-question" in result.output
    # kept, not dropped: they travel on in the next export
    exported = json.loads(run(["export"]).stdout)
    assert sum(r["question_id"] == "retired-question" for r in exported["reviews"]) == 2


def _break_one_file(mini_bank):
    broken = mini_bank / "serving-latency" / "edge-sample-second.yaml"
    broken.write_text("id: edge-sample-second\ntitle: [unclosed\n")
    return broken


def test_one_malformed_file_is_skipped_by_drill_and_named(run, mini_bank):
    broken = _break_one_file(mini_bank)
    result = run(["drill", "--count", "5"], FakeClock(), input="\n3\n\n3\n")
    assert result.exit_code == 0, result.output
    assert "Skipping 1 question file(s) with problems" in result.output and str(broken) in result.output
    assert "Session over: 2 question(s) graded." in result.output
    assert "edge-sample-second" not in result.output.split("problems")[-1].split("not valid YAML")[-1]


def test_one_malformed_file_is_skipped_by_mock(run, mini_bank):
    broken = _break_one_file(mini_bank)
    result = run(["mock", "--minutes", "30", "--seed", "3"], FakeClock(step=timedelta(seconds=1)),
                 input="an answer\n\n" * 3 + "3\n" * 3)
    assert result.exit_code == 0, result.output
    assert str(broken) in result.output and "Saved mock session #1" in result.output


def test_one_malformed_file_fails_check(run, mini_bank):
    broken = _break_one_file(mini_bank)
    result = run(["check"])
    assert result.exit_code == 1 and str(broken) in result.output and "not valid YAML" in result.output


def test_question_whose_formula_breaks_is_skipped_by_drill(run, mini_bank):
    question = make_question(id="edge-sample-second", track="edge", area="serving-latency", level="mid",
                             title="A second sample question for drills",
                             checks=[{"name": "step_ms", "expr": "weights_gb / no_such_name", "value": 8.0,
                                      "unit": "ms", "tolerance": 0.01}, make_question()["checks"][1]])
    write_bank(mini_bank, [question])
    result = run(["drill", "--count", "5"], FakeClock(), input="\n3\n\n3\n")
    assert result.exit_code == 0 and "no_such_name" in result.output
    assert "Session over: 2 question(s) graded." in result.output
