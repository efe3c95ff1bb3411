import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="What Attention Costs as Sequences Grow")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("attention_cost")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            'For Llama-3-8B, the weight matmuls cost about 2 FLOPs per parameter per token whatever the '
            'context. At what context length does the attention term (scores and weighted sum over all '
            'previous tokens) cost as much as all the weight matmuls?'
        ),
        ['about 2K', 'about 16K', 'about 64K', 'about 1M'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    seq_lengths = [2**p for p in range(8, 21)]
    control_spec = {
        "model": lk.Choice("Model", ["GPT-2", "Llama-2-7B", "Llama-3-8B", "Llama-2-70B", "Llama-3-70B"], "Llama-3-8B"),
        "seq_len": lk.Steps("Context length (tokens)", seq_lengths, 8192),
        "batch": lk.Steps("Sequences in flight", [1, 2, 4, 8, 16, 32, 64], 8),
        "hardware": lk.Choice("GPU holding the model", ["A100-80GB", "H100-SXM", "H200", "B200"], "H100-SXM"),
    }
    return control_spec, seq_lengths


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(controls, seq_lengths):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    hw = lk.engine_call(ms.hardware, params["hardware"])
    linear_flops = 2.0 * model.matmul_params

    def attention_flops(seq_len):
        return model.flops_per_token(seq_len) - linear_flops

    total_flops = lk.engine_call(model.flops_per_token, params["seq_len"], context="FLOPs per token")
    attention_share = attention_flops(params["seq_len"]) / total_flops
    crossover = linear_flops / (attention_flops(1))
    kv_bytes = lk.engine_call(ms.kv_cache_bytes, model, params["batch"], params["seq_len"], context="KV cache")
    weights_bytes = model.weight_bytes("bf16")
    return attention_flops, attention_share, crossover, hw, kv_bytes, linear_flops, model, params, total_flops, weights_bytes


@app.cell(hide_code=True)
def _(attention_flops, crossover, linear_flops, params, seq_lengths):
    lk.line_chart(
        {"weight matmuls (2 × params)": (seq_lengths, [linear_flops / 1e9] * len(seq_lengths)),
         "attention over the context": (seq_lengths, [attention_flops(s) / 1e9 for s in seq_lengths])},
        x_title="Context length (tokens)", y_title="GFLOP per generated token", log_x=True, log_y=True,
        vlines=[(crossover, f"equal at {crossover:,.0f}")],
        current=(params["seq_len"], attention_flops(params["seq_len"]) / 1e9, f"{params['seq_len']:,} tokens"),
        title=f"{params['model']}: forward FLOPs per token",
    )
    return


@app.cell(hide_code=True)
def _(attention_flops, linear_flops, model, params, seq_lengths):
    _rows = [{"context": f"{s:,}", "matmul GFLOP/token": f"{linear_flops / 1e9:.2f}",
              "attention GFLOP/token": f"{attention_flops(s) / 1e9:.2f}",
              "attention share": lk.fmt_pct(attention_flops(s) / (attention_flops(s) + linear_flops)),
              f"KV cache × {params['batch']}": lk.fmt_bytes(ms.kv_cache_bytes(model, params["batch"], s))}
             for s in seq_lengths]
    lk.table(_rows, caption="Per-token cost and KV cache by context length", highlight=seq_lengths.index(params["seq_len"]))
    return


@app.cell(hide_code=True)
def _(attention_share, crossover, hw, kv_bytes, model, params, weights_bytes):
    _need = kv_bytes + weights_bytes
    _oom = _need > hw.memory_bytes
    lk.limit(
        _oom or attention_share > 0.5,
        (f"weights + KV cache = {lk.fmt_bytes(_need)} exceeds one {hw.name} ({lk.fmt_bytes(hw.memory_bytes)})" if _oom else
         f"attention is {attention_share:.0%} of the FLOPs per token at {params['seq_len']:,} tokens"),
        f"Attention costs 4 · layers · context · (heads × head_dim) = 4 × {model.layers} × {params['seq_len']:,} × "
        f"{model.q_dim} FLOPs per token, against 2 × {lk.fmt_count(model.matmul_params)} matmul parameters; "
        f"the two are equal at about {crossover:,.0f} tokens. The KV cache grows the same way: "
        f"{lk.fmt_bytes(model.kv_bytes_per_token('bf16'))} per token × {params['seq_len']:,} tokens × "
        f"{params['batch']} sequences = {lk.fmt_bytes(kv_bytes)}, against {lk.fmt_bytes(weights_bytes)} of weights.",
    )
    return


@app.cell(hide_code=True)
def _(prediction, prediction_spec):
    _m = ms.model("Llama-3-8B")
    _linear = 2.0 * _m.matmul_params
    _equal_at = _linear / (_m.flops_per_token(1) - _linear)
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 2K": 2**11, "about 16K": 2**14, "about 64K": 2**16, "about 1M": 2**20}, _equal_at),
              f"the two are equal at about {_equal_at:,.0f} tokens for Llama-3-8B",
              "Attention per token grows with the context while the matmul term is fixed, so long contexts "
              "eventually spend most of their FLOPs on attention.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Attention FLOPs per token grow linearly with context, so why is attention called quadratic?",
         "Per generated token, the score and weighted-sum work is proportional to the context length. "
         "Processing a whole sequence of n tokens sums that over every position, giving a total "
         "proportional to n², which is what a prefill or a training step pays."),
        ("Grouped-query attention shrinks the KV cache but not the attention FLOPs. Why?",
         "GQA shares each key/value head among several query heads, so fewer K and V vectors are stored "
         "(kv_heads instead of heads). Every query head still computes scores against every cached "
         "position and mixes the values, so the FLOPs depend on the number of query heads, not KV heads."),
    ])
    return


if __name__ == "__main__":
    app.run()
