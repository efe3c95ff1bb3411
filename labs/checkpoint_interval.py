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
    # 16,384 GPUs x 54 days x 24 h / 419 interruptions ~ 50,700 GPU-hours between interruptions
    # (Llama 3 Herd of Models, arXiv:2407.21783, section 3.3.4)
    control_spec = {
        "model": lk.Choice("Model", ["Llama-3-8B", "Llama-3-70B", "GPT-3-175B", "Llama-3.1-405B"], "Llama-3.1-405B"),
        "gpus": lk.Steps("GPUs in the job", [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536], 16384),
        "mtbf_gpu_h": lk.Steps("Hours between interruptions per GPU slot", [5000, 10000, 25000, 50000, 100000, 200000], 50000),
        "write_gbps": lk.Steps("Checkpoint write bandwidth (GB/s, whole job)", [25, 50, 100, 250, 500, 1000, 2000], 500),
        "restart_min": lk.Slider("Restart time after a failure (minutes)", 1, 60, 1, 10),
        "interval_min": lk.Steps("Your checkpoint interval (minutes)", [5, 10, 15, 20, 30, 45, 60, 90, 120, 240, 480], 60),
    }
    return (control_spec,)


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(control_spec, controls):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    # the checkpoint is the full training state: bf16 weights plus fp32 master weights and Adam moments
    state = lk.engine_call(ms.training_memory, model, batch=1, seq_len=1024, optimizer="adam", precision="bf16")
    checkpoint_bytes = state.weights_bytes + state.optimizer_bytes
    write_s = checkpoint_bytes / (params["write_gbps"] * 1e9)
    cluster_mtbf_s = ms.job_mtbf(params["gpus"], device_mtbf_s=params["mtbf_gpu_h"] * 3600)
    restart_s = params["restart_min"] * 60

    def plan_for(mtbf_s):
        return lk.engine_call(ms.checkpoint_interval, write_s, mtbf_s, restart_s=restart_s)

    def waste(interval_s, mtbf_s=cluster_mtbf_s):
        """Fraction of wall-clock lost: writing checkpoints, redoing lost work, restarting (Daly's model)."""
        return ms.checkpoint_lost_fraction(interval_s, write_s, mtbf_s, restart_s)

    def young(mtbf_s):
        return plan_for(mtbf_s).young_interval_s

    def daly(mtbf_s):
        return plan_for(mtbf_s).daly_interval_s

    interval_s = params["interval_min"] * 60
    plan = plan_for(cluster_mtbf_s)
    tau_young, tau_daly = plan.young_interval_s, plan.daly_interval_s
    intervals_min = list(control_spec["interval_min"].values)
    return (checkpoint_bytes, cluster_mtbf_s, daly, interval_s, intervals_min, model, params, plan, restart_s,
            tau_daly, tau_young, waste, write_s, young)


@app.cell(hide_code=True)
def _(interval_s, params, tau_daly, tau_young, waste):
    _xs = [tau_daly * 2 ** (k / 4) for k in range(-16, 17)]
    lk.line_chart({"time lost": ([x / 60 for x in _xs], [waste(x) * 100 for x in _xs])},
                  x_title="Checkpoint interval (minutes)", y_title="Wall-clock lost (%)", log_x=True, log_y=True,
                  vlines=[(tau_young / 60, "Young"), (tau_daly / 60, "Daly")],
                  current=(interval_s / 60, waste(interval_s) * 100, f"{params['interval_min']} min"),
                  title=f"{params['model']} on {params['gpus']:,} GPUs")
    return


@app.cell(hide_code=True)
def _(control_spec, daly, params, restart_s, waste, write_s, young):
    _rows = []
    for _g in control_spec["gpus"].values:
        _m = params["mtbf_gpu_h"] * 3600 / _g
        _rows.append({"GPUs": f"{_g:,}", "job MTBF": lk.fmt_time(_m), "Young interval": lk.fmt_time(young(_m)),
                      "Daly interval": lk.fmt_time(daly(_m)), "lost at Daly optimum": lk.fmt_pct(waste(daly(_m), _m))})
    lk.table(_rows, caption=f"Scaling the job (checkpoint write {lk.fmt_time(write_s)}, restart {lk.fmt_time(restart_s)})",
             highlight=list(control_spec["gpus"].values).index(params["gpus"]))
    return


@app.cell(hide_code=True)
def _(checkpoint_bytes, cluster_mtbf_s, interval_s, params, plan, tau_daly, waste, write_s):
    _best = waste(tau_daly)
    _mine = waste(interval_s)
    lk.limit(
        _best > 0.1 or write_s >= 2 * cluster_mtbf_s,
        f"the job fails every {lk.fmt_time(cluster_mtbf_s)}; the best interval is {lk.fmt_time(tau_daly)} and still loses "
        f"{lk.fmt_pct(_best)} (yours loses {lk.fmt_pct(_mine)})",
        f"Job MTBF M = per-GPU {params['mtbf_gpu_h']:,} h ÷ {params['gpus']:,} GPUs = {lk.fmt_time(cluster_mtbf_s)}. "
        f"Checkpoint = {lk.fmt_bytes(checkpoint_bytes)} (weights + optimizer state, from MLSys·im) ÷ "
        f"{params['write_gbps']} GB/s = δ = {lk.fmt_time(write_s)}. Young: τ = √(2δM); Daly adds higher-order "
        "terms and subtracts δ. Loss = 1 − τ / (M·e^(R/M)·(e^((τ+δ)/M) − 1)), to first order "
        "δ/τ + (τ + δ)/(2M) + R/M: checkpointing more often costs writes, less often costs rework.",
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
    ])
    return


if __name__ == "__main__":
    app.run()
