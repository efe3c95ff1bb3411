import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Silent Corruption at Scale")

with app.setup:
    import functools

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("silent_corruption")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "A team pre-trains Llama 3.1 70B on 15 trillion tokens on 8,192 H100s. Meta's Llama 3 log blamed 6 "
            "interruptions in 54 days on 16,384 H100s on silent data corruption. At that rate, how many silent "
            "corruptions should the 70B run expect?"
        ),
        ["none: at this scale it is too rare to matter", "a few", "hundreds"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    # Detected silent-data-corruption interruptions in Llama 3 405B's 54-day snapshot on 16,384 H100s (Dubey et al.
    # 2024, "The Llama 3 Herd of Models", arXiv:2407.21783, Table 5). They are the corruptions something noticed, so
    # the rate is a floor; the rate control scales it as the learner's assumption.
    LLAMA3_SDC_PER_GPU_HOUR = 6 / (16384 * 54 * 24)
    MODEL = "Llama-3.1-70B"
    SEQ_LEN, TP, PP = 8192, 8, 4

    @functools.lru_cache(maxsize=None)
    def step_seconds(gpus):
        """The engine's step time for the Robust AI chapter's 70B layout (tp 8, pp 4, ZeRO-1, recompute) on this
        many H100s; the global batch is 2,048 sequences, or one per data-parallel rank when there are more ranks."""
        batch = max(2048, gpus // (TP * PP))
        step = lk.engine_call(ms.train_step, ms.model(MODEL), "DGX-H100", gpus, batch, SEQ_LEN, tp=TP, pp=PP,
                              zero_stage=1, recompute=True)
        return step.step_time_s

    control_spec = {
        "gpus": lk.Steps("GPUs in the job", [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072], 8192),
        "days": lk.Slider("Run length (days)", 1, 120, 1, 49),
        "rate_x": lk.Steps("SDC rate per GPU-hour (× Llama 3's detected rate; your assumption)",
                           [0.1, 0.3, 1, 3, 10, 30, 100], 1),
        "coverage_pct": lk.Slider("Checker coverage (% of corruptions it catches)", 0, 99, 1, 90),
        "check_cost_steps": lk.Steps("Cost of one check (steps of the whole job)", [0.001, 0.01, 0.1, 1, 2], 1),
        "interval_steps": lk.Steps("Check every N steps", [1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000], 1000),
        "missed_latency_h": lk.Steps("When a missed corruption is noticed (hours later)", [1, 6, 24, 72, 168], 24),
        "checkpoint_min": lk.Steps("Checkpoint interval (minutes)", [10, 30, 60, 120, 240], 60),
        "restart_min": lk.Slider("Restart after a detection (minutes)", 1, 60, 1, 20),
    }
    return LLAMA3_SDC_PER_GPU_HOUR, MODEL, control_spec, step_seconds


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(LLAMA3_SDC_PER_GPU_HOUR, control_spec, controls, step_seconds):
    params = controls.value
    gpus, run_h = params["gpus"], params["days"] * 24.0
    step_s = step_seconds(gpus)
    rate = LLAMA3_SDC_PER_GPU_HOUR * params["rate_x"]
    coverage = params["coverage_pct"] / 100
    check_s = params["check_cost_steps"] * step_s
    restart_h, checkpoint_h = params["restart_min"] / 60, params["checkpoint_min"] / 60
    missed_h = params["missed_latency_h"]
    notes = []
    # a check interval longer than the run would never check; use the longest interval the run can hold
    interval_steps = params["interval_steps"]
    run_steps = run_h * 3600 / step_s
    if interval_steps > run_steps:
        longest = max([n for n in control_spec["interval_steps"].values if n <= run_steps] or [1])
        notes.append(f"Check interval lowered from {interval_steps:,} to {longest:,} steps: a run of "
                     f"{params['days']} days at {step_s:.1f} s per step has only {run_steps:,.0f} steps.")
        interval_steps = longest
    job_mtbf_h = ms.job_mtbf(gpus, device_failure_rate_per_s=rate / 3600) / 3600
    events = run_h / job_mtbf_h
    gpu_hours = gpus * run_h

    def budget(interval_s):
        """Expected GPU-hours over the run: checks, rework of caught corruptions, rework of missed ones.
        A corruption costs the work since the checkpoint before it (half an interval on average), the time until
        it is noticed, and a restart, on every GPU."""
        overhead = gpu_hours * check_s / interval_s
        caught = events * coverage * gpus * (checkpoint_h / 2 + interval_s / 2 / 3600 + restart_h)
        missed = events * (1 - coverage) * gpus * (checkpoint_h / 2 + missed_h + restart_h)
        return {"checks": overhead, "rework, caught": caught, "rework, missed": missed}

    interval_s = interval_steps * step_s
    parts = budget(interval_s)
    total = sum(parts.values())
    # the best interval balances check cost c/D against expected rework p * lambda * D / 2: Young's sqrt(2 c M/p)
    optimum_s = ms.young_interval(check_s, job_mtbf_h * 3600 / coverage) if coverage > 0 else float("inf")
    corrupted_steps = events * (coverage * interval_s / 2 + (1 - coverage) * missed_h * 3600) / step_s
    current = {"events": events, "job_mtbf_h": job_mtbf_h, "step_s": step_s, "overhead_gpu_hours": parts["checks"],
               "wasted_gpu_hours": parts["rework, caught"] + parts["rework, missed"], "total_gpu_hours": total,
               "corrupted_steps": corrupted_steps, "optimum_s": optimum_s, "gpu_hours": gpu_hours,
               "usd": total * ms.assumptions.GPU_HOUR_PRICE_USD}
    lk.adjusted(notes)
    return (budget, check_s, coverage, current, events, gpu_hours, gpus, interval_s, interval_steps, job_mtbf_h,
            params, parts, rate, run_h, step_s, total)


@app.cell(hide_code=True)
def _(budget, current, interval_s, interval_steps, step_s):
    _xs = [step_s * 10 ** (k / 8) for k in range(0, 41)]
    _curves = {name: [] for name in ["checks", "rework, caught", "rework, missed", "total"]}
    for _x in _xs:
        _p = budget(_x)
        for _name, _v in _p.items():
            _curves[_name].append(_v)
        _curves["total"].append(sum(_p.values()))
    _hours = [x / 3600 for x in _xs]
    lk.line_chart({name: (_hours, ys) for name, ys in _curves.items()},
                  x_title="Interval between checks (hours)", y_title="GPU-hours over the run", log_x=True, log_y=True,
                  vlines=[(current["optimum_s"] / 3600, "Young optimum")],
                  current=(interval_s / 3600, current["total_gpu_hours"], f"every {interval_steps:,} steps"),
                  title="What silent corruption and its detection cost the run")
    return


@app.cell(hide_code=True)
def _(LLAMA3_SDC_PER_GPU_HOUR, control_spec, coverage, gpus, params, step_seconds):
    _rows = []
    for _g in control_spec["gpus"].values:
        _step = step_seconds(_g)
        _mtbf_h = ms.job_mtbf(_g, device_failure_rate_per_s=LLAMA3_SDC_PER_GPU_HOUR * params["rate_x"] / 3600) / 3600
        _events = params["days"] * 24 / _mtbf_h
        _check = params["check_cost_steps"] * _step
        _opt = ms.young_interval(_check, _mtbf_h * 3600 / coverage) if coverage > 0 else float("inf")
        _rows.append({"GPUs": f"{_g:,}", "step": lk.fmt_time(_step), "SDC every": lk.fmt_time(_mtbf_h * 3600),
                      "expected in run": f"{_events:.2f}", "best check interval": lk.fmt_time(_opt),
                      "check overhead there": lk.fmt_pct(_check / _opt if _opt else 0.0, 2)})
    lk.table(_rows, caption=(f"Scaling the job: {params['days']} days at {params['rate_x']}× the Llama 3 detected rate, "
                             f"{params['coverage_pct']}% coverage, checks costing {params['check_cost_steps']} steps"),
             highlight=list(control_spec["gpus"].values).index(gpus))
    return


@app.cell(hide_code=True)
def _(check_s, coverage, current, events, gpu_hours, gpus, interval_s, job_mtbf_h, params, parts, rate, run_h,
      total):
    _share = total / gpu_hours
    _largest = max(parts, key=parts.get)
    lk.limit(
        _share > 0.01,
        f"silent corruption and its detection cost {lk.fmt_pct(_share, 2)} of the run's {gpu_hours:,.0f} GPU-hours "
        f"({total:,.0f} GPU-hours, about {current['usd']:,.0f} USD), mostly {_largest}",
        f"Expected corruptions = GPUs × hours × rate = {gpus:,} × {run_h:,.0f} h × {rate:.3g} per GPU-hour = "
        f"{events:.2f} (one every {job_mtbf_h:,.0f} hours of the job). A caught corruption is found on average half a "
        f"check interval later; a missed one after {params['missed_latency_h']} hours; each also loses half a "
        f"checkpoint interval and a restart on every GPU. Checking more often costs checks, less often costs rework; "
        f"only higher coverage shrinks the missed term.",
        f"checks = GPU-hours × c/D = {gpu_hours:,.0f} × {check_s:.3g} s / {interval_s:,.0f} s = {parts['checks']:,.0f}\n"
        f"caught = events × p × GPUs × (τ/2 + D/2 + R) = {events:.2f} × {coverage:.2f} × {gpus:,} × "
        f"({params['checkpoint_min'] / 120:.2f} + {interval_s / 7200:.3f} + {params['restart_min'] / 60:.2f}) h = "
        f"{parts['rework, caught']:,.0f}\n"
        f"missed = events × (1 − p) × GPUs × (τ/2 + L + R) = {events:.2f} × {1 - coverage:.2f} × {gpus:,} × "
        f"({params['checkpoint_min'] / 120:.2f} + {params['missed_latency_h']} + {params['restart_min'] / 60:.2f}) h = "
        f"{parts['rework, missed']:,.0f}\n"
        f"best interval D* = √(2 c M / p) = √(2 × {check_s:.3g} s × {job_mtbf_h * 3600:,.0f} s / {coverage:.2f}) = "
        f"{lk.fmt_time(current['optimum_s'])}",
    )
    return


@app.cell(hide_code=True)
def _(LLAMA3_SDC_PER_GPU_HOUR, MODEL, prediction, prediction_spec):
    _run = ms.time_to_train(ms.model(MODEL), 15e12, "DGX-H100", n_devices=8192, global_batch=2048, seq_len=8192,
                            tp=8, pp=4, zero_stage=1, recompute=True)
    _mtbf_h = ms.job_mtbf(8192, device_failure_rate_per_s=LLAMA3_SDC_PER_GPU_HOUR / 3600) / 3600
    _events = _run.seconds / 3600 / _mtbf_h
    _answer = ("none: at this scale it is too rare to matter" if _events < 0.5 else "a few" if _events < 30
               else "hundreds")
    lk.reveal(prediction_spec, prediction, _answer,
              f"the run takes {_run.days:.0f} days; at the Llama 3 detected rate the job meets a silent corruption "
              f"every {_mtbf_h:,.0f} hours, so it should expect {_events:.1f}",
              "Rates add across devices: a rate that gives one GPU a corruption every few hundred years gives "
              "8,192 GPUs one every few weeks. And the log counts only the corruptions someone detected.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Set coverage to 99%, then to 50%. Why does the total barely respond to the check interval at 50%?",
         "Half the corruptions are missed and cost a whole day of rework each on every GPU, whatever the interval; "
         "the interval only changes the overhead and the latency of the caught half. Better coverage, from "
         "detectors that see different errors, is worth more than a perfectly tuned interval."),
        ("Make the check cost 0.001 steps (a replica checksum). Where does the best interval go, and why do "
         "real runs check cheap invariants every step?",
         "D* = √(2cM/p) shrinks with √c, to a handful of steps or fewer; at the smallest interval the overhead is "
         "still a fraction of a percent. Cheap checks belong in every step; only expensive ones such as recomputing "
         "a step need Young's balance."),
        ("Double the GPUs at a fixed run length. How do the expected corruptions and the cost of each one change?",
         "Both double: the job's corruption rate is proportional to its GPUs, and every corruption's rework is "
         "paid on every GPU. The expected GPU-hours lost grow with the square of the job size, which is why "
         "silent corruption is ignorable on small clusters and a design problem on large ones."),
    ])
    return


if __name__ == "__main__":
    app.run()
