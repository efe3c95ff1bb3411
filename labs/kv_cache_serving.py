import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="KV Cache versus Concurrency")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import functools

    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("kv_cache_serving")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Estimate(
        (
            'Llama-3-8B in BF16 on one 80 GB H100 leaves about 64 GB after the weights. With 8K-token '
            'conversations (4,096 prompt + 4,096 output tokens), how many can be in flight at once?'
        ),
        'concurrent requests',
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    control_spec = {
        "model": lk.Choice("Model", ["Llama-2-7B", "Llama-3-8B", "Llama-2-13B", "Llama-2-70B", "Llama-3-70B"], "Llama-3-8B"),
        "hardware": lk.Choice("GPU", ["A100-80GB", "H100-SXM", "H200", "B200", "MI300X"], "H100-SXM"),
        "n_devices": lk.Steps("GPUs serving one replica", [1, 2, 4, 8], 1),
        "prompt_len": lk.Steps("Prompt tokens", [256, 512, 1024, 2048, 4096, 8192, 16384], 4096),
        "output_len": lk.Steps("Output tokens", [64, 128, 256, 512, 1024, 2048, 4096], 4096),
        "kv_dtype": lk.Choice("Weights and KV precision", ["bf16", "fp8"], "bf16"),
        "load": lk.Steps("Offered load (% of the replica's capacity)", [30, 50, 70, 80, 90, 95], 70),
    }
    return (control_spec,)


@app.cell
def _():
    @functools.lru_cache(maxsize=64)
    def replica(model_name, hw_name, n_devices, prompt_len, output_len, dtype):
        """One request (for the KV-limited concurrency) and a full batch at that concurrency."""
        probe = ms.serve(model_name, hw_name, 1, prompt_len, output_len, dtype=dtype, n_devices=n_devices)
        if probe.max_concurrency < 1:
            return probe, None
        full = ms.serve(model_name, hw_name, probe.max_concurrency, prompt_len, output_len, dtype=dtype,
                        n_devices=n_devices)
        return probe, full

    @functools.lru_cache(maxsize=256)
    def queue_at(model_name, hw_name, n_devices, prompt_len, output_len, dtype, load):
        _, full = replica(model_name, hw_name, n_devices, prompt_len, output_len, dtype)
        return ms.simulate_queue(full, full.tokens_per_s / output_len * load / 100, 200, 0)

    return queue_at, replica


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(control_spec, controls, queue_at, replica):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    hw = lk.engine_call(ms.hardware, params["hardware"])
    notes = []
    # dependent controls are derived, not rejected: the context is cut to what the model can read and the
    # replica grows until the weights and one request fit
    prompt_len, output_len = params["prompt_len"], params["output_len"]
    while prompt_len + output_len > model.max_seq_len:
        prompt_len, output_len = max(1, prompt_len // 2), max(1, output_len // 2)
    if (prompt_len, output_len) != (params["prompt_len"], params["output_len"]):
        notes.append(f"{model.name} reads at most {model.max_seq_len:,} tokens, so the conversation is cut to "
                     f"{prompt_len:,} prompt + {output_len:,} output tokens.")
    context = prompt_len + output_len

    def _fits(n):
        _outcome = lk.attempt(replica, params["model"], params["hardware"], n, prompt_len, output_len, params["kv_dtype"])
        return _outcome.ok and _outcome.value[0].max_concurrency >= 1

    n_devices = next((n for n in control_spec["n_devices"].values if n >= params["n_devices"] and _fits(n)),
                     params["n_devices"])
    if n_devices != params["n_devices"]:
        notes.append(f"{model.name} in {params['kv_dtype']} does not fit with a single request on "
                     f"{params['n_devices']}× {hw.name}; the replica uses {n_devices} GPUs.")
    _key = (params["model"], params["hardware"], n_devices, prompt_len, output_len, params["kv_dtype"])
    kv_per_request = lk.engine_call(ms.kv_cache_bytes, model, 1, context, dtype=params["kv_dtype"])
    probe, serving = lk.engine_call(replica, *_key, context="serving")
    max_concurrency = probe.max_concurrency
    mo.stop(max_concurrency < 1, lk.limit(True, "the weights alone fill the GPUs",
                                          f"{params['model']} in {params['kv_dtype']} leaves no room for a single "
                                          f"{context}-token KV cache on {n_devices}× {hw.name}, the largest replica "
                                          "offered. Lower the precision.", probe.explain()))
    requests_per_s = serving.tokens_per_s / output_len
    queue = lk.engine_call(queue_at, *_key, params["load"], context="queue simulation")
    weights_bytes = model.weight_bytes(params["kv_dtype"])
    return (context, hw, kv_per_request, max_concurrency, model, n_devices, notes, params, queue, requests_per_s,
            serving, weights_bytes)


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(hw, kv_per_request, max_concurrency, n_devices, params, weights_bytes):
    _capacity = n_devices * hw.memory_bytes
    _xs = [max(1, round(max_concurrency * f / 20)) for f in range(0, 31)]
    lk.line_chart(
        {"weights + KV cache": (_xs, [(weights_bytes + c * kv_per_request) / 1e9 for c in _xs])},
        x_title="Concurrent requests", y_title="GB across the replica",
        hlines=[(_capacity / 1e9, f"HBM {_capacity / 1e9:.0f} GB"),
                (_capacity * (1 - ms.assumptions.SERVING_MEMORY_RESERVE) / 1e9, "usable after runtime reserve")],
        vlines=[(max_concurrency, f"max {max_concurrency}")],
        current=(max_concurrency, (weights_bytes + max_concurrency * kv_per_request) / 1e9, "full"),
        title=f"{params['model']} ({params['kv_dtype']}) on {n_devices}× {hw.name}",
    )
    return


@app.cell(hide_code=True)
def _(context, kv_per_request, max_concurrency, queue, requests_per_s, serving, weights_bytes):
    lk.table([
        {"quantity": "KV cache per request", "value": f"{lk.fmt_bytes(kv_per_request)} ({context} tokens)"},
        {"quantity": "weights", "value": lk.fmt_bytes(weights_bytes)},
        {"quantity": "max concurrent requests (KV-limited)", "value": f"{max_concurrency}"},
        {"quantity": "time to first token at full batch", "value": lk.fmt_time(serving.ttft_s)},
        {"quantity": "time per output token at full batch", "value": lk.fmt_time(serving.tpot_s)},
        {"quantity": "capacity", "value": f"{requests_per_s:.2f} requests/s, {lk.fmt_count(serving.tokens_per_s)} tokens/s"},
        {"quantity": "queue p50 / p99 latency", "value": f"{lk.fmt_time(queue.p50_s)} / {lk.fmt_time(queue.p99_s)}"},
    ], caption="One serving replica")
    return


@app.cell(hide_code=True)
def _(context, hw, kv_per_request, max_concurrency, model, n_devices, params, weights_bytes):
    _capacity = n_devices * hw.memory_bytes
    lk.limit(
        True,
        f"HBM caps the batch at {max_concurrency} concurrent requests",
        f"Per token, each layer stores a key and a value vector for every KV head: "
        f"2 × {model.layers} layers × {model.kv_heads} KV heads × {model.head_dim} dims × "
        f"{ms.units.dtype_bytes(params['kv_dtype']):g} B = {lk.fmt_bytes(model.kv_bytes_per_token(params['kv_dtype']))} per token; "
        f"× {context} tokens = {lk.fmt_bytes(kv_per_request)} per request. "
        f"({lk.fmt_bytes(_capacity)} × (1 − {ms.assumptions.SERVING_MEMORY_RESERVE:.0%} runtime reserve) − "
        f"{lk.fmt_bytes(weights_bytes)} weights) ÷ {lk.fmt_bytes(kv_per_request)} ≈ {max_concurrency} requests.",
    )
    return


@app.cell(hide_code=True)
def _(prediction, prediction_spec, replica):
    _probe, _ = replica("Llama-3-8B", "H100-SXM", 1, 4096, 4096, "bf16")
    _per_request = ms.kv_cache_bytes(ms.model("Llama-3-8B"), 1, 8192, dtype="bf16")
    lk.reveal(prediction_spec, prediction, _probe.max_concurrency,
              f"{_probe.max_concurrency} requests, each holding {lk.fmt_bytes(_per_request)} of KV cache",
              "Every token of every conversation keeps a key and a value vector per layer and KV head; at 8K "
              "tokens a single conversation needs about a gigabyte.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Llama-2-7B has fewer parameters than Llama-3-8B, but it reads at most 4,096 tokens. Set the prompt "
         "and the output to 2,048 tokens each, so both models serve the same conversations, and switch between "
         "them: why does the smaller model hold about four times fewer concurrent requests?",
         "The KV cache per token is 2 · layers · kv_heads · head_dim · bytes, independent of the parameter "
         "count. Llama-2-7B uses full multi-head attention (32 KV heads) while Llama-3-8B uses grouped-query "
         "attention with 8 KV heads, so each Llama-3-8B token stores a quarter of the keys and values."),
        ("Why does p99 latency grow much faster than p50 as offered load approaches 100%?",
         "Queueing delay scales roughly with ρ/(1−ρ) for utilisation ρ. Near saturation, brief bursts of "
         "arrivals exceed the service rate and the backlog takes long to drain; the tail requests are "
         "exactly the ones that arrive during those bursts, so the tail explodes first."),
    ])
    return


if __name__ == "__main__":
    app.run()
