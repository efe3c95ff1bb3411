import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="3D-Parallelism Planner")

with app.setup:
    import math

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("parallelism_3d")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "Llama-3-70B on 512 H100s with tensor parallelism 8 inside each node. If you double the pipeline "
            "depth from 4 to 8 stages while keeping the global batch fixed, does the step get faster or slower, "
            "and which term moves most?"
        ),
        ["faster: each stage has half the layers", "slower, mostly from a bigger pipeline bubble",
         "slower, mostly from more compute", "slower, mostly from more exposed communication"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    control_spec = {
        "model": lk.Choice("Model", ["Llama-3-8B", "Llama-3-70B", "GPT-3-175B", "Llama-3.1-405B"], "Llama-3-70B"),
        "gpus": lk.Steps("H100 GPUs (8 per DGX node)", [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096], 512),
        "tp": lk.Steps("Tensor parallel (within a node)", [1, 2, 4, 8], 8),
        "pp": lk.Steps("Pipeline stages", [1, 2, 4, 8, 16, 32], 4),
        "micro_batch": lk.Steps("Micro-batch (sequences)", [1, 2, 4, 8], 1),
        "global_batch": lk.Steps("Global batch (sequences)", [256, 512, 1024, 2048, 4096], 1024),
    }
    return (control_spec,)


@app.cell
def _():
    def plan(spec, model, gpus, tp, pp, micro_batch, global_batch):
        """The nearest valid setting to the controls, and a note for every value it had to move.

        Dependent controls are derived, not rejected: pp shrinks until tp × pp GPUs exist, stages may hold
        unequal layer counts, the micro-batch shrinks (or the global batch grows) until the data-parallel
        replicas split the global batch evenly, and sequences are cut to the model's context."""
        notes = []
        seq_len = min(4096, model.max_seq_len)
        if seq_len < 4096:
            notes.append(f"{model.name} reads at most {model.max_seq_len:,} tokens, so each sequence is {seq_len:,} tokens.")
        fitting = [p for p in spec["pp"].values if tp * p <= gpus and p <= pp]
        used_pp = max(fitting)
        if used_pp != pp:
            notes.append(f"tp={tp} × pp={pp} needs {tp * pp} GPUs but there are {gpus}; using pp={used_pp}.")
        if model.layers % used_pp:
            notes.append(f"pp={used_pp} does not divide {model.name}'s {model.layers} layers, so the stages are uneven "
                         f"and the fullest holds {math.ceil(model.layers / used_pp)} layers (Llama 3 405B was trained "
                         "this way).")
        dp = gpus // (tp * used_pp)
        used_mb = max([m for m in spec["micro_batch"].values if m <= micro_batch and global_batch % (dp * m) == 0],
                      default=1)
        used_gb = global_batch
        if global_batch % (dp * used_mb):
            used_gb = min(g for g in spec["global_batch"].values if g >= dp * used_mb and g % (dp * used_mb) == 0)
            notes.append(f"{dp} data-parallel replicas cannot split {global_batch} sequences; using a global batch of {used_gb}.")
        elif used_mb != micro_batch:
            notes.append(f"{global_batch} sequences over {dp} replicas is not a multiple of micro-batch {micro_batch}; "
                         f"using micro-batch {used_mb}.")
        return {"pp": used_pp, "micro_batch": used_mb, "global_batch": used_gb, "seq_len": seq_len, "dp": dp}, notes

    return (plan,)


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(control_spec, controls, plan):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    cluster = lk.engine_call(ms.cluster, "DGX-H100", nodes=max(1, params["gpus"] // 8))
    hw = lk.engine_call(ms.hardware, "H100-SXM")

    def setting(pp):
        return plan(control_spec, model, params["gpus"], params["tp"], pp, params["micro_batch"], params["global_batch"])

    def step(pp):
        # memory is reported, not enforced, so an out-of-memory plan still shows its step time
        chosen, _ = setting(pp)
        return ms.train_step(model, cluster, params["gpus"], chosen["global_batch"], chosen["seq_len"], tp=params["tp"],
                             pp=chosen["pp"], micro_batch=chosen["micro_batch"], zero_stage=1, precision="bf16",
                             check_memory=False, allow_uneven_pipeline=True)

    used, notes = setting(params["pp"])
    result = lk.engine_call(step, used["pp"], context=f"tp={params['tp']} × pp={used['pp']} on {params['gpus']} GPUs")
    memory = result.memory
    dp = result.dp
    pp_sweep = {p: lk.attempt(step, p) for p in control_spec["pp"].values if params["tp"] * p <= params["gpus"]}
    return dp, hw, memory, model, notes, params, pp_sweep, result, used


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


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
def _(pp_sweep, used):
    _rows = []
    for _p, _o in pp_sweep.items():
        if _o.ok:
            _r = _o.value
            _rows.append({"pp": _p, "dp": _r.dp, "micro-batches / replica": _r.n_micro_batches,
                          "step": lk.fmt_time(_r.step_time_s), "compute": lk.fmt_time(_r.compute_s),
                          "bubble": lk.fmt_time(_r.bubble_s), "exposed comm": lk.fmt_time(_r.exposed_comm_s),
                          "MFU": lk.fmt_pct(_r.mfu), "tokens/s": lk.fmt_count(_r.tokens_per_s)})
        else:
            _rows.append({"pp": _p, "dp": "—", "micro-batches / replica": "—", "step": f"rejected: {_o.error}"})
    lk.table(_rows, caption="Pipeline-depth sweep at the chosen tensor-parallel degree",
             highlight=list(pp_sweep).index(used["pp"]) if used["pp"] in pp_sweep else None)
    return


@app.cell(hide_code=True)
def _(dp, hw, memory, params, result, used):
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
        _why = (f"dp={dp} × tp={params['tp']} × pp={used['pp']}, {result.n_micro_batches} micro-batches per replica. "
                f"Overheads are {_overhead:.0%} of the step; MFU is {lk.fmt_pct(result.mfu)}. The bubble is "
                "(pp − 1) micro-batch times per step; exposed communication grows when tensor parallelism leaves "
                "the node or the data-parallel all-reduce cannot hide behind the backward pass.")
        _formula = result.explain()
    lk.limit(oom or _overhead > 0.25, _headline, _why, _formula)
    return oom, worst


@app.cell(hide_code=True)
def _(prediction, prediction_spec):
    def _step(pp):
        return ms.train_step(ms.model("Llama-3-70B"), ms.cluster("DGX-H100", nodes=64), 512, 1024, 4096, tp=8, pp=pp,
                             micro_batch=1, zero_stage=1, precision="bf16", check_memory=False)
    _four, _eight = _step(4), _step(8)
    _deltas = {"compute": _eight.compute_s - _four.compute_s, "bubble": _eight.bubble_s - _four.bubble_s,
               "communication": _eight.exposed_comm_s - _four.exposed_comm_s}
    _most = max(_deltas, key=_deltas.get)
    _answer = (prediction_spec.options[0] if _eight.step_time_s < _four.step_time_s else
               {"bubble": prediction_spec.options[1], "compute": prediction_spec.options[2],
                "communication": prediction_spec.options[3]}[_most])
    lk.reveal(prediction_spec, prediction, _answer,
              f"the step goes from {lk.fmt_time(_four.step_time_s)} to {lk.fmt_time(_eight.step_time_s)}; compute "
              f"{lk.fmt_time(_deltas['compute'])} more, bubble {lk.fmt_time(_deltas['bubble'])} more, exposed "
              f"communication {lk.fmt_time(_deltas['communication'])} more",
              f"Micro-batches per replica double ({_four.n_micro_batches} → {_eight.n_micro_batches}) because half as "
              "many replicas share the global batch. The second reflection explains why compute, not the bubble, "
              "grows most.")
    return


@app.cell(hide_code=True)
def _(model, result, used):
    _head_flop = 6.0 * used["micro_batch"] * used["seq_len"] * model.vocab * model.hidden / result.tp
    lk.reflections([
        ("Holding the global batch fixed, what happens to the number of micro-batches each pipeline replica "
         "processes per step as the pipeline gets deeper, and what does that do to the bubble?",
         "It grows. With tp fixed, doubling pp halves the number of data-parallel replicas (dp = GPUs ÷ (tp·pp)), "
         "so each replica processes twice as many micro-batches: m = global batch ÷ (dp × micro-batch). The "
         "bubble costs (pp − 1) micro-batch times per step, and each micro-batch time halves with half the "
         "layers per stage, so the bubble's share of the step, (pp − 1)/(m + pp − 1), grows only slightly "
         "because pp and m double together. Read the micro-batch column of the table."),
        ("From pp=4 to pp=8, the compute bar grows even though each stage holds half as many layers. Why?",
         "The last pipeline stage also holds the LM head, the vocabulary projection whose forward and backward "
         f"cost about 6 × tokens × vocabulary × hidden ÷ tp FLOPs per micro-batch ({lk.fmt_count(_head_flop)} "
         f"FLOP here, vocabulary {model.vocab:,}). Its transformer-layer work per step stays the same (half the "
         "layers, twice the micro-batches), but the head is not split across stages, so its work per step "
         "doubles with the micro-batch count. The slowest stage sets the pace, so step compute grows; uneven "
         "stages that give the last stage fewer layers are the usual remedy."),
        ("Why is tensor parallelism almost always kept within a node (tp ≤ 8 here)?",
         "Tensor parallelism all-reduces activations inside every layer, twice per layer in the forward "
         "pass, so it needs the highest bandwidth and lowest latency link. NVLink inside a node offers "
         "several hundred GB/s per GPU; the InfiniBand NIC between nodes offers around 50 GB/s, so "
         "tensor-parallel traffic across nodes would be exposed and dominate the step."),
    ])
    return


if __name__ == "__main__":
    app.run()
