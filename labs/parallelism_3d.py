import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="3D-Parallelism Planner")

with app.setup:
    import functools
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
    # virtual stages (model chunks per GPU) of each schedule; GPipe and 1F1B share the bubble, not the memory
    schedules = {"GPipe": 1, "1F1B": 1, "interleaved 1F1B, 2 chunks": 2, "interleaved 1F1B, 4 chunks": 4}
    control_spec = {
        "model": lk.Choice("Model", ["Llama-3-8B", "Llama-3-70B", "GPT-3-175B", "Llama-3.1-405B"], "Llama-3-70B"),
        "gpus": lk.Steps("H100 GPUs (8 per DGX node)", [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096], 512),
        "tp": lk.Steps("Tensor parallel (within a node)", [1, 2, 4, 8], 8),
        "pp": lk.Steps("Pipeline stages", [1, 2, 4, 8, 16, 32], 4),
        "micro_batch": lk.Steps("Micro-batch (sequences)", [1, 2, 4, 8], 1),
        "global_batch": lk.Steps("Global batch (sequences)", [256, 512, 1024, 2048, 4096], 1024),
        "schedule": lk.Choice("Pipeline schedule", list(schedules), "1F1B"),
        "zero_stage": lk.Steps("ZeRO stage (0 = replicate; 1 optimizer, 2 + gradients, 3 + weights sharded over dp)",
                               [0, 1, 2, 3], 1),
    }
    return control_spec, schedules


@app.cell
def _():
    def plan(spec, model, gpus, tp, pp, micro_batch, global_batch, chunks=1):
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
        per_stage = math.ceil(model.layers / used_pp)
        used_chunks = max(c for c in (1, 2, 4) if c <= chunks and per_stage % c == 0) if used_pp > 1 else 1
        if used_chunks != chunks and used_pp == 1:
            notes.append(f"Interleaving needs a pipeline; with pp=1 each GPU holds the whole model as one chunk.")
        elif used_chunks != chunks:
            notes.append(f"{chunks} chunks do not divide the {per_stage} layers of a stage; using {used_chunks} "
                         f"chunk{'s' if used_chunks > 1 else ''} per GPU.")
        return {"pp": used_pp, "micro_batch": used_mb, "global_batch": used_gb, "seq_len": seq_len, "dp": dp,
                "chunks": used_chunks}, notes

    @functools.lru_cache(maxsize=1024)
    def cached_step(model_name, gpus, global_batch, seq_len, tp, pp, micro_batch, zero_stage, chunks):
        """One engine step, remembered: moving one control re-uses every sweep point it does not change."""
        # memory is reported, not enforced, so an out-of-memory plan still shows its step time
        return ms.train_step(ms.model(model_name), ms.cluster("DGX-H100", nodes=max(1, gpus // 8)), gpus, global_batch,
                             seq_len, tp=tp, pp=pp, micro_batch=micro_batch, zero_stage=zero_stage, precision="bf16",
                             virtual_stages=chunks, check_memory=False, allow_uneven_pipeline=True)

    def activations_in_flight(step, schedule_name):
        """First-stage activation bytes: the engine's 1F1B/interleaved figure; GPipe runs every forward before
        any backward, so it keeps all m micro-batches of its stage, m / pp times 1F1B's pp in flight."""
        if schedule_name == "GPipe" and step.n_micro_batches > step.pp:
            return step.memory.activations_bytes * step.n_micro_batches / step.pp
        return step.memory.activations_bytes

    return activations_in_flight, cached_step, plan



@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(activations_in_flight, cached_step, control_spec, controls, plan, schedules):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    hw = lk.engine_call(ms.hardware, "H100-SXM")
    schedule = params["schedule"]

    def setting(pp, chunks=schedules[schedule]):
        return plan(control_spec, model, params["gpus"], params["tp"], pp, params["micro_batch"], params["global_batch"],
                    chunks)

    def step(pp, chunks=schedules[schedule], zero_stage=params["zero_stage"]):
        chosen, _ = setting(pp, chunks)
        return cached_step(model.name, params["gpus"], chosen["global_batch"], chosen["seq_len"], params["tp"],
                           chosen["pp"], chosen["micro_batch"], zero_stage, chosen["chunks"])

    used, notes = setting(params["pp"])
    result = lk.engine_call(step, used["pp"], context=f"tp={params['tp']} × pp={used['pp']} on {params['gpus']} GPUs")
    memory = result.memory
    activations = activations_in_flight(result, schedule)
    per_gpu_bytes = memory.total_bytes - memory.activations_bytes + activations
    fits = per_gpu_bytes <= hw.memory_bytes
    dp = result.dp
    pp_sweep = {p: lk.attempt(step, p) for p in control_spec["pp"].values if params["tp"] * p <= params["gpus"]}
    schedule_sweep = {name: (setting(used["pp"], chunks)[0]["chunks"], lk.attempt(step, used["pp"], chunks))
                      for name, chunks in schedules.items()}
    zero_sweep = {z: lk.attempt(step, used["pp"], zero_stage=z) for z in control_spec["zero_stage"].values}
    return (activations, dp, fits, hw, memory, model, notes, params, per_gpu_bytes, pp_sweep, result, schedule,
            schedule_sweep, used, zero_sweep)


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(params, pp_sweep, schedule):
    _ok = {p: o.value for p, o in pp_sweep.items() if o.ok}
    lk.stacked_bar_chart(
        [f"pp={p}" for p in _ok],
        {"compute": [r.compute_s for r in _ok.values()],
         "pipeline bubble": [r.bubble_s for r in _ok.values()],
         "exposed communication": [r.exposed_comm_s for r in _ok.values()]},
        y_title="seconds per step",
        title=f"{params['model']} on {params['gpus']} GPUs, tp={params['tp']}, {schedule}: step time by pipeline depth",
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
    lk.table(_rows, caption="Pipeline-depth sweep at the chosen tensor-parallel degree and schedule",
             highlight=list(pp_sweep).index(used["pp"]) if used["pp"] in pp_sweep else None)
    return


@app.cell(hide_code=True)
def _(activations_in_flight, schedule, schedule_sweep, used):
    _rows = []
    for _name, (_v, _o) in schedule_sweep.items():
        if not _o.ok:
            _rows.append({"schedule": _name, "chunks per GPU": _v, "bubble share of the pipeline": f"rejected: {_o.error}"})
            continue
        _r = _o.value
        _idle = (_r.pp - 1) / _v
        _rows.append({"schedule": _name, "chunks per GPU": _v,
                      "bubble share of the pipeline": lk.fmt_pct(_idle / (_r.n_micro_batches + _idle)),
                      "bubble": lk.fmt_time(_r.bubble_s), "first-stage activations": lk.fmt_bytes(activations_in_flight(_r, _name)),
                      "exposed comm": lk.fmt_time(_r.exposed_comm_s), "step": lk.fmt_time(_r.step_time_s),
                      "MFU": lk.fmt_pct(_r.mfu)})
    lk.table(_rows, caption=(f"Pipeline schedules at pp={used['pp']}: bubble = (pp − 1) / chunks micro-batch times; "
                             "GPipe keeps every micro-batch's activations until its backward"),
             highlight=list(schedule_sweep).index(schedule))
    return


@app.cell(hide_code=True)
def _(hw, params, used, zero_sweep):
    _ok = {z: o.value for z, o in zero_sweep.items() if o.ok}
    lk.stacked_bar_chart(
        [f"ZeRO-{z}" for z in _ok],
        {"weights": [r.memory.weights_bytes / 1e9 for r in _ok.values()],
         "gradients": [r.memory.grads_bytes / 1e9 for r in _ok.values()],
         "optimizer state": [r.memory.optimizer_bytes / 1e9 for r in _ok.values()],
         "activations (1F1B)": [r.memory.activations_bytes / 1e9 for r in _ok.values()]},
        y_title="GB per GPU", hlines=[(hw.memory_bytes / 1e9, f"{hw.name} HBM")],
        title=f"Memory per GPU by ZeRO stage (dp={_ok[params['zero_stage']].dp if params['zero_stage'] in _ok else '?'}, "
              f"tp={params['tp']}, pp={used['pp']})",
    )
    return


@app.cell(hide_code=True)
def _(activations, dp, fits, hw, memory, params, per_gpu_bytes, result, schedule, used):
    _terms = {"pipeline bubble": result.bubble_s, "exposed communication": result.exposed_comm_s}
    worst = max(_terms, key=_terms.get)
    oom = not fits
    _overhead = (result.bubble_s + result.exposed_comm_s) / result.step_time_s
    _m, _p, _v = result.n_micro_batches, used["pp"], used["chunks"]
    _bubble_share = (_p - 1) / _v / (_m + (_p - 1) / _v)
    if oom:
        _headline = f"{lk.fmt_bytes(per_gpu_bytes)} per GPU does not fit in {lk.fmt_bytes(hw.memory_bytes)}"
        _why = (f"Weights, gradients and optimizer state take {lk.fmt_bytes(memory.total_bytes - memory.activations_bytes)} "
                f"at ZeRO-{params['zero_stage']} and the first stage's activations {lk.fmt_bytes(activations)} under "
                f"{schedule}. Raise the ZeRO stage (it shards state over dp={dp}), raise tp or pp, shrink the "
                "micro-batch, or use 1F1B instead of GPipe.")
        _formula = memory.explain()
    else:
        _headline = f"{worst} costs {lk.fmt_time(_terms[worst])} of a {lk.fmt_time(result.step_time_s)} step"
        _why = (f"dp={dp} × tp={params['tp']} × pp={_p}, {_m} micro-batches per replica, {schedule}. Bubble share of "
                f"the pipeline = ((pp − 1)/v) / (m + (pp − 1)/v) = ({_p} − 1)/{_v} / ({_m} + ({_p} − 1)/{_v}) = "
                f"{lk.fmt_pct(_bubble_share)}. Overheads are {_overhead:.0%} of the step; MFU is {lk.fmt_pct(result.mfu)}. "
                "Exposed communication grows when tensor parallelism leaves the node, when interleaving multiplies "
                "the stage-to-stage sends, or when the data-parallel all-reduce cannot hide behind the backward pass.")
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
def _():
    # the numbers of the prediction's scenario (Llama-3-70B, micro-batch 1, 4,096 tokens, tp=8), so this cell
    # depends on no control and is rendered once, not on every move
    _model = ms.model("Llama-3-70B")
    _head_flop = 6.0 * 1 * 4096 * _model.vocab * _model.hidden / 8
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
         f"FLOP for Llama-3-70B at one 4,096-token sequence and tp=8, vocabulary {_model.vocab:,}). Its transformer-layer work per step stays the same (half the "
         "layers, twice the micro-batches), but the head is not split across stages, so its work per step "
         "doubles with the micro-batch count. The slowest stage sets the pace, so step compute grows; uneven "
         "stages that give the last stage fewer layers are the usual remedy."),
        ("Switch the schedule from 1F1B to GPipe, then to interleaved 1F1B with 4 chunks. What changes, and what "
         "does each cost?",
         "GPipe and 1F1B have the same bubble, (pp − 1) micro-batch times, but GPipe runs every forward before any "
         "backward, so the first stage holds all m micro-batches' activations instead of pp of them, m/pp times "
         "more memory. Interleaving gives each GPU v chunks of non-adjacent layers, which divides the bubble by v, "
         "but each micro-batch now crosses v times as many stage boundaries (more point-to-point sends, shown as "
         "exposed communication) and the first stage keeps a little more in flight."),
        ("Move the ZeRO stage from 0 to 3. Which bar of the memory chart shrinks at each stage, and why does the "
         "step get slower at stage 3?",
         "Stage 1 shards the optimizer state (12 of the 16 bytes per parameter) over the dp replicas, stage 2 also "
         "the gradients, stage 3 the weights too. Stages 1 and 2 cost no extra traffic (a reduce-scatter plus an "
         "all-gather moves the same bytes as an all-reduce), but stage 3 must all-gather each layer's weights "
         "before its forward and again before its backward, in every micro-batch, which adds communication that "
         "does not always hide behind compute."),
        ("Why is tensor parallelism almost always kept within a node (tp ≤ 8 here)?",
         "Tensor parallelism all-reduces activations inside every layer, twice per layer in the forward "
         "pass, so it needs the highest bandwidth and lowest latency link. NVLink inside a node offers "
         "several hundred GB/s per GPU; the InfiniBand NIC between nodes offers around 50 GB/s, so "
         "tensor-parallel traffic across nodes would be exposed and dominate the step."),
    ])
    return


if __name__ == "__main__":
    app.run()
