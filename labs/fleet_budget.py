import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="The Fleet Budget of a Frontier Run")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("fleet_budget")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "The Llama 3 405B run saw 419 unexpected interruptions in 54 days on 16,384 H100s. Keep that "
            "per-GPU reliability and scale one synchronous job to 131,072 GPUs. How often is the job interrupted?"
        ),
        ["every ~5 minutes", "every ~20 minutes", "every ~2 hours", "about once a day"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    gpu_counts = [2048, 4096, 8192, 16384, 32768, 65536, 131072]
    # Per-GPU-slot MTBF implied by the Llama 3 405B log (Dubey et al. 2024): 54 days x 24 h x 16,384 / 419.
    llama3_slot_mtbf_years = 54 * 24 * 16384 / 419 / 8766
    control_spec = {
        "model": lk.Choice("Model", ["Llama-3-70B", "Llama-3.1-405B"], "Llama-3.1-405B"),
        "tokens_t": lk.Steps("Training tokens (trillions)", [1, 2, 5, 10, 15.6, 30], 15.6),
        "gpus": lk.Steps("H100 GPUs in the job", gpu_counts, 16384),
        "mfu": lk.Slider("Model-FLOPs utilization (your assumption; Llama 3 measured 0.38-0.43)", 0.2, 0.6, 0.05, 0.4),
        "slot_mtbf_years": lk.Slider("Per-GPU-slot MTBF (years; Llama 3 log ≈ 5.8)", 1.0, 20.0, 0.1,
                                     round(llama3_slot_mtbf_years, 1)),
        "restart_min": lk.Steps("Minutes to detect, restart and reload after a failure (your assumption)", [2, 5, 10, 20, 40, 60], 10),
        "site_mw": lk.Steps("Site power available (MW, your assumption)", [10, 25, 50, 100, 200, 400], 50),
    }
    return control_spec, gpu_counts


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _():
    h100 = ms.hardware("H100-SXM")
    dgx = ms.node("DGX-H100")
    pue = ms.assumptions.DEFAULT_PUE
    usd_per_gpu_hour = ms.cloud_price(h100)
    checkpoint_s = 30.0  # seconds to write one checkpoint; the Data Storage chapter sizes this properly

    def budget(model_name, tokens, gpus, mfu, slot_mtbf_years, restart_min):
        """Everything the chapter's budget table computes, for one fleet size."""
        flop = ms.training_flop(model_name, tokens, seq_len=8192)
        ideal_s = flop / (gpus * h100.peak_flops("bf16") * mfu)
        facility_w = gpus / dgx.count * dgx.power_w * pue
        mtbf_s = ms.job_mtbf(gpus, device_mtbf_s=slot_mtbf_years * 8766 * 3600)
        plan = ms.checkpoint_interval(checkpoint_s, mtbf_s, restart_s=restart_min * 60)
        wall_s = ideal_s / max(plan.goodput_fraction, 1e-9)
        gpu_hours = wall_s / 3600 * gpus
        return {"flop": flop, "ideal_days": ideal_s / 86400, "wall_days": wall_s / 86400,
                "facility_mw": facility_w / 1e6, "mtbf_s": mtbf_s, "plan": plan,
                "interruptions": wall_s / mtbf_s, "gpu_hours": gpu_hours,
                "energy_gwh": ms.energy(gpus * h100.tdp_w * ms.assumptions.TRAINING_POWER_FRACTION, wall_s, pue) / 3.6e12,
                "cost_usd": gpu_hours * usd_per_gpu_hour}

    return budget, checkpoint_s, h100, pue, usd_per_gpu_hour


@app.cell
def _(budget, controls, gpu_counts):
    params = controls.value
    tokens = params["tokens_t"] * 1e12
    current = lk.engine_call(budget, params["model"], tokens, params["gpus"], params["mfu"],
                             params["slot_mtbf_years"], params["restart_min"],
                             context=f"{params['model']} on {params['gpus']:,} GPUs")
    sweep = {g: lk.attempt(budget, params["model"], tokens, g, params["mfu"], params["slot_mtbf_years"],
                           params["restart_min"]) for g in gpu_counts}
    return current, params, sweep, tokens


@app.cell(hide_code=True)
def _(current, params, sweep):
    _ok = {g: o.value for g, o in sweep.items() if o.ok}
    lk.line_chart({"days without failures": (list(_ok), [b["ideal_days"] for b in _ok.values()]),
                   "days with failures and restarts": (list(_ok), [b["wall_days"] for b in _ok.values()])},
                  x_title="GPUs in the job", y_title="Days to train", log_x=True, log_y=True,
                  current=(params["gpus"], current["wall_days"], f"{params['gpus']:,} GPUs"),
                  title=f"{params['model']} on {params['tokens_t']:g} T tokens at {lk.fmt_pct(params['mfu'], 0)} MFU")
    return


@app.cell(hide_code=True)
def _(params, sweep):
    _rows = []
    for _g, _o in sweep.items():
        if _o.ok:
            _b = _o.value
            _rows.append({"GPUs": f"{_g:,}", "days": f"{_b['wall_days']:.1f}", "facility MW": f"{_b['facility_mw']:.1f}",
                          "job MTBF": lk.fmt_time(_b["mtbf_s"]), "interruptions": f"{_b['interruptions']:,.0f}",
                          "goodput": lk.fmt_pct(_b["plan"].goodput_fraction),
                          "energy": f"{_b['energy_gwh']:.1f} GWh", "on-demand cost": lk.fmt_count(_b["cost_usd"], "USD")})
        else:
            _rows.append({"GPUs": f"{_g:,}", "days": f"rejected: {_o.error}"})
    lk.table(_rows, caption="The same run on fleets of different sizes", highlight=list(sweep).index(params["gpus"]))
    return


@app.cell(hide_code=True)
def _(checkpoint_s, current, params, pue):
    _plan = current["plan"]
    _power_short = current["facility_mw"] > params["site_mw"]
    _goodput_low = _plan.goodput_fraction < 0.8
    if _power_short:
        _headline = f"the site's {params['site_mw']} MW cannot power {params['gpus']:,} GPUs ({current['facility_mw']:.1f} MW needed)"
    elif _goodput_low:
        _headline = (f"failures eat the run: goodput {lk.fmt_pct(_plan.goodput_fraction)} with an interruption "
                     f"every {lk.fmt_time(current['mtbf_s'])}")
    else:
        _headline = (f"{current['wall_days']:.1f} days, {current['facility_mw']:.1f} MW, "
                     f"goodput {lk.fmt_pct(_plan.goodput_fraction)}")
    lk.limit(
        _power_short or _goodput_low,
        _headline,
        f"Facility power = GPUs / 8 × node rating × PUE {pue:g}; job MTBF = per-GPU MTBF / GPUs "
        f"= {params['slot_mtbf_years']:.1f} years / {params['gpus']:,} = {lk.fmt_time(current['mtbf_s'])}. "
        f"With {checkpoint_s:.0f} s checkpoints and {params['restart_min']} min restarts, the best checkpoint interval "
        f"loses {lk.fmt_pct(1 - _plan.goodput_fraction)} of wall-clock time. More GPUs shorten the ideal run but "
        "raise the power bill at once and the failure rate in proportion.",
        _plan.explain(),
    )
    return


@app.cell(hide_code=True)
def _(budget, prediction, prediction_spec):
    _llama3_years = 54 * 24 * 16384 / 419 / 8766
    _mtbf_min = budget("Llama-3.1-405B", 15.6e12, 131072, 0.4, _llama3_years, 10)["mtbf_s"] / 60
    lk.reveal(prediction_spec, prediction,
              lk.closest({"every ~5 minutes": 5, "every ~20 minutes": 20, "every ~2 hours": 120,
                          "about once a day": 1440}, _mtbf_min),
              f"an interruption every {_mtbf_min:.0f} minutes at 131,072 GPUs (per-GPU MTBF {_llama3_years:.1f} years)",
              "Independent failures add their rates, so the job's MTBF is the per-GPU figure divided by the GPU count.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Doubling the GPUs halves the ideal training time. Why does the time with failures shrink by less, "
         "and can it even grow?",
         "The interruption rate doubles with the GPU count while each restart still costs the same minutes, "
         "and checkpoints must be written more often. Once the job MTBF approaches the restart time, the "
         "fraction of time lost grows faster than the ideal time falls, and adding GPUs stops helping."),
        ("Which lever reduces the energy of the run, and which only shortens it?",
         "Energy is about GPUs × power × time, and the GPU-hours are set by FLOPs / (peak × MFU): more GPUs "
         "shorten the run without changing its energy much, while a higher MFU or fewer lost hours cut the "
         "GPU-hours and therefore the energy and the cost."),
    ])
    return


if __name__ == "__main__":
    app.run()
