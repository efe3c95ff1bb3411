"""Every question validates, links to real chapters and labs, and every napkin-math number recomputes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import make_question, write_bank

from staffml.bank import Bank, BankError, book_chapters, default_questions_dir, known_labs, parse_file
from staffml.checks import CheckError, evaluate
from staffml.schema import Area, Level, Track

QUESTION_FILES = sorted(default_questions_dir().glob("*/*.yaml"))


@pytest.fixture(scope="module")
def bank() -> Bank:
    return Bank()


def test_bank_loads_without_problems(bank):
    assert len(bank) == len(QUESTION_FILES)


@pytest.mark.parametrize("path", QUESTION_FILES, ids=lambda p: p.stem)
def test_every_check_recomputes_within_tolerance(path: Path):
    question = parse_file(path)
    _, results = evaluate(question)
    failures = [r.describe() for r in results if not r.ok]
    assert not failures, f"{path}:\n" + "\n".join(failures)


def test_bank_size_and_balance(bank):
    questions = [lq.question for lq in bank]
    assert len(questions) >= 200
    tracks = Counter(q.track for q in questions)
    areas = Counter(q.area for q in questions)
    levels = Counter(q.level for q in questions)
    assert set(tracks) == set(Track) and min(tracks.values()) >= 40, tracks
    assert set(areas) == set(Area) and min(areas.values()) >= 14, areas
    assert set(levels) == set(Level) and min(levels.values()) >= 35, levels
    cells = Counter((q.track, q.area) for q in questions)
    assert all(cells[(t, a)] >= 2 for t in Track for a in Area), "every track needs questions in every area"


def test_chains_grow_from_one_device_to_a_fleet(bank):
    chains: dict[str, list] = {}
    for lq in bank:
        if lq.question.chain:
            chains.setdefault(lq.question.chain.id, []).append(lq.question)
    assert len(chains) >= 4
    for chain_id, members in chains.items():
        steps = sorted(q.chain.step for q in members)
        assert steps == list(range(1, len(steps) + 1)), f"chain {chain_id} has gaps: {steps}"
        assert len(steps) >= 3, f"chain {chain_id} needs at least three steps"
        assert len({q.track for q in members}) == 1, f"chain {chain_id} mixes tracks"


def test_system_design_cases_cover_every_track(bank):
    design = [lq.question for lq in bank if lq.question.area == Area.system_design]
    assert len(design) >= 16
    assert {q.track for q in design} == set(Track)
    assert sum(q.level in (Level.senior, Level.staff) for q in design) >= 10


def test_chapter_and_lab_links_resolve(bank):
    chapters = book_chapters()
    assert chapters, "book/vol*/_quarto.yml lists no chapters"
    labs = known_labs()
    used_labs = {lq.question.lab for lq in bank if lq.question.lab}
    for lq in bank:
        assert set(lq.question.chapters) <= chapters, lq.path
    if labs is not None:
        assert used_labs <= labs
    assert len(used_labs) >= 8, "questions should point learners at the labs"


def test_every_question_renders_with_recomputed_numbers(bank):
    for lq in bank:
        rendered = lq.rendered()
        assert rendered["solution"] != lq.question.solution, f"{lq.path}: the solution shows no computed number"


# ----- the validator rejects bad files and names them --------------------------------------------

def _problems(tmp_path: Path, question: dict) -> str:
    write_bank(tmp_path / "q", [question])
    with pytest.raises(BankError) as info:
        Bank(tmp_path / "q")
    return str(info.value)


def test_unknown_field_fails_with_file_name(tmp_path):
    message = _problems(tmp_path, make_question(follow_up=["typo of follow_ups"]))
    assert "cloud-sample-bandwidth.yaml" in message and "follow_up" in message


def test_missing_field_fails_with_file_name(tmp_path):
    question = make_question()
    del question["common_mistakes"]
    message = _problems(tmp_path, question)
    assert "cloud-sample-bandwidth.yaml" in message and "common_mistakes" in message


def test_list_item_with_colon_space_explains_the_quoting_fix(tmp_path):
    write_bank(tmp_path / "q", [make_question()])
    (path,) = (tmp_path / "q").rglob("cloud-sample-bandwidth.yaml")
    text = path.read_text()
    # A flow-list item holding ": " is what authors actually write and YAML reads as a mapping.
    doc = yaml.safe_load(text)
    doc["follow_ups"] = "FLOW_LIST"
    path.write_text(yaml.safe_dump(doc).replace("FLOW_LIST", "[Cost: 3 GPUs per replica]"))
    with pytest.raises(BankError) as info:
        Bank(tmp_path / "q")
    message = str(info.value)
    assert "cloud-sample-bandwidth.yaml" in message and "follow_ups.0" in message
    assert "quote" in message and "': '" in message


def test_broken_chapter_link_fails_with_file_name(tmp_path):
    message = _problems(tmp_path, make_question(chapters=["vol1/no_such_chapter"]))
    assert "cloud-sample-bandwidth.yaml" in message and "no_such_chapter" in message


def test_unknown_lab_fails(tmp_path):
    if known_labs() is None:
        pytest.fail("labs/labs.yml is missing; the lab-link validation cannot run")
    message = _problems(tmp_path, make_question(lab="no_such_lab"))
    assert "no_such_lab" in message and "labs.yml" in message


def test_placeholder_without_check_fails(tmp_path):
    message = _problems(tmp_path, make_question(solution="The answer is {missing_value:.1f} ms, which is plenty "
                                                          "for this question; {step_ms} and {tokens_per_s}."))
    assert "missing_value" in message


def test_check_never_shown_fails(tmp_path):
    message = _problems(tmp_path, make_question(solution="A solution that forgets to show the step time at all, "
                                                          "only {tokens_per_s:.0f} tokens/s."))
    assert "step_ms" in message and "never shown" in message


def test_id_must_match_file_name_and_area_folder(tmp_path):
    question = make_question()
    folder = tmp_path / "q" / "serving-latency"
    folder.mkdir(parents=True)
    (folder / "other-name.yaml").write_text(yaml.safe_dump(question))
    with pytest.raises(BankError) as info:
        Bank(tmp_path / "q")
    assert "must match the file name" in str(info.value) and "must live in questions/memory-hierarchy" in str(info.value)


def test_numeric_check_needs_tolerance(tmp_path):
    question = make_question()
    del question["checks"][0]["tolerance"]
    assert "tolerance" in _problems(tmp_path, question)


def test_wrong_stated_value_is_caught():
    from staffml.schema import Question

    question = Question.model_validate(make_question(checks=[
        {"name": "step_ms", "expr": "weights_gb / bw_gbps * 1e3", "value": 9.0, "unit": "ms", "tolerance": 0.05},
        {"name": "tokens_per_s", "expr": "1e3 / step_ms", "value": 125, "unit": "tokens/s", "tolerance": 0.01},
    ]))
    _, results = evaluate(question)
    assert [r.ok for r in results] == [False, True]
    assert "stated 9 ms, recomputed 8" in results[0].describe()


def test_boolean_conclusion_checks():
    from staffml.schema import Question

    question = Question.model_validate(make_question(checks=[
        *make_question()["checks"],
        {"name": "fast_enough", "expr": "tokens_per_s > 100", "value": False},
    ]))
    _, results = evaluate(question)
    assert results[-1].computed is True and not results[-1].ok


def test_broken_expression_names_question_and_check():
    from staffml.schema import Question

    question = Question.model_validate(make_question(checks=[
        {"name": "step_ms", "expr": "weights_gb / undefined_name", "value": 8.0, "unit": "ms", "tolerance": 0.01},
        {"name": "tokens_per_s", "expr": "1e3 / step_ms", "value": 125, "unit": "tokens/s", "tolerance": 0.01},
    ]))
    with pytest.raises(CheckError, match="cloud-sample-bandwidth: check 'step_ms'.*undefined_name"):
        evaluate(question)


def test_expressions_cannot_reach_builtins():
    from staffml.schema import Question

    question = Question.model_validate(make_question(checks=[
        {"name": "step_ms", "expr": "__import__('os').getpid()", "value": 8.0, "unit": "ms", "tolerance": 0.01},
        {"name": "tokens_per_s", "expr": "1e3 / step_ms", "value": 125, "unit": "tokens/s", "tolerance": 0.01},
    ]))
    with pytest.raises(CheckError, match="__import__"):
        evaluate(question)
