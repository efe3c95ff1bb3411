import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Capstone: Design a Fleet That Trains and Serves a Frontier Model")

with app.setup:
    import functools
    import math

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("fleet_design_study")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "A team must train a 405B-parameter model on 15 T tokens in 90 days on a site that can draw 20 MW, "
            "then serve it. It plans 16,384 MI300X GPUs (tensor parallel 8, pipeline 8). What stops the plan?"
        ),
        ["nothing: it meets the brief", "the deadline: training takes longer than 90 days",
         "site power: the fleet needs more than 20 MW", "memory: the model does not fit in HBM"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    nodes = {"B200": "DGX-B200", "H200": "HGX-H200", "MI300X": "MI300X-8", "H100-SXM": "DGX-H100"}
    gpu_counts = [2048, 4096, 8192, 16384, 32768]
    control_spec = {
        "accelerator": lk.Choice("Accelerator", list(nodes), "B200"),
        "gpus": lk.Steps("GPUs in the training job", gpu_counts, 8192),
        "pp": lk.Steps("Pipeline depth (tensor parallel 8 inside each node)", [4, 8, 16], 8),
        "ckpt_min": lk.Steps("Checkpoint interval (minutes; the Daly optimum is reported beside it)",
                             [2, 5, 10, 20, 30, 60, 120], 5),
        "replicas": lk.Steps("Serving replicas (8 GPUs each, FP8)", [25, 50, 100, 210, 400, 800], 210),
        "requests_m": lk.Steps("Requests per day after launch (millions)", [10, 25, 50, 100, 200], 50),
        "deadline_days": lk.Steps("Training deadline (days)", [60, 90, 120, 180], 90),
        "site_mw": lk.Steps("Site power available (MW)", [10, 20, 30, 50, 100], 20),
    }
    # The brief of the chapter's design study (Conclusion, Volume II).
    model_name, tokens, seq, global_batch = "Llama-3.1-405B", 15e12, 8192, 2048  # measured: Llama 3's batch shape
    prompt_len, output_len = 2000, 500  # scenario: a chat-and-retrieval mix
    peak_to_mean = 2.0                  # scenario: the peak hour over the daily mean
    tpot_slo_s = 0.050                  # scenario: 50 ms per output token
    restart_s = 600.0                   # scenario: 10 minutes to detect, reschedule and reload
    storage_bw = 2e12                   # measured: Llama 3's 2 TB/s sustained checkpoint bandwidth (Dubey et al. 2024)
    slot_mtbf_s = 54 * 86400 * 16384 / 419  # measured: Llama 3 log, 419 interruptions in 54 days on 16,384 GPUs
    return (control_spec, global_batch, gpu_counts, model_name, nodes, output_len, peak_to_mean, prompt_len,
            restart_s, seq, slot_mtbf_s, storage_bw, tokens, tpot_slo_s)


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(global_batch, model_name, nodes, output_len, prompt_len, seq, slot_mtbf_s, storage_bw, tokens, tpot_slo_s):
    A = ms.assumptions
    memory_options = [dict(virtual_stages=2, zero_stage=1, recompute="selective"),
                      dict(virtual_stages=1, zero_stage=2, recompute="selective"),
                      dict(virtual_stages=2, zero_stage=3, recompute=True)]
    ckpt_mem = ms.training_memory(model_name, 1, 2048)
    ckpt_bytes = ckpt_mem.weights_bytes + ckpt_mem.optimizer_bytes
    ckpt_s = ckpt_bytes / storage_bw

    @functools.lru_cache(maxsize=128)
    def train(accelerator, gpus, pp):
        """time_to_train on the layout tp 8 x pp x dp; the first memory option that fits, else a deeper pipeline."""
        notes = []
        depths = [pp] + [d for d in (8, 16) if d > pp]
        for depth in depths:
            dp = gpus // (8 * depth)
            if dp < 1 or global_batch % dp:
                continue
            for opts in memory_options:
                outcome = lk.attempt(ms.time_to_train, model_name, tokens, nodes[accelerator], n_devices=gpus,
                                     global_batch=global_batch, seq_len=seq,
                                     usd_per_device_hour=1.0,  # scenario: a unit price, so cost_usd reads as device-hours
                                     tp=8, pp=depth, dp=dp, micro_batch=1, sp=True, allow_uneven_pipeline=True, **opts)
                if outcome.ok:
                    if depth != pp:
                        notes.append(f"Pipeline depth {pp} does not fit {accelerator} memory with {gpus:,} GPUs; "
                                     f"the lab uses depth {depth}, the shallowest that fits.")
                    if opts is not memory_options[0]:
                        notes.append(f"At pipeline depth {depth} on {gpus:,} {accelerator} GPUs the state overflows HBM "
                                     f"with ZeRO-1 and selective recomputation; the lab uses ZeRO-{opts['zero_stage']} and "
                                     f"{'full' if opts['recompute'] is True else 'selective'} recomputation, which cost MFU.")
                    return outcome.value, depth, dp, opts, tuple(notes)
        raise ms.DoesNotFitError(f"{model_name} does not fit on {gpus:,} {accelerator} GPUs at any pipeline depth "
                                 "up to 16; add GPUs or choose an accelerator with more memory")

    @functools.lru_cache(maxsize=16)
    def serving_replica(accelerator):
        """The largest power-of-two batch whose decode step meets the per-token objective, on 8 GPUs in FP8."""
        hw = ms.hardware(accelerator)
        dtype, _ = lk.supported_dtype(hw, "fp8")
        cap = ms.serve_max_throughput(model_name, hw, prompt_len=prompt_len, output_len=output_len, dtype=dtype,
                                      n_devices=8)
        best = None
        for k in range(0, 12):
            batch = 2 ** k
            if batch > cap.max_concurrency:
                break
            s = ms.serve(model_name, hw, batch=batch, prompt_len=prompt_len, output_len=output_len, dtype=dtype,
                         n_devices=8)
            if s.tpot_s <= tpot_slo_s:
                best = s
        if best is None:
            raise ms.ValidationError("serving", f"no batch on 8 {accelerator} GPUs meets {tpot_slo_s * 1e3:.0f} ms per token")
        return best

    def own_price(accelerator):
        """Ownership cost per device-hour from the engine's TCO model, or None when the catalog has no price."""
        outcome = lk.attempt(ms.tco, accelerator)
        return outcome.value.usd_per_device_hour if outcome.ok else None

    return A, ckpt_bytes, ckpt_s, own_price, serving_replica, train


@app.cell
def _(A, ckpt_s, controls, nodes, output_len, own_price, peak_to_mean, restart_s, serving_replica, slot_mtbf_s,
      train):
    params = controls.value
    acc, gpus = params["accelerator"], params["gpus"]
    run, depth, dp, opts, notes = lk.engine_call(train, acc, gpus, params["pp"],
                                                 context=f"the brief on {gpus:,} {acc} GPUs")
    node = ms.node(nodes[acc])
    hw = ms.hardware(acc)
    mtbf = ms.job_mtbf(gpus, device_mtbf_s=slot_mtbf_s)
    plan = ms.checkpoint_interval(ckpt_s, mtbf, restart_s=restart_s)
    interval_s = params["ckpt_min"] * 60
    lost = plan.lost_at(interval_s)
    goodput = 1 - lost
    wall_days = run.days / goodput
    gpu_hours = run.gpu_hours / goodput
    train_mw = gpus / node.count * node.power_w * A.DEFAULT_PUE / 1e6
    train_energy_j = run.energy_j / goodput
    replica = lk.engine_call(serving_replica, acc, context=f"serving on 8 {acc} GPUs")
    peak_tok_s = params["requests_m"] * 1e6 * output_len / 86400 * peak_to_mean
    capacity_tok_s = params["replicas"] * replica.continuous_tokens_per_s
    serve_gpus = params["replicas"] * 8
    serve_mw = serve_gpus / node.count * node.power_w * A.DEFAULT_PUE / 1e6
    serve_gpu_hours = serve_gpus * 8766
    serve_energy_j = ms.energy(serve_gpus * hw.tdp_w * A.AVERAGE_POWER_FRACTION_OF_TDP, 8766 * 3600, A.DEFAULT_PUE)
    price = own_price(acc)
    result = {
        "run": run, "pp": depth, "dp": dp, "opts": opts, "mtbf_s": mtbf, "plan": plan, "interval_s": interval_s,
        "goodput": goodput, "wall_days": wall_days, "gpu_hours": gpu_hours, "train_mw": train_mw,
        "train_energy_gwh": train_energy_j / 3.6e12,
        "train_co2_t": ms.carbon(train_energy_j, A.DEFAULT_GRID_REGION) / 1e6,
        "replica": replica, "peak_tok_s": peak_tok_s, "capacity_tok_s": capacity_tok_s,
        "needed_replicas": math.ceil(peak_tok_s / replica.continuous_tokens_per_s),
        "serve_mw": serve_mw, "serve_gpu_hours": serve_gpu_hours,
        "serve_energy_gwh": serve_energy_j / 3.6e12,
        "serve_co2_t": ms.carbon(serve_energy_j, A.DEFAULT_GRID_REGION) / 1e6,
        "price": price,
        "train_cost": None if price is None else gpu_hours * price,
        "serve_cost": None if price is None else serve_gpu_hours * price,
    }
    lk.adjusted(list(notes))
    return params, result


@app.cell(hide_code=True)
def _(params, result):
    _r = result
    _rows = [
        {"quantity": "Days to train (with failures)", "value": f"{_r['wall_days']:.1f} (deadline {params['deadline_days']})",
         "formula": "C / (GPUs × peak × MFU) / goodput"},
        {"quantity": "Layout and MFU", "value": f"tp 8 × pp {_r['pp']} × dp {_r['dp']}; MFU {lk.fmt_pct(_r['run'].step.mfu)}",
         "formula": "ms.time_to_train (first memory setting that fits)"},
        {"quantity": "Job MTBF", "value": lk.fmt_time(_r["mtbf_s"]), "formula": "per-GPU MTBF / GPUs"},
        {"quantity": "Goodput", "value": f"{lk.fmt_pct(_r['goodput'])} (Daly optimum {lk.fmt_pct(_r['plan'].goodput_fraction)} "
                                          f"at {lk.fmt_time(_r['plan'].interval_s)})",
         "formula": "1 − lost(checkpoint interval)"},
        {"quantity": "Training power", "value": f"{_r['train_mw']:.1f} MW", "formula": "nodes × node rating × PUE"},
        {"quantity": "Training energy and carbon", "value": f"{_r['train_energy_gwh']:.1f} GWh, {_r['train_co2_t']:,.0f} tCO₂e",
         "formula": "energy / goodput; × world-average grid intensity"},
        {"quantity": "Serving capacity at the peak hour",
         "value": f"{_r['capacity_tok_s']:,.0f} of {_r['peak_tok_s']:,.0f} tokens/s needed ({_r['needed_replicas']:,} replicas)",
         "formula": "replicas × replica tokens/s within the per-token objective"},
        {"quantity": "Serving power, energy and carbon (a year)",
         "value": f"{_r['serve_mw']:.1f} MW, {_r['serve_energy_gwh']:.1f} GWh, {_r['serve_co2_t']:,.0f} tCO₂e",
         "formula": "replica GPUs × power × 8,766 h"},
        {"quantity": "Training vs a year of serving (device-hours)",
         "value": f"{_r['gpu_hours'] / 1e6:.1f} M vs {_r['serve_gpu_hours'] / 1e6:.1f} M",
         "formula": "GPUs × hours"},
        {"quantity": "Training vs a year of serving (ownership cost)",
         "value": ("no catalog price for this accelerator" if _r["price"] is None else
                   f"{lk.fmt_count(_r['train_cost'], 'USD')} vs {lk.fmt_count(_r['serve_cost'], 'USD')}"),
         "formula": "device-hours × ms.tco(hw).usd_per_device_hour"},
    ]
    lk.table(_rows, caption=f"The fleet: {params['gpus']:,} {params['accelerator']} GPUs for training, "
                            f"{params['replicas']:,} eight-GPU replicas for serving")
    return


@app.cell(hide_code=True)
def _(A, params, result):
    _r = result
    lk.bar_chart(["training cluster", "serving fleet", "both at once"],
                 [_r["train_mw"], _r["serve_mw"], _r["train_mw"] + _r["serve_mw"]],
                 y_title="Facility power (MW)", highlight="both at once",
                 hlines=[(params["site_mw"], f"site limit {params['site_mw']} MW")],
                 title=f"Power of the fleet at PUE {A.DEFAULT_PUE:g}")
    return


@app.cell
def _(params, result):
    def binding(params, result):
        """The first resource that breaks the brief, with its formula and numbers (None when all hold)."""
        r = result
        if r["train_mw"] > params["site_mw"]:
            return ("site power", f"training draws {r['train_mw']:.1f} MW against {params['site_mw']} MW",
                    "P = GPUs / 8 × node rating × PUE")
        if r["wall_days"] > params["deadline_days"]:
            return ("the deadline (compute and goodput)",
                    f"{r['wall_days']:.1f} days against {params['deadline_days']}",
                    "days = C / (GPUs × peak × MFU) / 86,400 / goodput")
        if r["capacity_tok_s"] < r["peak_tok_s"]:
            return ("serving capacity", f"{r['capacity_tok_s']:,.0f} tokens/s against a peak of {r['peak_tok_s']:,.0f}",
                    "replicas ≥ peak tokens/s / replica tokens/s")
        if r["train_mw"] + r["serve_mw"] > params["site_mw"]:
            return ("site power while training and serving overlap",
                    f"{r['train_mw'] + r['serve_mw']:.1f} MW against {params['site_mw']} MW",
                    "P = (training + serving GPUs) / 8 × node rating × PUE")
        return None

    verdict = binding(params, result)
    return (verdict,)


@app.cell(hide_code=True)
def _(ckpt_bytes, params, result, verdict):
    _r = result
    _plan = _r["plan"]
    _formula = (f"days = C / (GPUs × peak × MFU) / goodput = {_r['run'].days:.1f} / {_r['goodput']:.3f} = {_r['wall_days']:.1f}\n"
                f"goodput = 1 − lost(τ = {params['ckpt_min']} min; checkpoint {ckpt_bytes / 1e12:.1f} TB in "
                f"{_plan.checkpoint_s:.1f} s, job MTBF {lk.fmt_time(_r['mtbf_s'])})\n"
                f"power = {_r['train_mw']:.1f} MW training + {_r['serve_mw']:.1f} MW serving\n\n" + _plan.explain())
    if verdict is None:
        _out = lk.limit(False, f"the fleet meets the brief: {_r['wall_days']:.1f} days, {_r['train_mw']:.1f} MW, "
                        f"goodput {lk.fmt_pct(_r['goodput'])}",
                 "Every constraint holds. Try fewer GPUs, a smaller site or more demand to find which one binds first.",
                 _formula)
    else:
        _name, _numbers, _law = verdict
        _out = lk.limit(True, f"{_name} binds: {_numbers}", f"The binding resource's formula: {_law}.", _formula)
    _out
    return


@app.cell(hide_code=True)
def _(prediction, prediction_spec, train):
    _run, _depth, _dp, _opts, _notes = train("MI300X", 16384, 8)
    _node = ms.node("MI300X-8")
    _mw = 16384 / _node.count * _node.power_w * ms.assumptions.DEFAULT_PUE / 1e6
    _answer = ("site power: the fleet needs more than 20 MW" if _mw > 20 else
               "the deadline: training takes longer than 90 days" if _run.days > 90 else "nothing: it meets the brief")
    lk.reveal(prediction_spec, prediction, _answer,
              f"16,384 MI300X GPUs train in {_run.days:.0f} days before failures (MFU {lk.fmt_pct(_run.step.mfu)}), "
              f"the state fits with tp 8 × pp {_depth}, and the cluster draws {_mw:.1f} MW",
              "Facility power = GPUs / 8 × node rating × PUE. The arithmetic and the memory are sufficient; the building is not. "
              "Half as many B200s meet both the deadline and the 20 MW.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Halve the GPUs of a fleet that meets the brief. Which numbers change in proportion, and which do not?",
         "Facility power halves at once and the job MTBF doubles, so goodput rises a little; the failure-free days "
         "roughly double (a little less, because a smaller fleet runs at a higher MFU at the same batch). Energy "
         "barely changes: it is GPU-hours times power, and the GPU-hours are set by the FLOPs and the MFU."),
        ("Move the checkpoint interval far from the Daly optimum in both directions. Why is the cost so small "
         "near the optimum and so large far from it?",
         "Lost time is δ/τ + τ/(2M) + R/M: the first term falls and the second rises with τ, so the sum is flat at "
         "its minimum (√(2δM)) and grows linearly on either side. With a checkpoint of seconds, only very short or "
         "very long intervals cost much; the restart term R/M does not depend on τ at all."),
        ("Why does the training run's bill stay fixed while the serving bill scales with demand, and what does "
         "that imply for how many tokens a model should be trained on?",
         "Training is paid once; serving is paid every year in proportion to requests. A model that will serve "
         "heavy demand should be smaller and trained on more tokens, which is why production models are trained "
         "well past the compute-optimal ratio."),
    ])
    return


if __name__ == "__main__":
    app.run()
