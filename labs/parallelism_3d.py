import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="3D-Parallelism Planner")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("parallelism_3d")
    return


@app.cell(hide_code=True)
def _():
    lk.predict(
        "Llama-3-70B on 512 H100s with tensor parallelism 8 inside each node. If you double the "
        "pipeline depth from 4 to 8 stages while keeping the global batch fixed, does the step get "
        "faster or slower, and which term (compute, bubble, exposed communication) moves most?"
    )
    return


@app.cell
def _():
    control_spec = {
        "model": lk.Choice("Model", ["Llama-3-8B", "Llama-3-70B", "GPT-3-175B", "Llama-3.1-405B"], "Llama-3-70B"),
        "gpus": lk.Steps("H100 GPUs (8 per DGX node)", [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096], 512),
        "tp": lk.Steps("Tensor parallel (within a node)", [1, 2, 4, 8], 8),
        "pp": lk.Steps("Pipeline stages", [1, 2, 4, 8, 16, 32], 4),
        "micro_batch": lk.Steps("Micro-batch (sequences)", [1, 2, 4, 8], 1),
        "global_batch": lk.Steps("Global batch (sequences of 4096 tokens)", [256, 512, 1024, 2048, 4096], 1024),
    }
    seq_len = 4096
    return control_spec, seq_len


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(controls, seq_len):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    cluster = lk.engine_call(ms.cluster, "DGX-H100", nodes=max(1, params["gpus"] // 8))
    hw = lk.engine_call(ms.hardware, "H100-SXM")

    def step(pp, tp=params["tp"]):
        # dp is left to the engine (gpus / (tp x pp)) so that it names an impossible split itself;
        # memory is reported, not enforced, so an out-of-memory plan still shows its step time
        return ms.train_step(model, cluster, params["gpus"], params["global_batch"], seq_len, tp=tp, pp=pp,
                             micro_batch=params["micro_batch"], zero_stage=1, precision="bf16",
                             check_memory=False)

    result = lk.engine_call(step, params["pp"], context=f"tp={params['tp']} × pp={params['pp']} on {params['gpus']} GPUs")
    memory = result.memory
    dp = result.dp
    pp_options = [p for p in control_spec["pp"].values if params["tp"] * p <= params["gpus"]]
    pp_sweep = {p: lk.attempt(step, p) for p in pp_options}
    return dp, hw, memory, model, params, pp_sweep, result


@app.cell(hide_code=True)
def _(params, pp_sweep):
    _ok = {p: o.value for p, o in pp_sweep.items() if o.ok}
    lk.stacked_bar_chart(
        [f"pp={p}" for p in _ok],
        {"compute": [r.compute_s for r in _ok.values()],
         "pipeline bubble": [r.bubble_s for r in _ok.values()],
         "exposed communication": [r.exposed_comm_s for r in _ok.values()]},
        y_title="seconds per step",
        title=f"{params['model']} on {params['gpus']} GPUs, tp={params['tp']}: step time by pipeline depth",
    )
    return


@app.cell(hide_code=True)
def _(params, pp_sweep):
    _rows = []
    for _p, _o in pp_sweep.items():
        if _o.ok:
            _r = _o.value
            _rows.append({"pp": _p, "dp": params["gpus"] // (params["tp"] * _p), "step": lk.fmt_time(_r.step_time_s),
                          "compute": lk.fmt_time(_r.compute_s), "bubble": lk.fmt_time(_r.bubble_s),
                          "exposed comm": lk.fmt_time(_r.exposed_comm_s), "MFU": lk.fmt_pct(_r.mfu),
                          "tokens/s": lk.fmt_count(_r.tokens_per_s)})
        else:
            _rows.append({"pp": _p, "dp": "—", "step": f"rejected: {_o.error}"})
    lk.table(_rows, caption="Pipeline-depth sweep at the chosen tensor-parallel degree",
             highlight=list(pp_sweep).index(params["pp"]) if params["pp"] in pp_sweep else None)
    return


@app.cell(hide_code=True)
def _(dp, hw, memory, params, result):
    _terms = {"pipeline bubble": result.bubble_s, "exposed communication": result.exposed_comm_s}
    worst = max(_terms, key=_terms.get)
    oom = not result.fits
    _overhead = (result.bubble_s + result.exposed_comm_s) / result.step_time_s
    if oom:
        _headline = f"{lk.fmt_bytes(memory.total_bytes)} per GPU does not fit in {lk.fmt_bytes(hw.memory_bytes)}"
        _why = ("Each GPU holds 1/(tp·pp) of the weights; raise tp or pp (or shrink the micro-batch) "
                "until the model state and activations fit.")
        _formula = memory.explain()
    else:
        _headline = f"{worst} costs {lk.fmt_time(_terms[worst])} of a {lk.fmt_time(result.step_time_s)} step"
        _why = (f"dp={dp} × tp={params['tp']} × pp={params['pp']}. Overheads are {_overhead:.0%} of the step; "
                f"MFU is {lk.fmt_pct(result.mfu)}. The bubble grows with (pp − 1) over the number of micro-batches "
                "per replica; exposed communication grows when tensor parallelism leaves the node or the "
                "data-parallel all-reduce cannot hide behind the backward pass.")
        _formula = result.explain()
    lk.limit(oom or _overhead > 0.25, _headline, _why, _formula)
    return oom, worst


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Holding the global batch fixed, why does a deeper pipeline make the bubble worse even though "
         "each stage has less work?",
         "With GPipe/1F1B schedules the idle fraction is about (pp − 1)/(m + pp − 1), where m is the number "
         "of micro-batches each pipeline replica processes per step. A deeper pipeline raises pp while m "
         "stays the same or shrinks (more GPUs per replica means fewer replicas, but the global batch is "
         "split across dp replicas), so the idle fraction grows."),
        ("Why is tensor parallelism almost always kept within a node (tp ≤ 8 here)?",
         "Tensor parallelism all-reduces activations inside every layer, twice per layer in the forward "
         "pass, so it needs the highest bandwidth and lowest latency link. NVLink inside a node offers "
         "several hundred GB/s per GPU; the InfiniBand NIC between nodes offers around 50 GB/s, so "
         "tensor-parallel traffic across nodes would be exposed and dominate the step."),
    ])
    return


if __name__ == "__main__":
    app.run()
