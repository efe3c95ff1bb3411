import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Capstone: Design an ML System End to End")

with app.setup:
    import functools
    import math

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("design_study")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "A documentation assistant runs a fine-tuned Llama-3-8B on H100s in BF16: 5 million requests a "
            "day of 1,500 prompt and 250 answer tokens, re-fine-tuned on 2 billion tokens every quarter. Over "
            "a year, which part of the bill dominates?"
        ),
        ["the fine-tuning runs", "serving, by about 10×", "serving, by 100× or more"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    precisions = ["bf16", "fp8", "int8", "int4"]
    batches = [1, 2, 4, 8, 16, 32, 64, 128]
    control_spec = {
        "model": lk.Choice("Model", ["Llama-3-8B", "Llama-2-13B", "Llama-3-70B"], "Llama-3-8B"),
        "hardware": lk.Choice("GPU (priced on-demand)", ["H100-SXM", "A100-80GB"], "H100-SXM"),
        "dtype": lk.Choice("Serving precision", precisions, "bf16"),
        "batch": lk.Steps("Serving batch (concurrent requests per replica)", batches, 32),
        "requests_per_day": lk.Steps("Requests per day", [1e5, 1e6, 5e6, 2e7, 1e8], 5e6),
        "tpot_slo_ms": lk.Slider("Per-token latency target (ms)", 10, 100, 5, 50),
        "utilization": lk.Slider("Average fleet utilisation (your assumption)", 0.2, 0.9, 0.05, 0.5),
        "retrains": lk.Steps("Fine-tuning runs per year (2 billion tokens each)", [1, 4, 12, 52], 4),
    }
    prompt_len, output_len, finetune_tokens = 1500, 250, 2e9
    nodes = {"H100-SXM": "DGX-H100", "A100-80GB": "DGX-A100"}
    return batches, control_spec, finetune_tokens, nodes, output_len, precisions, prompt_len


@app.cell
def _(finetune_tokens, nodes, output_len, prompt_len):
    @functools.lru_cache(maxsize=256)
    def replica(model_name, hw_name, dtype, batch):
        """The smallest replica (1, 2, 4 or 8 GPUs) that holds the model and the batch's KV cache."""
        error = None
        for n in (1, 2, 4, 8):
            outcome = lk.attempt(ms.serve, model_name, hw_name, batch, prompt_len, output_len, dtype=dtype, n_devices=n)
            if outcome.ok:
                return outcome.value
            error = outcome.error
            if not isinstance(error, ms.DoesNotFitError):
                break
        raise error

    @functools.lru_cache(maxsize=16)
    def finetune(model_name, hw_name):
        """The smallest fine-tuning job (ZeRO-3, recomputation; tensor parallelism once one node is not enough)
        whose memory fits."""
        seq_len = min(4096, ms.model(model_name).max_seq_len)
        error = None
        for gpus, tp in ((8, 1), (8, 8), (16, 8), (32, 8), (64, 8)):
            outcome = lk.attempt(ms.time_to_train, model_name, finetune_tokens, nodes[hw_name], n_devices=gpus,
                                 global_batch=64, seq_len=seq_len, tp=tp, zero_stage=3, recompute=True)
            if outcome.ok:
                return outcome.value
            error = outcome.error
            if not isinstance(error, ms.DoesNotFitError):
                break
        raise error

    def yearly_serving(serving, hw_name, requests_per_day, utilization):
        """GPUs to carry the daily tokens at the given average utilisation, and their on-demand cost per year."""
        tokens_per_s = requests_per_day * output_len / 86400
        replicas = math.ceil(tokens_per_s / (serving.tokens_per_s * utilization))
        gpus = replicas * serving.n_devices
        return gpus, gpus * ms.cloud_price(hw_name) * 24 * 365

    return finetune, replica, yearly_serving


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(batches, controls, finetune, precisions, replica, yearly_serving):
    params = controls.value
    notes = []
    # dependent controls are derived: a precision the GPU lacks falls back to one it has, and a batch whose
    # KV cache does not fit even on 8 GPUs shrinks to the largest that does
    options = {d: lk.attempt(replica, params["model"], params["hardware"], d, params["batch"]) for d in precisions}
    dtype = params["dtype"]
    if not options[dtype].ok:
        dtype = next((d for d in precisions if options[d].ok), "bf16")
        notes.append(f"{params['dtype']} is not available here ({options[params['dtype']].error}); using {dtype}.")
    batch = params["batch"]
    while batch > 1 and not lk.attempt(replica, params["model"], params["hardware"], dtype, batch).ok:
        batch //= 2
    if batch != params["batch"]:
        notes.append(f"the KV cache of {params['batch']} requests does not fit even on 8 GPUs; using batch {batch}.")
    serving = lk.engine_call(replica, params["model"], params["hardware"], dtype, batch, context="serving replica")
    gpus, serving_usd = yearly_serving(serving, params["hardware"], params["requests_per_day"], params["utilization"])
    run = lk.engine_call(finetune, params["model"], params["hardware"], context="fine-tuning run")
    finetune_usd = run.cost_usd * params["retrains"]
    meets_slo = serving.tpot_s * 1e3 <= params["tpot_slo_ms"]

    def design(d, b):
        outcome = lk.attempt(replica, params["model"], params["hardware"], d, b)
        if not outcome.ok:
            return None
        n, usd = yearly_serving(outcome.value, params["hardware"], params["requests_per_day"], params["utilization"])
        return {"serving": outcome.value, "gpus": n, "usd": usd}

    frontier = {d: {b: design(d, b) for b in batches} for d in precisions}
    return batch, dtype, finetune_usd, frontier, gpus, meets_slo, notes, params, run, serving, serving_usd


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(batch, frontier, params, serving_usd):
    _series = {}
    for _d, _by_batch in frontier.items():
        _ok = [(b, x["usd"] / 1e3) for b, x in _by_batch.items()
               if x is not None and x["serving"].tpot_s * 1e3 <= params["tpot_slo_ms"]]
        if _ok:
            _series[_d] = ([b for b, _ in _ok], [u for _, u in _ok])
    lk.line_chart(_series, x_title="Serving batch", y_title="Serving cost per year (thousand USD)", log_x=True,
                  log_y=True, current=(batch, serving_usd / 1e3, "your design"),
                  title=f"Designs that meet {params['tpot_slo_ms']} ms per token, by precision")
    return


@app.cell(hide_code=True)
def _(batch, dtype, frontier, params):
    _rows = []
    for _d, _by_batch in frontier.items():
        _x = _by_batch[batch]
        if _x is None:
            _rows.append({"precision": _d, "GPUs per replica": "—", "time per token": "—", "tokens/s per replica": "—",
                          "fleet GPUs": "—", "serving USD / year": "not available", "meets latency target": "—"})
            continue
        _s = _x["serving"]
        _rows.append({"precision": _d, "GPUs per replica": _s.n_devices, "time per token": lk.fmt_time(_s.tpot_s),
                      "tokens/s per replica": lk.fmt_count(_s.tokens_per_s), "fleet GPUs": _x["gpus"],
                      "serving USD / year": f"{_x['usd']:,.0f}",
                      "meets latency target": "yes" if _s.tpot_s * 1e3 <= params["tpot_slo_ms"] else "no"})
    lk.table(_rows, caption=f"Every precision at batch {batch} on {params['hardware']}",
             highlight=list(frontier).index(dtype))
    return


@app.cell(hide_code=True)
def _(dtype, finetune_usd, gpus, meets_slo, params, run, serving, serving_usd):
    _price = ms.cloud_price(params["hardware"])
    _tokens_per_s = params["requests_per_day"] * serving.output_len / 86400
    if not meets_slo:
        _headline = (f"the latency target binds: {lk.fmt_time(serving.tpot_s)} per token misses "
                     f"{params['tpot_slo_ms']} ms")
        _why = ("A decode step streams the weights and every request's KV cache; a smaller batch, a lower "
                "precision or more GPUs per replica shorten it. The cheapest design is the largest batch that "
                "still meets the target.")
    else:
        _headline = (f"serving costs {serving_usd / max(finetune_usd, 1):,.0f}× the fine-tuning: "
                     f"{serving_usd:,.0f} against {finetune_usd:,.0f} USD a year")
        _why = (f"The fleet must carry {_tokens_per_s:,.0f} output tokens/s on average; one {dtype} replica of "
                f"{serving.n_devices} GPU(s) produces {lk.fmt_count(serving.tokens_per_s)} tokens/s at full batch, "
                f"and the fleet runs at {params['utilization']:.0%} on average, so it needs {gpus} GPUs at "
                f"{_price:.2f} USD per GPU-hour. Each fine-tuning run costs {run.cost_usd:,.0f} USD "
                f"({lk.fmt_time(run.seconds)}, {lk.fmt_count(run.gpu_hours)} GPU-hours), {params['retrains']} times a year.")
    lk.limit(True, _headline, _why,
             f"fleet GPUs = ⌈tokens/s needed ÷ (tokens/s per replica × utilisation)⌉ × GPUs per replica\n"
             f"          = ⌈{_tokens_per_s:,.0f} ÷ ({serving.tokens_per_s:,.0f} × {params['utilization']:.2f})⌉ × "
             f"{serving.n_devices} = {gpus}\n"
             f"serving   = {gpus} GPUs × {_price:.2f} USD/h × 8,760 h = {serving_usd:,.0f} USD/year\n"
             f"tuning    = {params['retrains']} × {run.cost_usd:,.0f} USD = {finetune_usd:,.0f} USD/year")
    return


@app.cell(hide_code=True)
def _(finetune, prediction, prediction_spec, replica, yearly_serving):
    _serving = replica("Llama-3-8B", "H100-SXM", "bf16", 32)
    _, _serving_usd = yearly_serving(_serving, "H100-SXM", 5e6, 0.5)
    _tuning_usd = 4 * finetune("Llama-3-8B", "H100-SXM").cost_usd
    _ratio = _serving_usd / _tuning_usd
    _answer = (prediction_spec.options[0] if _ratio < 1 else
               lk.closest({prediction_spec.options[1]: 10, prediction_spec.options[2]: 100}, _ratio))
    lk.reveal(prediction_spec, prediction, _answer,
              f"serving costs {_serving_usd:,.0f} USD a year and four fine-tuning runs {_tuning_usd:,.0f} USD, "
              f"{_ratio:,.0f}× apart (at batch 32 and 50% average utilisation)",
              "Training is a burst; serving runs every hour of the year. That is why the serving chapters spend "
              "so much effort on batching, quantization and the KV cache.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Lowering the precision from BF16 to INT4 cuts the serving bill by less than 4×. Which parts of a "
         "decode step and of the fleet does it not shrink?",
         "Weight bytes fall 4×, but the KV cache stays at its own precision, attention and the non-matmul work "
         "do not shrink, and the replica still pays launch and communication overheads. The fleet is also "
         "rounded up to whole replicas and sized for average utilisation, so savings arrive in steps."),
        ("Your average utilisation is an assumption. What sets it in a real service, and why is 100% never "
         "the right target?",
         "Traffic varies over the day and arrives in bursts; the fleet must hold its latency target at the "
         "peak, not the average. Queueing delay grows like ρ/(1 − ρ), so running near full utilisation makes "
         "the tail latency explode. Autoscaling and batch traffic moved to quiet hours raise the average "
         "safely."),
    ])
    return


if __name__ == "__main__":
    app.run()
