"""The labs teach what they claim: captured predictions, derived controls, honest labels and axes."""
from __future__ import annotations

import math
import re

import pytest

import labkit as lk
from labkit.harness import default_run, error_messages, output_text, run_lab


def _plain(html: str) -> str:
    """The text a learner reads in a rendered output (tags and marimo's JSON escaping removed)."""
    text = html.replace("&#92;u003c", "<").replace("&#92;u003e", ">").replace("\\u003c", "<").replace("\\u003e", ">")
    return re.sub(r"<[^>]+>", "", text)


# ---- predict, then reveal ------------------------------------------------------------------------

def test_pick_refuses_an_answer_that_is_not_an_option():
    spec = lk.Pick("Which?", ["a", "b"])
    with pytest.raises(ValueError, match="not one of the options"):
        spec.build("c")
    with pytest.raises(ValueError, match="two or more distinct options"):
        lk.Pick("Which?", ["a", "a"])


def test_estimate_reads_typed_numbers_and_ignores_non_numbers():
    spec = lk.Estimate("How many?", "requests")
    assert spec.guess(spec.build(1200)) == 1200
    assert spec.guess(spec.build()) is None
    widget = spec.build()
    assert spec.guess(type("W", (), {"value": "1,200"})()) == 1200
    assert spec.guess(type("W", (), {"value": "lots"})()) is None
    assert widget.value == ""


def test_reveal_waits_for_a_guess_then_compares_it():
    spec = lk.Pick("Which?", ["small", "large"])
    waiting = _plain(lk.reveal(spec, spec.build(), "large", "it is large").text)
    assert "You said" not in waiting and "Pick or type your guess" in waiting
    wrong = _plain(lk.reveal(spec, spec.build("small"), "large", "42 units").text)
    assert "You said small; the engine says 42 units." in wrong and "closest option is large" in wrong
    right = _plain(lk.reveal(spec, spec.build("large"), "large", "42 units").text)
    assert "Right." in right
    number = lk.Estimate("How many?", "requests")
    high = _plain(lk.reveal(number, number.build(500), 52, "52 requests").text)
    assert "You said 500 requests; the engine says 52 requests." in high and "too high" in high
    close = _plain(lk.reveal(number, number.build(60), 52, "52 requests").text)
    assert "Within a factor of two" in close


def test_closest_compares_orders_of_magnitude():
    options = {"about 2K": 2048, "about 16K": 16384, "about 64K": 65536}
    assert lk.closest(options, 28_000) == "about 16K"
    assert lk.closest(options, 50_000) == "about 64K"


def test_every_lab_captures_a_prediction_before_its_controls(lab_id):
    outputs, defs = default_run(lab_id)
    spec = defs["prediction_spec"]
    assert isinstance(spec, (lk.Pick, lk.Estimate)), "a lab declares prediction_spec = lk.Pick(...) or lk.Estimate(...)"
    text = output_text(outputs)
    assert "Your prediction" in text
    assert text.index("Your prediction") < text.index("Controls")
    assert "Pick or type your guess" in _plain(text), "without a guess the reveal waits"


def test_every_lab_reveals_you_said_x_the_engine_says_y(lab_id):
    _, defs = default_run(lab_id)
    spec = defs["prediction_spec"]
    if isinstance(spec, lk.Pick):
        verdicts = {}
        for option in spec.options:
            text = _plain(output_text(run_lab(lab_id, guess=option)[0]))
            assert f"You said {option}; the engine says" in text
            verdicts[option] = "Right." in text
        # the engine's answer is exactly one of the options the learner could pick
        assert sum(verdicts.values()) == 1, verdicts
    else:
        text = _plain(output_text(run_lab(lab_id, guess=1e12)[0]))
        assert "You said 1e+12" in text and "the engine says" in text and "too high" in text


# ---- dependent controls are derived, never blank the lab --------------------------------------------

@pytest.mark.parametrize("model", ["Llama-3-8B", "Llama-3-70B", "GPT-3-175B", "Llama-3.1-405B"])
def test_parallelism_3d_every_model_at_default_settings_shows_its_outputs(model):
    outputs, defs = run_lab("parallelism_3d", model=model)
    assert error_messages(outputs) == []
    assert any(isinstance(o, lk.Chart) for o in outputs) and "<table" in output_text(outputs)
    if model == "Llama-3.1-405B":
        assert any("uneven" in note for note in defs["notes"])


def test_parallelism_3d_micro_batches_double_with_pipeline_depth_and_the_head_explains_compute():
    _, four = run_lab("parallelism_3d", pp=4)
    _, eight = run_lab("parallelism_3d", pp=8)
    assert eight["result"].n_micro_batches == 2 * four["result"].n_micro_batches
    assert eight["result"].compute_s > four["result"].compute_s
    text = _plain(output_text(run_lab("parallelism_3d")[0]))
    assert "twice as many micro-batches" in text and "LM head" in text
    assert "stay the same or shrink" not in text


def test_parallelism_3d_impossible_splits_are_moved_to_the_nearest_valid_one():
    outputs, defs = run_lab("parallelism_3d", gpus=8, pp=32)
    assert error_messages(outputs) == [] and defs["used"]["pp"] == 1 and defs["notes"]
    outputs, defs = run_lab("parallelism_3d", gpus=4096, tp=1, pp=1, global_batch=256)
    assert error_messages(outputs) == [] and defs["used"]["global_batch"] == 4096


@pytest.mark.parametrize("model", ["Llama-2-7B", "Llama-3-8B", "Llama-2-13B", "Llama-2-70B", "Llama-3-70B"])
def test_kv_cache_serving_every_model_runs_at_the_default_context(model):
    outputs, defs = run_lab("kv_cache_serving", model=model)
    assert error_messages(outputs) == []
    assert defs["max_concurrency"] >= 1
    assert defs["context"] <= defs["model"].max_seq_len


def test_kv_cache_serving_reflection_scenario_gives_about_four_times_fewer_requests():
    text = _plain(output_text(run_lab("kv_cache_serving")[0]))
    assert "2,048 tokens each" in text
    _, gqa = run_lab("kv_cache_serving", model="Llama-3-8B", prompt_len=2048, output_len=2048)
    _, mha = run_lab("kv_cache_serving", model="Llama-2-7B", prompt_len=2048, output_len=2048)
    assert 3.5 < gqa["max_concurrency"] / mha["max_concurrency"] < 4.5


# ---- labels, axes and boxes -----------------------------------------------------------------------

def test_integer_precisions_are_counted_in_ops_not_flops():
    assert lk.ops_unit("int8") == "OP/s" and lk.ops_unit("bf16") == "FLOP/s"
    outputs, _ = run_lab("roofline", dtype="int8")
    chart = next(o for o in outputs if isinstance(o, lk.Chart))
    assert chart.spec["layer"][0]["encoding"]["y"]["title"] == "TOP/s"
    text = _plain(output_text(outputs))
    assert "peak int8 OP/s binds" in text or "HBM bandwidth binds" in text
    assert "intensity (OP/B)" in text and "attainable" in text


def _domains_cover_exactly_the_data(chart: lk.Chart) -> list[str]:
    problems = []
    for layer in chart.spec["layer"]:
        for axis in ("x", "y"):
            scale = layer.get("encoding", {}).get(axis, {}).get("scale", {})
            if "domain" not in scale:
                continue
            low, high = scale["domain"]
            values = [row[axis] for row in layer["data"]["values"]]
            if values and (min(values) < low or max(values) > high):
                problems.append(f"{chart.spec['title']}: {axis} data outside {scale['domain']}")
            if values and not math.isclose(min(values), low) and not math.isclose(max(values), high):
                problems.append(f"{chart.spec['title']}: {axis} axis {scale['domain']} wider than its data")
    return problems


def test_line_chart_axes_span_the_data_not_the_reference_lines():
    chart = lk.line_chart({"s": ([1, 2, 4], [10, 20, 30])}, x_title="x", y_title="y",
                          hlines=[(1000, "far above")], vlines=[(3, "inside")])
    encoding = chart.spec["layer"][0]["encoding"]
    assert encoding["x"]["scale"]["domain"] == [1, 4] and encoding["y"]["scale"]["domain"] == [10, 30]
    labels = [row["label"] for layer in chart.spec["layer"][1:] for row in layer["data"]["values"]]
    assert labels == ["inside", "inside"]


def test_every_lab_chart_axis_fits_its_data(lab_id):
    outputs, _ = default_run(lab_id)
    for chart in (o for o in outputs if isinstance(o, lk.Chart)):
        assert _domains_cover_exactly_the_data(chart) == []


def test_formula_boxes_wrap_inside_the_page():
    html = lk.limit(True, "x", "y", "a" * 400 + " <b>").text
    assert "white-space:pre-wrap" in html and "overflow-wrap:anywhere" in html
    assert "&lt;b&gt;" in html.replace("&amp;", "&") or "\\u0026lt;b" in html


@pytest.mark.parametrize("value, text", [(999.6e-6, "1.00 ms"), (12.7e-3, "12.7 ms"), (0.5e-6, "500 ns"),
                                         (999.7e9, "1.00 TB")])
def test_formatters_round_before_choosing_the_unit(value, text):
    formatter = lk.fmt_bytes if text.endswith("B") else lk.fmt_time
    assert formatter(value) == text
