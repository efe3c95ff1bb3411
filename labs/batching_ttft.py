import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Batching, TTFT and TPOT at Scale")

with app.setup:
    import functools
    import math

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("batching_ttft")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            'Decoding Llama-3-70B on 8 H100s (2,048-token prompts): going from batch 1 to batch 64, by about'
            ' how much does the time per output token grow?'
        ),
        ['about 64×', 'about 8×', 'barely at all (under 2×)'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    control_spec = {
        "model": lk.Choice("Model", ["Llama-3-8B", "Llama-3-70B", "Mixtral-8x7B", "Llama-3.1-405B"], "Llama-3-70B"),
        "hardware": lk.Choice("GPU", ["A100-80GB", "H100-SXM", "H200", "B200", "MI300X"], "H100-SXM"),
        "n_devices": lk.Steps("GPUs per replica (tensor parallel)", [1, 2, 4, 8], 8),
        "batch": lk.Steps("Batch (concurrent sequences)", [1, 2, 4, 8, 16, 32, 64, 128, 256], 16),
        "prompt_len": lk.Steps("Prompt tokens", [128, 512, 2048, 4096, 7680], 2048),
        "dtype": lk.Choice("Weight precision", ["bf16", "fp8"], "bf16"),
        "tpot_slo_ms": lk.Slider("TPOT objective (ms per output token)", 10, 200, 5, 50),
        "ttft_slo_s": lk.Slider("TTFT objective, 99th percentile (s)", 0.25, 4.0, 0.25, 1.0),
        "disaggregate": lk.Switch("Separate prefill and decode pools (disaggregation)", False),
        "peak_rps": lk.Steps("Peak demand (requests/s, your assumption)", [10, 30, 100, 300, 1000], 100),
        "peak_to_trough": lk.Slider("Daily peak-to-trough demand ratio (your assumption)", 1.0, 5.0, 0.5, 3.0),
    }
    output_len = 512
    # the TPOT-objective search runs over these batches; the chart and table show the slider's steps
    slo_batches = [1, 2, 4] + list(range(8, 1025, 8))
    # load as a fraction of a replica's full-load capacity, tried in the queue simulation
    load_fractions = [0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    return control_spec, load_fractions, output_len, slo_batches


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(output_len, slo_batches):
    @functools.lru_cache(maxsize=64)
    def serve_at(model, hw, n, prompt, dtype, batch):
        return ms.serve(model, hw, batch, prompt, output_len, dtype=dtype, n_devices=n)

    def colocated_step(s):
        """A continuously batched replica's step: the decode step plus its share of the prompts admitted to
        replace finished requests (batch / output_len of them per step), as in continuous_tokens_per_s."""
        return s.tpot_s + s.prefill_per_token_s * s.batch * s.prompt_len / s.output_len

    @functools.lru_cache(maxsize=32)
    def batch_curve(model, hw, n, prompt, dtype):
        """serve() at every batch of the objective search that fits in memory."""
        curve = {}
        for b in slo_batches:
            outcome = lk.attempt(serve_at, model, hw, n, prompt, dtype, b)
            if not outcome.ok:
                break
            curve[b] = outcome.value
        return curve

    return batch_curve, colocated_step, serve_at


@app.cell
def _(control_spec, controls, output_len, serve_at):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    hw = lk.engine_call(ms.hardware, params["hardware"])
    notes = []

    # prompt + answer must fit the model's context
    prompt_len = params["prompt_len"]
    if prompt_len + output_len > model.max_seq_len:
        prompt_len = max(p for p in control_spec["prompt_len"].values if p + output_len <= model.max_seq_len)
        notes.append(f"{model.name} reads at most {model.max_seq_len:,} tokens; the prompt is cut to "
                     f"{prompt_len:,} tokens to leave room for the {output_len}-token answer.")

    # the smallest replica at or above the chosen size that holds the weights and one sequence's KV cache
    def _fits(n, dtype):
        return lk.attempt(serve_at, model.name, hw.name, n, prompt_len, dtype, 1).ok

    _sizes = [n for n in control_spec["n_devices"].values if n >= params["n_devices"]]
    dtype = params["dtype"]
    n_devices = next((n for n in _sizes if _fits(n, dtype)), None)
    if n_devices is None and dtype == "bf16":
        n_devices = next((n for n in control_spec["n_devices"].values if _fits(n, "fp8")), None)
        if n_devices is not None:
            dtype = "fp8"
            notes.append(f"{model.name} in BF16 ({lk.fmt_bytes(model.weight_bytes('bf16'))}) does not fit even on "
                         f"8× {hw.name}; the replica uses FP8 weights ({lk.fmt_bytes(model.weight_bytes('fp8'))}) "
                         f"on {n_devices} GPUs.")
    elif n_devices is not None and n_devices != params["n_devices"]:
        notes.append(f"{model.name} in {dtype.upper()} needs {lk.fmt_bytes(model.weight_bytes(dtype))} of weights, more "
                     f"than {params['n_devices']}× {hw.name} hold ({lk.fmt_bytes(params['n_devices'] * hw.memory_bytes)}); "
                     f"the replica uses the fewest GPUs that hold them with a sequence's KV cache: {n_devices}.")
    if n_devices is None:
        # nothing offered holds the model: show the engine's own message for the chosen setting
        lk.engine_call(serve_at, model.name, hw.name, params["n_devices"], prompt_len, dtype, 1,
                       context=f"{model.name} on {params['n_devices']}× {hw.name}")

    # the batch the KV cache allows
    batch = params["batch"]
    if not lk.attempt(serve_at, model.name, hw.name, n_devices, prompt_len, dtype, batch).ok:
        batch = max(b for b in control_spec["batch"].values
                    if b <= batch and lk.attempt(serve_at, model.name, hw.name, n_devices, prompt_len, dtype, b).ok)
        notes.append(f"The KV cache of {params['batch']} sequences of {prompt_len + output_len:,} tokens does not fit "
                     f"next to the weights on {n_devices}× {hw.name}; the batch is cut to {batch}.")
    config = (model.name, hw.name, n_devices, prompt_len, dtype)
    serving = lk.engine_call(serve_at, *config, batch, context=f"batch {batch} on {n_devices}× {hw.name}")
    return batch, config, dtype, hw, model, n_devices, notes, params, prompt_len, serving


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell
def _(batch_curve, colocated_step, config, load_fractions, n_devices, output_len, params, serve_at):
    curve = batch_curve(*config)
    tpot_slo_s = params["tpot_slo_ms"] / 1e3

    def _step(s):
        return s.tpot_s if params["disaggregate"] else colocated_step(s)

    _meeting = [b for b, s in curve.items() if _step(s) <= tpot_slo_s]
    slo_batch = max(_meeting) if _meeting else None
    lone_prefill_s = serve_at(*config, 1).prefill_per_token_s * config[3]
    fleet = None
    if slo_batch is not None:
        s = curve[slo_batch]
        full_rps = s.continuous_tokens_per_s / output_len
        # TTFT tail of the colocated replica at the objective's batch: the highest load meeting the TTFT objective
        _queues = {f: ms.simulate_queue(s, f * full_rps, n_requests=800, seed=1, max_concurrency=slo_batch)
                   for f in load_fractions}
        _ok = [f for f, q in _queues.items() if q.ttft_p99_s <= params["ttft_slo_s"]]
        usable = max(_ok) if _ok else None
        if params["disaggregate"]:
            decode_rps = slo_batch / (s.tpot_s * (output_len - 1))
            prefill_rps = 1 / lone_prefill_s
            gpus_per_rps = n_devices / decode_rps + n_devices / prefill_rps
            prefill_per_decode = decode_rps / prefill_rps
        else:
            gpus_per_rps = n_devices / full_rps
            prefill_per_decode = 0.0
        fleet = {"serving": s, "full_rps_per_gpu": 1 / gpus_per_rps, "usable": usable,
                 "goodput_per_gpu": (usable or 0.0) / gpus_per_rps, "gpus_per_rps": gpus_per_rps,
                 "prefill_per_decode": prefill_per_decode, "queues": _queues}
    return curve, fleet, lone_prefill_s, slo_batch, tpot_slo_s


@app.cell
def _(fleet, hw, output_len, params):
    # one day of demand: a daily cosine with the chosen peak and peak-to-trough ratio, peaking at 15:00
    _amp = (params["peak_to_trough"] - 1) / (params["peak_to_trough"] + 1)
    _mean = params["peak_rps"] / (1 + _amp)
    hours = list(range(24))
    demand = [_mean * (1 + _amp * math.cos(2 * math.pi * (h + 0.5 - 15) / 24)) for h in hours]
    _price = lk.attempt(ms.cloud_price, hw)
    usd_per_gpu_hour = _price.value if _price.ok else None
    day = None
    if fleet is not None and fleet["goodput_per_gpu"] > 0:
        _per_gpu = fleet["goodput_per_gpu"]
        # whole replicas: GPUs rounded up to the replica size (a disaggregated fleet counts pool GPUs together)
        _unit = fleet["serving"].n_devices
        gpus_hourly = [_unit * math.ceil(d / _per_gpu / _unit) for d in demand]
        gpus_static = _unit * math.ceil(params["peak_rps"] / _per_gpu / _unit)
        _tokens = sum(d * 3600 * output_len for d in demand)
        day = {"gpus_hourly": gpus_hourly, "gpus_static": gpus_static, "gpu_h_auto": sum(gpus_hourly),
               "gpu_h_static": 24 * gpus_static, "tokens": _tokens}
        if usd_per_gpu_hour is not None:
            day["usd_per_mtok_auto"] = day["gpu_h_auto"] * usd_per_gpu_hour / _tokens * 1e6
            day["usd_per_mtok_static"] = day["gpu_h_static"] * usd_per_gpu_hour / _tokens * 1e6
            day["usd_per_mtok_full"] = (usd_per_gpu_hour / (fleet["full_rps_per_gpu"] * output_len * 3600) * 1e6)
    return day, demand, hours, usd_per_gpu_hour


@app.cell(hide_code=True)
def _(batch, colocated_step, control_spec, curve, params, serving, slo_batch):
    _shown = {b: s for b, s in curve.items() if b in control_spec["batch"].values}
    _series = {"decode step only": ([s.tpot_s * 1e3 for s in _shown.values()],
                                    [s.decode_tokens_per_s for s in _shown.values()])}
    if not params["disaggregate"]:
        _series["with each step's prefill share (colocated)"] = (
            [colocated_step(s) * 1e3 for s in _shown.values()], [s.continuous_tokens_per_s for s in _shown.values()])
    _x = serving.tpot_s if params["disaggregate"] else colocated_step(serving)
    _y = serving.decode_tokens_per_s if params["disaggregate"] else serving.continuous_tokens_per_s
    lk.line_chart(
        _series,
        x_title="Time per output token (ms)", y_title="Output tokens/s per replica", log_y=True,
        vlines=[(params["tpot_slo_ms"], "TPOT objective")],
        current=(_x * 1e3, _y, f"batch {batch}"),
        title=("Each point is one batch size; the largest one left of the objective sets goodput"
               + (f" (batch {slo_batch})" if slo_batch else "")),
    )
    return


@app.cell(hide_code=True)
def _(day, demand, hours, params):
    mo.stop(day is None)
    lk.bar_chart([f"{h:02d}" for h in hours], day["gpus_hourly"], y_title="GPUs serving (autoscaled hourly)",
                 hlines=[(day["gpus_static"], "static fleet for the peak")],
                 title=(f"A day at {params['peak_rps']} requests/s peak, {params['peak_to_trough']:g}:1 peak-to-trough "
                        f"(demand from {min(demand):.0f} to {max(demand):.0f} requests/s)"))
    return


@app.cell(hide_code=True)
def _(batch, colocated_step, control_spec, curve, n_devices, params):
    _rows = []
    for _b in control_spec["batch"].values:
        _s = curve.get(_b)
        if _s is None:
            _rows.append({"batch": _b, "TTFT (batch prefill)": "—", "TPOT": "—", "effective TPOT": "—",
                          "tokens/s": "does not fit in memory", "meets TPOT objective": "—"})
            continue
        _eff = _s.tpot_s if params["disaggregate"] else colocated_step(_s)
        _rows.append({"batch": _b, "TTFT (batch prefill)": lk.fmt_time(_s.ttft_s), "TPOT": lk.fmt_time(_s.tpot_s),
                      "effective TPOT": lk.fmt_time(_eff),
                      "tokens/s": lk.fmt_count(_s.decode_tokens_per_s if params["disaggregate"] else _s.continuous_tokens_per_s),
                      "meets TPOT objective": "yes" if _eff * 1e3 <= params["tpot_slo_ms"] else "no"})
    lk.table(_rows, caption=f"Batch sweep of one {n_devices}-GPU replica", highlight=list(control_spec["batch"].values).index(batch))
    return


@app.cell(hide_code=True)
def _(day, usd_per_gpu_hour):
    mo.stop(day is None)

    def _usd(key):
        return f"{day[key]:.2f}" if usd_per_gpu_hour is not None else "no cloud price recorded"
    lk.table([
        {"fleet": "static, sized for the peak", "GPUs": f"{day['gpus_static']:,} all day",
         "GPU-hours/day": f"{day['gpu_h_static']:,}", "USD per million output tokens": _usd("usd_per_mtok_static")},
        {"fleet": "autoscaled hourly", "GPUs": f"{min(day['gpus_hourly']):,}–{max(day['gpus_hourly']):,}",
         "GPU-hours/day": f"{day['gpu_h_auto']:,}", "USD per million output tokens": _usd("usd_per_mtok_auto")},
        {"fleet": "every GPU at full load (lower bound)", "GPUs": "—", "GPU-hours/day": "—",
         "USD per million output tokens": _usd("usd_per_mtok_full")},
    ], caption=("Fleet for one day" + ("" if usd_per_gpu_hour is None else
                                      f" at {usd_per_gpu_hour:.2f} USD per GPU-hour (MLSys·im's dated on-demand price)")))
    return


@app.cell(hide_code=True)
def _(fleet, lone_prefill_s, n_devices, output_len, params, prompt_len, slo_batch):
    if slo_batch is None:
        _view = lk.limit(True, f"no batch meets the {params['tpot_slo_ms']} ms TPOT objective on this replica",
                 "Even a single sequence's decode step" + ("" if params["disaggregate"] else " plus its prefill share")
                 + " is slower than the objective: add GPUs to the replica, use FP8 weights, a faster GPU, "
                 "disaggregate prefill, or loosen the objective. Goodput is zero.")
    else:
        _s = fleet["serving"]
        _share_ms = _s.prefill_per_token_s * slo_batch * prompt_len / output_len * 1e3
        if fleet["usable"] is None:
            _headline = (f"even at {lk.fmt_pct(0.3, 0)} load the p99 TTFT exceeds {params['ttft_slo_s']:g} s: "
                         "goodput is zero")
        else:
            _headline = (f"goodput {fleet['goodput_per_gpu']:.3f} requests/s per GPU at batch {slo_batch} and "
                         f"{lk.fmt_pct(fleet['usable'], 0)} load")
        if params["disaggregate"]:
            _formula = (f"decode pool: TPOT {_s.tpot_s * 1e3:.1f} ms at batch {slo_batch} ≤ {params['tpot_slo_ms']} ms; "
                        f"decode replica = {slo_batch} / ({_s.tpot_s * 1e3:.1f} ms × {output_len - 1}) requests/s; "
                        f"prefill replica = 1 / {lone_prefill_s * 1e3:.1f} ms; {fleet['prefill_per_decode']:.2f} prefill "
                        f"replicas per decode replica; goodput/GPU = load fraction × requests/s / "
                        f"({n_devices} × (1 + {fleet['prefill_per_decode']:.2f}))")
        else:
            _formula = (f"effective TPOT = decode step {_s.tpot_s * 1e3:.1f} ms + prefill share ({slo_batch} / {output_len} "
                        f"prompts × {_s.prefill_per_token_s * prompt_len * 1e3:.1f} ms) = {(_s.tpot_s * 1e3 + _share_ms):.1f} ms "
                        f"≤ {params['tpot_slo_ms']} ms; replica = {slo_batch} tokens per step / {output_len} = "
                        f"{_s.continuous_tokens_per_s / output_len:.2f} requests/s at full load")
        _view = lk.limit(
            fleet["usable"] is None,
            _headline,
            "The TPOT objective caps the batch (the largest batch whose step fits under it) and the TTFT objective "
            "caps the load (the queue simulation's highest load, as a fraction of full-load capacity, whose p99 TTFT "
            "meets it). " + ("With disaggregation the decode pool keeps prefill out of its steps but pays for separate "
                             "prefill replicas; the lab applies the colocated replica's TTFT headroom to both pools."
                             if params["disaggregate"] else
                             "Colocated, every step also carries the prefill of the requests that replace finished "
                             "ones, so long prompts and tight objectives shrink the batch."),
            _formula + "\n" + _s.explain(),
        )
    _view
    return


@app.cell(hide_code=True)
def _(output_len, prediction, prediction_spec):
    def _tpot(batch):
        return ms.serve("Llama-3-70B", "H100-SXM", batch, 2048, output_len, dtype="bf16", n_devices=8)
    _one, _many = _tpot(1), _tpot(64)
    _growth = _many.tpot_s / _one.tpot_s
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 64×": 64, "about 8×": 8, "barely at all (under 2×)": 1.0}, _growth),
              f"time per token goes from {lk.fmt_time(_one.tpot_s)} to {lk.fmt_time(_many.tpot_s)} ({_growth:.2f}×) "
              f"while throughput goes from {lk.fmt_count(_one.tokens_per_s)} to {lk.fmt_count(_many.tokens_per_s)} tokens/s",
              "A decode step streams every weight once whatever the batch, so extra sequences ride almost free "
              "until their KV-cache reads and FLOPs catch up with the weight traffic.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Time to first token grows with prompt length much faster than time per output token does. Why?",
         "The prompt is processed in one prefill pass whose FLOPs grow with prompt length (and attention "
         "quadratically), so prefill is compute-bound and its time scales with the prompt. Each decode "
         "step processes one new token per sequence and is bound by reading weights and the KV cache, "
         "which grows only linearly with the context."),
        ("Splitting the model over more GPUs (tensor parallelism) lowers TPOT. Why does it not lower it "
         "in proportion to the GPU count?",
         "Each GPU reads only its share of the weights, so the memory-bound part of a decode step shrinks "
         "with the GPU count, but every layer now ends with an all-reduce of activations whose latency "
         "does not shrink, and small per-GPU matmuls run further below peak."),
        ("Turn disaggregation on and off at a 20 ms and at a 100 ms TPOT objective. Why does it help at one "
         "and not at the other?",
         "Colocated, every decode step also carries the prefill of newly admitted prompts, so a tight objective "
         "forces a small batch. The decode pool of a disaggregated fleet keeps prefill out of its steps and can "
         "run a much larger batch. At a loose objective the colocated batch is large anyway, and the separate "
         "prefill replicas are pure extra cost."),
        ("Raise the peak-to-trough ratio from 1 to 5. Why does the static fleet's cost per token rise while the "
         "autoscaled fleet's barely moves?",
         "The static fleet is sized for the peak and pays for it all day, while the day's tokens follow the mean "
         "demand, which falls relative to the peak as the swing grows. The autoscaled fleet follows demand hour by "
         "hour, so its GPU-hours track the tokens it serves; only whole-replica rounding separates it from the "
         "full-load cost."),
    ])
    return


if __name__ == "__main__":
    app.run()
