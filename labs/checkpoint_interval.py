import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="How Often to Checkpoint: Young and Daly")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("checkpoint_interval")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "Meta's Llama 3 405B run saw 419 unexpected interruptions in 54 days on 16,384 H100s, and its "
            'checkpoint (weights plus Adam state) is written at 500 GB/s. How often should it checkpoint?'
        ),
        ['every few minutes', 'about every hour', 'about once a day'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    # Unexpected interruptions in Llama 3 405B's 54-day snapshot on 16,384 H100s, grouped by the component they
    # were charged to (Dubey et al. 2024, "The Llama 3 Herd of Models", arXiv:2407.21783, Table 5; 419 in all),
    # the grouping the Fault Tolerance chapter uses.
    log_gpu_days = 54 * 16384
    log_counts = {"GPU (HBM, SRAM, processor, thermal)": 148 + 72 + 19 + 17 + 6,
                  "network (switches, cables, NICs)": 35 + 7 + 7,
                  "software and dependencies": 54 + 2,
                  "host (CPU, memory, SSD, power, chassis)": 32 + 2 + 2 + 3 + 3 + 2 + 2,
                  "silent data corruption": 6}
    scales = [0.25, 0.5, 1, 2, 4]
    control_spec = {
        "model": lk.Choice("Model", ["Llama-3-8B", "Llama-3-70B", "GPT-3-175B", "Llama-3.1-405B"], "Llama-3.1-405B"),
        "gpus": lk.Steps("GPUs in the job", [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536], 16384),
        "gpu_rate_x": lk.Steps("GPU failure rate (× Llama 3's log)", scales, 1),
        "other_rate_x": lk.Steps("Network, software and host failure rate (× Llama 3's log)", scales, 1),
        "write_gbps": lk.Steps("Checkpoint write bandwidth (GB/s, whole job)", [25, 50, 100, 250, 500, 1000, 2000], 500),
        "restart_min": lk.Slider("Restart time after a failure (minutes)", 1, 60, 1, 10),
        "interval_min": lk.Steps("Your checkpoint interval (minutes)", [5, 10, 15, 20, 30, 45, 60, 90, 120, 240, 480], 60),
        "async_ckpt": lk.Switch("Asynchronous checkpoint (pause only to copy each GPU's shard to host memory)", False),
    }
    return control_spec, log_counts, log_gpu_days


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(control_spec, controls, log_counts, log_gpu_days):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    # the checkpoint is the full training state: bf16 weights plus fp32 master weights and Adam moments
    state = lk.engine_call(ms.training_memory, model, batch=1, seq_len=1024, optimizer="adam", precision="bf16")
    checkpoint_bytes = state.weights_bytes + state.optimizer_bytes
    persist_s = checkpoint_bytes / (params["write_gbps"] * 1e9)
    # asynchronous: the job pauses only while each GPU copies its shard over PCIe Gen5 into host memory
    snapshot_s = checkpoint_bytes / params["gpus"] / ms.interconnect("PCIe5").bandwidth_bytes_per_s
    write_s = snapshot_s if params["async_ckpt"] else persist_s
    component_rates = {name: count / (log_gpu_days * 86400)
                       * (params["gpu_rate_x"] if name.startswith("GPU") else params["other_rate_x"])
                       for name, count in log_counts.items()}
    slot_rate = sum(component_rates.values())
    cluster_mtbf_s = ms.job_mtbf(params["gpus"], device_failure_rate_per_s=slot_rate)
    restart_s = params["restart_min"] * 60
    # a new checkpoint cannot start before the previous one is persisted
    shortest_s = persist_s if params["async_ckpt"] else 0.0

    def plan_for(mtbf_s, delta_s=write_s):
        return lk.engine_call(ms.checkpoint_interval, delta_s, mtbf_s, restart_s=restart_s)

    def waste(interval_s, mtbf_s=cluster_mtbf_s, delta_s=write_s, floor_s=shortest_s):
        """Fraction of wall-clock lost: writing checkpoints, redoing lost work, restarting (Daly's model)."""
        return ms.checkpoint_lost_fraction(max(interval_s, floor_s), delta_s, mtbf_s, restart_s)

    def young(mtbf_s):
        return plan_for(mtbf_s).young_interval_s

    def daly(mtbf_s):
        return max(plan_for(mtbf_s).daly_interval_s, shortest_s)

    # the slowest persist (405B at 25 GB/s) is shorter than the shortest interval offered, so no choice is cut
    interval_s = params["interval_min"] * 60
    plan = plan_for(cluster_mtbf_s)
    tau_young, tau_daly = plan.young_interval_s, daly(cluster_mtbf_s)
    intervals_min = list(control_spec["interval_min"].values)
    # the three terms of the loss to first order, at the chosen interval
    terms = {"checkpoint pauses": write_s / interval_s, "rework": (interval_s + write_s) / (2 * cluster_mtbf_s),
             "restarts": restart_s / cluster_mtbf_s}
    return (checkpoint_bytes, cluster_mtbf_s, component_rates, daly, interval_s, intervals_min, model, params,
            persist_s, plan, restart_s, slot_rate, snapshot_s, tau_daly, tau_young, terms, waste, write_s, young)


@app.cell(hide_code=True)
def _(cluster_mtbf_s, interval_s, params, persist_s, restart_s, snapshot_s, tau_daly, tau_young, waste):
    _xs = [tau_daly * 2 ** (k / 4) for k in range(-16, 17)]
    _sync = [ms.checkpoint_lost_fraction(x, persist_s, cluster_mtbf_s, restart_s) * 100 for x in _xs]
    _async = [ms.checkpoint_lost_fraction(max(x, persist_s), snapshot_s, cluster_mtbf_s, restart_s) * 100 for x in _xs]
    lk.line_chart({"synchronous": ([x / 60 for x in _xs], _sync), "asynchronous": ([x / 60 for x in _xs], _async)},
                  x_title="Checkpoint interval (minutes)", y_title="Wall-clock lost (%)", log_x=True, log_y=True,
                  vlines=[(tau_young / 60, "Young"), (tau_daly / 60, "Daly")],
                  current=(interval_s / 60, waste(interval_s) * 100, f"{params['interval_min']} min"),
                  title=f"{params['model']} on {params['gpus']:,} GPUs")
    return


@app.cell(hide_code=True)
def _(component_rates, params, slot_rate):
    _rows = [{"component": _name, "interruptions per day": f"{_rate * params['gpus'] * 86400:.2f}",
              "share": lk.fmt_pct(_rate / slot_rate, 0), "alone, one every": lk.fmt_time(1 / (_rate * params["gpus"]))}
             for _name, _rate in component_rates.items()]
    _rows.append({"component": "the whole job", "interruptions per day": f"{slot_rate * params['gpus'] * 86400:.2f}",
                  "share": "100 %", "alone, one every": lk.fmt_time(1 / (slot_rate * params["gpus"]))})
    lk.table(_rows, caption=(f"Where {params['gpus']:,} GPUs' interruptions come from (rates per GPU from the Llama 3 "
                             "log, scaled by the two rate controls; independent failures add their rates)"),
             highlight=len(_rows) - 1)
    return


@app.cell(hide_code=True)
def _(control_spec, daly, params, restart_s, slot_rate, waste, write_s, young):
    _rows = []
    for _g in control_spec["gpus"].values:
        _m = ms.job_mtbf(_g, device_failure_rate_per_s=slot_rate)
        _rows.append({"GPUs": f"{_g:,}", "job MTBF": lk.fmt_time(_m), "Young interval": lk.fmt_time(young(_m)),
                      "Daly interval": lk.fmt_time(daly(_m)), "lost at Daly optimum": lk.fmt_pct(waste(daly(_m), _m))})
    lk.table(_rows, caption=(f"Scaling the job ({'asynchronous' if params['async_ckpt'] else 'synchronous'} checkpoint "
                             f"pause {lk.fmt_time(write_s)}, restart {lk.fmt_time(restart_s)})"),
             highlight=list(control_spec["gpus"].values).index(params["gpus"]))
    return


@app.cell(hide_code=True)
def _(checkpoint_bytes, cluster_mtbf_s, interval_s, params, persist_s, plan, slot_rate, tau_daly, terms, waste, write_s):
    _best = waste(tau_daly)
    _mine = waste(interval_s)
    _largest = max(terms, key=terms.get)
    _pause = (f"δ = the snapshot of each GPU's {lk.fmt_bytes(checkpoint_bytes / params['gpus'])} shard over PCIe Gen5 = "
              f"{lk.fmt_time(write_s)} (persisting the whole checkpoint at {params['write_gbps']} GB/s takes "
              f"{lk.fmt_time(persist_s)} in the background)" if params["async_ckpt"] else
              f"δ = {lk.fmt_bytes(checkpoint_bytes)} (weights + optimizer state, from MLSys·im) ÷ {params['write_gbps']} "
              f"GB/s = {lk.fmt_time(write_s)}")
    lk.limit(
        _best > 0.1 or write_s >= 2 * cluster_mtbf_s,
        f"the job fails every {lk.fmt_time(cluster_mtbf_s)}; the best interval is {lk.fmt_time(tau_daly)} and still loses "
        f"{lk.fmt_pct(_best)} (yours loses {lk.fmt_pct(_mine)}, mostly to {_largest})",
        f"Job MTBF M = 1 ÷ (GPUs × summed per-GPU rates) = 1 ÷ ({params['gpus']:,} × {slot_rate * 86400 * 365.25:.3g} "
        f"per GPU-year) = {lk.fmt_time(cluster_mtbf_s)}. {_pause}. Young: τ = √(2δM); Daly adds higher-order terms and "
        "subtracts δ. To first order the loss at your interval is checkpoint pauses δ/τ + rework (τ + δ)/2M + "
        "restarts R/M = " + " + ".join(f"{lk.fmt_pct(value)}" for value in terms.values())
        + ": checkpointing more often costs pauses, less often costs rework, and restarts cost the same whatever you do.",
        plan.explain(),
    )
    return


@app.cell(hide_code=True)
def _(prediction, prediction_spec):
    _state = ms.training_memory(ms.model("Llama-3.1-405B"), batch=1, seq_len=1024, optimizer="adam", precision="bf16")
    _write_s = (_state.weights_bytes + _state.optimizer_bytes) / 500e9
    _mtbf_s = ms.job_mtbf(16384, device_mtbf_s=16384 * 54 * 24 * 3600 / 419)
    _tau = ms.checkpoint_interval(_write_s, _mtbf_s, restart_s=600).daly_interval_s
    _answer = ("every few minutes" if _tau < 20 * 60 else "about every hour" if _tau < 6 * 3600 else "about once a day")
    lk.reveal(prediction_spec, prediction, _answer,
              f"the job fails every {lk.fmt_time(_mtbf_s)}; with a {lk.fmt_time(_write_s)} write and a 10-minute "
              f"restart the Daly-optimal interval is {lk.fmt_time(_tau)}",
              "The optimum balances the time spent writing checkpoints against the work redone after each "
              "failure: τ ≈ √(2 · write time · MTBF).")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Doubling the GPUs halves the job's MTBF. By how much does the optimal interval change, and "
         "why does the time lost grow even at the optimum?",
         "τ ∝ √M, so halving M shortens the interval by a factor of √2 ≈ 1.41. The time lost at the "
         "optimum is about √(2δ/M) + R/M, which grows as M shrinks: failures come more often and each "
         "still costs a restart and some rework."),
        ("Which two engineering changes attack the two terms of the loss, and which one matters more "
         "at 64K GPUs?",
         "Faster checkpoint writes (asynchronous checkpointing to host memory, sharded writes) shrink δ "
         "and therefore the √(2δ/M) term; faster recovery (hot spares, in-memory checkpoints) shrinks "
         "R/M. At very large scale M is so short that the restart term dominates, so recovery time "
         "matters most."),
        ("Turn on the asynchronous checkpoint at 16,384 GPUs, then drop the write bandwidth to 25 GB/s. Why does "
         "the optimal interval first shrink and then get stretched again?",
         "The pause falls from the whole write to a sub-second copy into host memory, so δ shrinks and Daly's "
         "τ ≈ √(2δM) shrinks with it: checkpoint often, lose little rework. But the background write must finish "
         "before the next checkpoint starts, so with slow storage the interval cannot be shorter than the persist "
         "time, and the rework term grows again. Asynchronous checkpoints hide the write; they do not make it free."),
    ])
    return


if __name__ == "__main__":
    app.run()
