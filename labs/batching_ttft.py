import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Batching, TTFT and TPOT at Scale")

with app.setup:
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
        "dtype": lk.Choice("Precision", ["bf16", "fp8"], "bf16"),
        "tpot_slo_ms": lk.Slider("Per-token latency target (ms)", 10, 200, 5, 50),
    }
    output_len = 512
    return control_spec, output_len


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(control_spec, controls, output_len):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    hw = lk.engine_call(ms.hardware, params["hardware"])

    def serve_at(batch):
        return ms.serve(model, hw, batch, params["prompt_len"], output_len, dtype=params["dtype"],
                        n_devices=params["n_devices"])

    serving = lk.engine_call(serve_at, params["batch"],
                             context=f"batch {params['batch']} on {params['n_devices']}× {params['hardware']}")
    batch_sweep = {b: lk.attempt(serve_at, b) for b in control_spec["batch"].values}
    return batch_sweep, hw, model, params, serving


@app.cell(hide_code=True)
def _(batch_sweep, params, serving):
    _ok = {b: o.value for b, o in batch_sweep.items() if o.ok}
    lk.line_chart(
        {"throughput vs per-token latency": ([r.tpot_s * 1e3 for r in _ok.values()],
                                             [r.tokens_per_s for r in _ok.values()])},
        x_title="Time per output token (ms)", y_title="Output tokens/s per replica", log_y=True,
        vlines=[(params["tpot_slo_ms"], "latency target")],
        current=(serving.tpot_s * 1e3, serving.tokens_per_s, f"batch {params['batch']}"),
        title="Each point is one batch size; larger batches move up and to the right",
    )
    return


@app.cell(hide_code=True)
def _(batch_sweep, params):
    _rows = []
    for _b, _o in batch_sweep.items():
        if _o.ok:
            _r = _o.value
            _rows.append({"batch": _b, "TTFT": lk.fmt_time(_r.ttft_s), "TPOT": lk.fmt_time(_r.tpot_s),
                          "tokens/s": lk.fmt_count(_r.tokens_per_s),
                          "meets target": "yes" if _r.tpot_s * 1e3 <= params["tpot_slo_ms"] else "no"})
        else:
            _rows.append({"batch": _b, "TTFT": "—", "TPOT": "—", "tokens/s": "—", "meets target": str(_o.error)})
    lk.table(_rows, caption="Batch sweep", highlight=list(batch_sweep).index(params["batch"]))
    return


@app.cell(hide_code=True)
def _(batch_sweep, params, serving):
    _meeting = [b for b, o in batch_sweep.items() if o.ok and o.value.tpot_s * 1e3 <= params["tpot_slo_ms"]]
    best_batch = max(_meeting) if _meeting else None
    _miss = serving.tpot_s * 1e3 > params["tpot_slo_ms"]
    lk.limit(
        _miss,
        (f"batch {params['batch']} misses the {params['tpot_slo_ms']} ms target ({lk.fmt_time(serving.tpot_s)} per token)"
         if _miss else f"batch {params['batch']} meets the {params['tpot_slo_ms']} ms target"),
        (f"The largest batch meeting the target is **{best_batch}**. " if best_batch else
         "No batch meets the target on this configuration: add GPUs or lower the precision. ")
        + "At small batch a decode step streams every weight from HBM once, so TPOT barely moves with "
        "batch; once the batch's FLOPs and KV reads catch up with the weight traffic, TPOT rises "
        "with batch and throughput flattens.",
        serving.explain(),
    )
    return (best_batch,)


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
    ])
    return


if __name__ == "__main__":
    app.run()
