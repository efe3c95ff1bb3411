"""Every question validates, links to real chapters and labs, and every napkin-math number recomputes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import make_question, write_bank

from staffml.bank import (Bank, BankError, book_chapters, default_questions_dir, known_labs, parse_file,
                          parse_questions)
from staffml.checks import CheckError, evaluate
from staffml.schema import VOLUME2_AREAS, Area, Format, Level, Track, technology_quantity

QUESTION_FILES = sorted(default_questions_dir().glob("*/*.yaml"))
VOLUME1_AREAS = [a for a in Area if a not in VOLUME2_AREAS]


@pytest.fixture(scope="module")
def bank() -> Bank:
    return Bank()


def test_bank_loads_without_problems(bank):
    assert len(bank) == sum(len(parse_questions(path)[0]) for path in QUESTION_FILES)


@pytest.mark.parametrize("path", QUESTION_FILES, ids=lambda p: p.name.removesuffix(".yaml"))
def test_every_check_recomputes_within_tolerance(path: Path):
    questions, problems = parse_questions(path)
    assert not problems, problems
    failures = []
    for question in questions:
        _, results = evaluate(question)
        failures += [f"{question.id}: {r.describe()}" for r in results if not r.ok]
    assert not failures, f"{path}:\n" + "\n".join(failures)


def test_bank_size_and_balance(bank):
    questions = [lq.question for lq in bank]
    assert len(questions) >= 700
    tracks = Counter(q.track for q in questions)
    areas = Counter(q.area for q in questions)
    levels = Counter(q.level for q in questions)
    assert set(tracks) == set(Track) and min(tracks.values()) >= 40, tracks
    assert set(areas) == set(Area) and min(areas.values()) >= 14, areas
    assert set(levels) == set(Level) and min(levels.values()) >= 35, levels
    cells = Counter((q.track, q.area) for q in questions)
    assert all(cells[(t, a)] >= 2 for t in Track for a in VOLUME1_AREAS), "every track needs every Volume I area"
    formats = Counter(q.format for q in questions)
    assert formats[Format.diagnosis] >= 20 and formats[Format.design_review] >= 40, formats


def test_volume2_reaches_beyond_the_cloud(bank):
    """Fleet-scale topics are not only datacenter topics: phones, edge boxes and sensors are fleets too."""
    volume2 = [lq.question for lq in bank if lq.question.area in VOLUME2_AREAS]
    tracks = Counter(q.track for q in volume2)
    assert all(tracks[t] >= 5 for t in (Track.edge, Track.mobile, Track.tinyml)), tracks
    areas_off_cloud = {q.area for q in volume2 if q.track != Track.cloud}
    assert len(areas_off_cloud) >= 7, sorted(a.value for a in areas_off_cloud)
    # every level and every evidence format appears in Volume II, not only in the single-device areas
    assert {q.level for q in volume2} == set(Level)
    assert {q.format for q in volume2} == set(Format)


def test_every_question_is_a_distinct_scenario(bank):
    """Parametric families must not repeat a scenario: every rendered scenario and title is unique."""
    scenarios = Counter(lq.text("scenario") for lq in bank)
    titles = Counter(lq.text("title") for lq in bank)
    assert max(scenarios.values()) == 1, [s[:80] for s, n in scenarios.items() if n > 1]
    assert max(titles.values()) == 1, [t for t, n in titles.items() if n > 1]


def test_volume2_questions_link_the_section_that_teaches_them(bank):
    volume2 = [lq.question for lq in bank if lq.question.area in VOLUME2_AREAS]
    assert volume2 and all(q.sections and all(c.startswith("vol2/") for c in q.chapters) for q in volume2)


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


# ----- comparison wording: conclusions are pinned, ratios below 1 are not printed as "N×" --------

def _conclusion_check(expr: str = "tokens_per_s > 100") -> dict:
    return {"name": "fast_enough", "expr": expr, "value": True}


def test_every_design_case_and_staff_question_states_a_conclusion(bank):
    needing = [lq for lq in bank if lq.question.area == Area.system_design or lq.question.level == Level.staff]
    assert len(needing) >= 50
    missing = [lq.question.id for lq in needing if not any(c.is_conclusion for c in lq.question.checks)]
    assert not missing, missing


@pytest.mark.parametrize("overrides, kind", [
    ({"area": "system-design", "level": "senior"}, "system-design case"),
    ({"level": "staff"}, "staff-level question"),
])
def test_design_or_staff_question_without_conclusion_fails(tmp_path, overrides, kind):
    question = make_question(**overrides)
    if overrides.get("area") == "system-design":
        question["chapters"] = ["vol1/serving"]
    message = _problems(tmp_path, question)
    assert "cloud-sample-bandwidth.yaml" in message and kind in message and "boolean conclusion" in message


def test_design_question_with_conclusion_loads(tmp_path):
    question = make_question(area="system-design", level="staff",
                             checks=[*make_question()["checks"], _conclusion_check()])
    write_bank(tmp_path / "q", [question])
    assert len(Bank(tmp_path / "q")) == 1


def test_junior_question_needs_no_conclusion(tmp_path):
    write_bank(tmp_path / "q", [make_question()])
    assert len(Bank(tmp_path / "q")) == 1


@pytest.mark.parametrize("expr", ["tokens_per_s", "bool(tokens_per_s)", "tokens_per_s and step_ms"])
def test_boolean_check_must_be_a_comparison(tmp_path, expr):
    message = _problems(tmp_path, make_question(checks=[*make_question()["checks"], _conclusion_check(expr)]))
    assert "fast_enough" in message and "must be a comparison" in message


@pytest.mark.parametrize("expr", ["tokens_per_s > 100", "100 < tokens_per_s < 200",
                                  "tokens_per_s > 100 and not step_ms > 10"])
def test_comparisons_joined_by_logic_are_conclusions(expr):
    from staffml.schema import is_comparison

    assert is_comparison(expr)


def test_ratio_below_one_with_unit_x_fails_and_suggests_the_inverse(tmp_path):
    checks = [*make_question()["checks"],
              {"name": "speedup", "expr": "step_ms / 10.75", "value": 0.744, "unit": "x", "tolerance": 0.01}]
    message = _problems(tmp_path, make_question(
        checks=checks, solution="The step takes {step_ms:.1f} ms, {tokens_per_s:.0f} tokens/s, which is {speedup:.2f}× the baseline."))
    assert "speedup" in message and "inverse ratio (1.34 x)" in message and "fraction" in message


def test_ratio_below_one_as_fraction_loads(tmp_path):
    checks = [*make_question()["checks"],
              {"name": "share", "expr": "step_ms / 10.75", "value": 0.744, "unit": "fraction", "tolerance": 0.01}]
    write_bank(tmp_path / "q", [make_question(
        checks=checks, solution="The step takes {step_ms:.1f} ms, {tokens_per_s:.0f} tokens/s, which is {share:.0%} of the baseline.")])
    assert len(Bank(tmp_path / "q")) == 1


def test_multiplier_below_one_in_text_is_flagged_but_arithmetic_is_not(tmp_path):
    from staffml.bank import ratio_wording_problems

    comparison = make_question(given={"weights_gb": 16, "bw_gbps": 2000, "share": 0.75},
                               solution="The step takes {step_ms:.1f} ms; four boards are {share}× faster, {tokens_per_s:.0f} tokens/s.")
    arithmetic = make_question(id="edge-sample-arith", track="edge",
                               given={"weights_gb": 16, "bw_gbps": 2000, "share": 0.75},
                               solution="{share} × {weights_gb} GB and {share} × (2 + 1) and {share}×2 are "
                                        "products: {step_ms:.1f} ms, {tokens_per_s:.0f}/s.")
    bank = Bank(write_bank(tmp_path / "q", [comparison, arithmetic]))
    assert any("{share} = 0.75" in p for p in ratio_wording_problems(bank.get("cloud-sample-bandwidth")))
    assert ratio_wording_problems(bank.get("edge-sample-arith")) == []


def test_no_question_prints_a_multiplier_below_one(bank):
    from staffml.bank import ratio_wording_problems

    problems = [p for lq in bank for p in ratio_wording_problems(lq)]
    assert not problems, "\n".join(problems)


# ----- verdicts are printed from boolean checks, inputs come from the catalog --------------------

_FITS = {"name": "fits", "expr": "weights_gb < 80", "value": True}


def test_verdict_sentence_without_a_check_fails(tmp_path):
    message = _problems(tmp_path, make_question(
        solution="Reading {weights_gb} GB at {bw_gbps} GB/s takes {step_ms:.1f} ms, {tokens_per_s:.0f} tokens/s; "
                 "the weights fit in one device and the step is memory-bound."))
    assert "cloud-sample-bandwidth.yaml" in message and "verdict without a boolean check" in message
    assert "the weights fit in one device and the step is memory-bound" in message
    assert "{fits:fit|do not fit}" in message


@pytest.mark.parametrize("sentence", [
    "INT8 weights still do not fit.", "The GPU keeps up with the cameras.", "The edge box is cheaper.",
    "The kernel is compute-bound.", "It meets the deadline.", "It misses its target.",
    # comparative verdicts the v2 rule adds: each of these was once typed next to the numbers
    "So four boards are slower than one.", "The total is 130%: over budget.", "The worst case is within the 1500 ms budget.",
    "The capacitor holds 2,100 ms: enough.", "The CPU is the bottleneck.", "It is 3.5% of the INT32 limit: no overflow.",
])
def test_every_verdict_phrase_needs_a_check(sentence):
    from staffml.schema import unpinned_verdicts

    assert unpinned_verdicts(f"{{step_ms:.1f}} ms. {sentence}", set()) == [sentence]


@pytest.mark.parametrize("sentence", [
    "Its FIT rate is 2,097.", "Cache misses are cheap.", "The benefit is small.", "A best-fitting line.",
    "The power budget is 15 W.", "A bottleneck analysis names each stage's rate.", "Overflow needs saturation logic.",
])
def test_words_that_are_not_verdicts_pass(sentence):
    from staffml.schema import unpinned_verdicts

    assert unpinned_verdicts(sentence, set()) == []


def test_verdict_in_the_strong_answer_needs_a_check_too(tmp_path):
    # The strong answer is the rubric a candidate is scored against; a typed verdict there goes stale too.
    message = _problems(tmp_path, make_question(
        strong_answer=["Divides the weight bytes by the bandwidth.", "Says that the step is memory-bound."]))
    assert "strong_answer states a verdict without a boolean check" in message
    assert "Says that the step is memory-bound." in message


def test_pinned_verdict_in_the_strong_answer_loads(tmp_path):
    question = make_question(
        checks=[*make_question()["checks"], _FITS],
        strong_answer=["Divides the weight bytes by the bandwidth.", "Notes that the weights {fits:fit|do not fit}."])
    write_bank(tmp_path / "q", [question])
    loaded = Bank(tmp_path / "q").get("cloud-sample-bandwidth")
    assert loaded.items("strong_answer")[1] == "Notes that the weights fit."


def test_verdict_placeholder_prints_the_recomputed_branch(tmp_path):
    solution = ("Reading {weights_gb} GB at {bw_gbps} GB/s takes {step_ms:.1f} ms, {tokens_per_s:.0f} tokens/s; "
                "the weights {fits:fit|do not fit} in one device.")
    bank = Bank(write_bank(tmp_path / "q", [make_question(solution=solution, checks=[*make_question()["checks"], _FITS])]))
    assert "the weights fit in one device" in bank.get("cloud-sample-bandwidth").text("solution")
    big = make_question(id="cloud-sample-big", given={"weights_gb": 160, "bw_gbps": 2000}, solution=solution,
                        checks=[{**c, "value": c["value"] * 10 if c["name"] == "step_ms" else c["value"] / 10}
                                for c in make_question()["checks"]] + [{**_FITS, "value": False}])
    bank = Bank(write_bank(tmp_path / "r", [big]))
    lq = bank.get("cloud-sample-big")
    assert all(r.ok for r in lq.evaluation[1])
    assert "the weights do not fit in one device" in lq.text("solution")


def test_verdict_that_contradicts_the_numbers_fails_its_check(tmp_path):
    # the bug the issue found: 71 GB of INT8 weights stated as "does not fit" in 80 GB
    question = make_question(given={"weights_gb": 71, "bw_gbps": 2000},
                             solution="{weights_gb} GB at {bw_gbps} GB/s: {step_ms:.1f} ms, {tokens_per_s:.0f}/s; "
                                      "INT8 weights {fits:fit|do not fit}.",
                             checks=[{**make_question()["checks"][0], "value": 35.5},
                                     {**make_question()["checks"][1], "value": 28.2},
                                     {**_FITS, "value": False}])
    lq = Bank(write_bank(tmp_path / "q", [question])).get("cloud-sample-bandwidth")
    failed = [r for r in lq.evaluation[1] if not r.ok]
    assert [r.check.name for r in failed] == ["fits"] and "stated False, recomputed True" in failed[0].describe()


def test_boolean_check_printed_without_branches_fails(tmp_path):
    message = _problems(tmp_path, make_question(
        solution="{weights_gb} GB at {bw_gbps} GB/s: {step_ms:.1f} ms, {tokens_per_s:.0f}/s; result: {fits}.",
        checks=[*make_question()["checks"], _FITS]))
    assert "would print True/False" in message and "{fits:fits|does not fit}" in message


def test_branches_on_a_number_fail(tmp_path):
    message = _problems(tmp_path, make_question(
        solution="Reading {weights_gb} GB at {bw_gbps} GB/s sets the step: {step_ms:fast|slow}, so at most {tokens_per_s:.0f} tokens/s."))
    assert "'step_ms' is a number" in message


def test_typed_copy_of_a_catalog_number_fails(tmp_path):
    message = _problems(tmp_path, make_question(
        given={"weights_gb": 16, "bw_gbps": 2000, "gpu": "H100-SXM", "hbm_gb": 80}, scenario_givens=["bw_gbps", "hbm_gb"],
        scenario="A decode step on one {gpu} with {hbm_gb} GB reads {weights_gb} GB at {bw_gbps} GB/s. Lower bound?"))
    assert "hbm_gb = 80 restates the catalog's memory GB of H100-SXM" in message and "ms.hardware('H100-SXM')" in message


def test_sources_must_cite_a_given_in_words(tmp_path):
    assert "'radio_kbps' is not a given" in _problems(tmp_path, make_question(
        sources={"radio_kbps": "Bluetooth Core Specification 5.3, LE 1M PHY"}))
    assert "too short" in _problems(tmp_path, make_question(sources={"bw_gbps": "datasheet"}))


@pytest.mark.parametrize("name, value, kind", [
    ("radio_nj_per_bit", 100, "an energy"), ("camera_w", 0.15, "a power"), ("cam_mbps", 8, "a bit or byte rate"),
    ("battery_mah", 200, "a stored energy or battery capacity"), ("npu_tops", 35, "a compute throughput"),
    ("i_tx_ma", 20, "a current draw"), ("rtt_ms", 60, "a network round-trip time"),
    ("sram_kb", 256, "a memory or storage capacity"), ("link_mbs", 117, "a bit or byte rate"),
    ("kw_per_gpu", 1.275, "a power"),
    ("device_mtbf_h", 50000, "a mean time between or to failures"),
    ("node_mtbf_days", 15, "a mean time between or to failures"), ("mttf_h", 1e6, "a mean time between or to failures"),
    ("afr", 0.03, "a failure or error rate"), ("gpu_fail", 0.01, "a failure or error rate"),
    ("failures_per_day", 8, "a failure or error rate"), ("sdc_per_gpu_year", 0.01, "a failure or error rate"),
    ("fit_per_mbit", 1000, "a failure or error rate"), ("ber", 1e-15, "a failure or error rate"),
    ("pe_cycles", 3000, "a write endurance"), ("erase_cycles", 10000, "a write endurance"),
    ("ble_kb", 40, "a memory or storage capacity"),
])
def test_technology_input_without_an_origin_fails_naming_file_and_input(tmp_path, name, value, kind):
    message = _problems(tmp_path, make_question(given={**make_question()["given"], name: value}))
    assert "cloud-sample-bandwidth.yaml" in message
    assert f"given {name} = {value:g} ({kind}) is a property of a technology" in message
    assert "sources:" in message and "scenario_givens:" in message and "catalog" in message


def test_technology_inputs_need_a_source_or_a_declaration(tmp_path):
    # the base question declares its bandwidth a scenario given; without that it fails
    message = _problems(tmp_path, make_question(scenario_givens=[]))
    assert "given bw_gbps = 2000 (a bit or byte rate)" in message
    cited = make_question(scenario_givens=[], sources={"bw_gbps": "NVIDIA H100 datasheet: 3.35 TB/s of HBM3 bandwidth"})
    assert len(Bank(write_bank(tmp_path / "cited", [cited]))) == 1


@pytest.mark.parametrize("name", ["usd_per_kwh", "kg_per_kwh", "slo_ms", "batch", "s_w", "w", "budget_t", "bytes_per_param",
                                  # an incident's share of failed requests, CPU cycle counts, a count of events
                                  "failed_pct", "penalty_cycles", "popcount_cycles", "cycles_per_mac", "interruptions",
                                  "repair_days", "stack_kb", "arena_kb"])
def test_prices_budgets_and_counts_are_not_technology_properties(name):
    assert technology_quantity(name) is None


def test_scenario_givens_must_be_told_technology_inputs(tmp_path):
    assert "'radio_kbps' is not a given" in _problems(tmp_path / "a", make_question(scenario_givens=["bw_gbps", "radio_kbps"]))
    assert "'weights_gb' is not a technology quantity" in _problems(
        tmp_path / "b", make_question(scenario_givens=["bw_gbps", "weights_gb"]))
    assert "also has a source" in _problems(tmp_path / "c", make_question(
        sources={"bw_gbps": "NVIDIA H100 datasheet: 3.35 TB/s of HBM3 bandwidth"}))
    untold = make_question(scenario="A decode step reads {weights_gb} GB of weights from memory. What bounds the step time?")
    assert "'bw_gbps' is never stated in the scenario" in _problems(tmp_path / "d", untold)


@pytest.mark.parametrize("scenario, named", [
    ("A wearable sends {weights_gb} GB over Bluetooth LE at {bw_gbps} GB/s. How long does it take?", "Bluetooth"),
    ("A phone whose LPDDR5X delivers {bw_gbps} GB/s reads {weights_gb} GB per step. What bounds the step?", "LPDDR5X"),
    ("A decode step on one {gpu} reads {weights_gb} GB at {bw_gbps} GB/s. What bounds the step time?", "H100-SXM"),
])
def test_scenario_given_of_a_named_technology_fails(tmp_path, scenario, named):
    given = {**make_question()["given"], "gpu": "H100-SXM"}
    message = _problems(tmp_path, make_question(given=given, scenario=scenario))
    assert f"scenario given bw_gbps is stated as a figure of {named!r}" in message and "cite it in `sources:`" in message


def test_declared_failure_rate_of_a_named_gpu_fails_and_a_fleet_measurement_passes(tmp_path):
    # "each H100-SXM fails once every N hours" is a claim about the part; the fleet's own log is a measurement
    given = {**make_question()["given"], "gpu": "H100-SXM", "gpu_mtbf_h": 50000}
    tail = " Reading {weights_gb} GB at {bw_gbps} GB/s bounds a step; what bounds the run?"
    of_part = make_question(given=given, scenario_givens=["bw_gbps", "gpu_mtbf_h"],
                            scenario="Each {gpu} fails once every {gpu_mtbf_h} hours." + tail)
    assert "scenario given gpu_mtbf_h is stated as a figure of 'H100-SXM'" in _problems(tmp_path / "a", of_part)
    measured = make_question(given=given, scenario_givens=["bw_gbps", "gpu_mtbf_h"],
                             scenario="The job runs on {gpu} nodes. Your fleet's log shows one failure per {gpu_mtbf_h} GPU-hours." + tail)
    assert len(Bank(write_bank(tmp_path / "b", [measured]))) == 1


def test_scenario_given_next_to_an_unrelated_technology_name_passes(tmp_path):
    # the technology named after the figure is not the figure's subject
    scenario = "Memory streams {bw_gbps} GB/s to a core that reads {weights_gb} GB per step and reports over BLE. Bound?"
    assert len(Bank(write_bank(tmp_path / "q", [make_question(scenario=scenario)]))) == 1


def test_bank_declares_or_cites_every_technology_input(bank):
    """No blanket exemption: each declared scenario given is a technology input stated in its scenario."""
    declared = [(lq.question.id, name) for lq in bank for name in lq.question.scenario_givens]
    assert declared and all(technology_quantity(name) for _, name in declared)
    cited = sum(1 for lq in bank for name in lq.question.sources if technology_quantity(name))
    assert cited >= 20, cited
    reliability = {"a mean time between or to failures", "a failure or error rate", "a write endurance"}
    covered = {technology_quantity(name) for lq in bank for name in (*lq.question.sources, *lq.question.scenario_givens)}
    assert reliability <= covered, reliability - covered


@pytest.mark.parametrize("sentence", [
    "Run fast and sleep: the faster clock wins.", "Energy alone favours streaming.",
    "Local inference is the bigger energy cost.", "The KV cache is the larger term.", "On-device detection beats streaming.",
    "The camera dominates detection.",
])
def test_winner_and_larger_share_verdicts_need_a_check(tmp_path, sentence):
    solution = make_question()["solution"] + " " + sentence
    assert "states a verdict without a boolean check" in _problems(tmp_path, make_question(solution=solution))


def test_sections_must_exist_in_the_book_and_the_chapter(tmp_path):
    assert "not a heading id" in _problems(tmp_path, make_question(
        chapters=["vol2/collective_communication"], sections=["sec-collective_communication-no-such-topic"]))
    assert "not in one of its chapters" in _problems(tmp_path, make_question(
        chapters=["vol1/serving"], sections=["sec-collective_communication-ring-tree"]))


@pytest.mark.parametrize("fmt", ["diagnosis", "design-review"])
def test_diagnosis_and_design_review_pin_their_answer(tmp_path, fmt):
    message = _problems(tmp_path, make_question(format=fmt))
    assert f"a {fmt} question needs a boolean check" in message


def test_llama70b_int8_verdict_is_fixed(bank):
    lq = bank.get("cloud-llama70b-fit-one-gpu")
    solution = lq.text("solution")
    assert "INT8 weights (71 GB) do fit on one device" in solution
    assert "still do not fit" not in solution


# ----- parametric families -----------------------------------------------------------------------

def _family(**template_overrides) -> dict:
    template = make_question(**template_overrides)
    del template["id"]
    template["title"] = "Time to stream {weights_gb} GB of weights"
    template["checks"] = [{k: v for k, v in c.items() if k != "value"} for c in template["checks"]]
    return {"family": "stream-weights", "template": template, "instances": [
        {"id": "stream-weights-16", "given": {"weights_gb": 16}, "expect": {"step_ms": 8.0, "tokens_per_s": 125}},
        {"id": "stream-weights-32", "given": {"weights_gb": 32}, "expect": {"step_ms": 16.0, "tokens_per_s": 62.5}},
    ]}


def _write_family(root: Path, family: dict) -> Path:
    folder = root / family["template"]["area"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{family['family']}.family.yaml"
    path.write_text(yaml.safe_dump(family, sort_keys=False, allow_unicode=True))
    return path


def test_family_instances_are_questions_with_their_own_answers(tmp_path):
    _write_family(tmp_path / "q", _family())
    bank = Bank(tmp_path / "q")
    assert len(bank) == 2
    assert "16.0 ms" in bank.get("stream-weights-32").text("solution")
    assert bank.get("stream-weights-16").text("title") == "Time to stream 16 GB of weights"


def test_family_instance_with_a_wrong_stated_value_fails_its_check(tmp_path):
    family = _family()
    family["instances"][1]["expect"]["step_ms"] = 8.0
    path = _write_family(tmp_path / "q", family)
    questions, problems = parse_questions(path)
    assert not problems
    failing = [r.describe() for q in questions for r in evaluate(q)[1] if not r.ok]
    assert failing == ["step_ms: stated 8 ms, recomputed 16 (+100.0%, tolerance ±1.0%) from `weights_gb / bw_gbps * 1e3`"]


def test_family_instance_missing_a_stated_value_is_named(tmp_path):
    family = _family()
    del family["instances"][1]["expect"]["tokens_per_s"]
    _write_family(tmp_path / "q", family)
    with pytest.raises(BankError) as info:
        Bank(tmp_path / "q")
    assert "[instance 2: stream-weights-32]" in str(info.value) and "missing: ['tokens_per_s']" in str(info.value)
    lenient = Bank(tmp_path / "q", strict=False)
    assert len(lenient) == 1 and lenient.skipped_files


def test_family_file_name_must_match_the_family(tmp_path):
    family = _family()
    path = _write_family(tmp_path / "q", family)
    path.rename(path.with_name("other.family.yaml"))
    with pytest.raises(BankError, match="must match the file name"):
        Bank(tmp_path / "q")
