import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Operating a Fleet of Models")

with app.setup:
    import functools
    import math

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("fleet_ops")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "A company runs 2,000 production models. Each is watched by 40 signals, every signal is checked hourly "
            "against a threshold with a 0.1% false-positive rate, and each model has one real incident a year. "
            "What fraction of the alerts are real?"
        ),
        ["about 90%", "about 50%", "about 10%", "under 1%"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    fleet_sizes = [50, 100, 200, 500, 1000, 2000, 5000, 10000]
    control_spec = {
        "models": lk.Steps("Models in the fleet", fleet_sizes, 2000),
        "signals": lk.Steps("Signals per model that can page", [1, 2, 3, 5, 10, 20, 40, 80], 40),
        "alpha": lk.Steps("False-positive rate of one check", [0.0001, 0.0003, 0.001, 0.003, 0.01], 0.001),
        "persist": lk.Steps("Consecutive hourly breaches before paging", [1, 2, 3, 4], 1),
        "mtbi_days": lk.Steps("Days between real incidents per model (drift, data faults, bad releases)",
                              [30, 90, 180, 365, 730, 1460], 365),
        "mitigate_min": lk.Steps("Minutes from page to mitigation (rollback, fallback)", [10, 30, 60, 120, 240], 60),
        "slo": lk.Steps("Availability objective of each model's service", [0.99, 0.995, 0.999, 0.9995, 0.9999], 0.999),
        "retrain_model": lk.Choice("Model retrained by every team", ["BERT-base", "Llama-3-8B", "Llama-3-70B"],
                                   "BERT-base"),
        "retrains_per_year": lk.Steps("Retrains per model per year", [4, 12, 52, 365], 52),
    }
    return control_spec, fleet_sizes


@app.cell
def _():
    DAY = 86400.0
    CHECKS_PER_DAY = 24          # hourly checks
    SHIFT_H = 12                 # on-call shift length
    INCIDENTS_PER_SHIFT = 2      # what one rotation can absorb (Beyer et al. 2016, "Being On-Call")
    WINDOW_DAYS = 30             # SLO window
    # One retraining run per model, as in the chapter's fleet example: tokens, GPUs and parallelism by model.
    RETRAIN_SETUP = {
        "BERT-base": dict(tokens=2e8, n_devices=8, global_batch=256, seq_len=512, zero_stage=1),
        "Llama-3-8B": dict(tokens=1e9, n_devices=8, global_batch=64, seq_len=4096, zero_stage=1),
        "Llama-3-70B": dict(tokens=2e9, n_devices=64, global_batch=64, seq_len=4096, zero_stage=3, tp=8, dp=8),
    }

    @functools.lru_cache(maxsize=8)
    def retrain_run(model_name):
        setup = dict(RETRAIN_SETUP[model_name])
        tokens = setup.pop("tokens")
        return ms.time_to_train(model_name, tokens, "DGX-H100", **setup)

    def fleet(models, signals, alpha, persist, mtbi_days):
        """Alerts per day for the fleet: real incidents from the engine's rate-adding job_mtbf, false ones
        from checks x false-positive rate (persistence: all k consecutive checks must breach)."""
        mean_between_s = ms.job_mtbf(models, device_mtbf_s=mtbi_days * DAY)
        real = DAY / mean_between_s
        false = models * signals * CHECKS_PER_DAY * alpha ** persist
        per_shift = (real + false) * SHIFT_H / 24
        return {"mean_between_s": mean_between_s, "real": real, "false": false,
                "precision": real / (real + false), "per_shift": per_shift,
                "rotations": max(1, math.ceil(per_shift / INCIDENTS_PER_SHIFT - 1e-9))}

    return CHECKS_PER_DAY, INCIDENTS_PER_SHIFT, SHIFT_H, WINDOW_DAYS, fleet, retrain_run


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(WINDOW_DAYS, controls, fleet, fleet_sizes, retrain_run):
    params = controls.value
    current = lk.engine_call(fleet, params["models"], params["signals"], params["alpha"], params["persist"],
                             params["mtbi_days"], context="fleet incident rate")
    sweep = {n: fleet(n, params["signals"], params["alpha"], params["persist"], params["mtbi_days"])
             for n in fleet_sizes}
    run = lk.engine_call(retrain_run, params["retrain_model"], context=f"one retrain of {params['retrain_model']}")
    gpu_hours_year = params["models"] * params["retrains_per_year"] * run.gpu_hours
    usd_year = params["models"] * params["retrains_per_year"] * run.cost_usd

    # Persistence delays the page: with k hourly checks the k-th breach comes (k - 1) hours after the first,
    # so an incident cannot be mitigated sooner than that. Derive the effective time instead of blanking.
    detect_min = (params["persist"] - 1) * 60
    bad_min = max(params["mitigate_min"], detect_min)
    notes = ([f"With {params['persist']} consecutive hourly breaches required, a page arrives {detect_min} minutes "
              f"after an incident starts, so each incident lasts at least {bad_min} minutes, not "
              f"{params['mitigate_min']}."] if bad_min > params["mitigate_min"] else [])
    budget_min = (1 - params["slo"]) * WINDOW_DAYS * 24 * 60
    incidents_per_window = WINDOW_DAYS / params["mtbi_days"]
    budget_spent = incidents_per_window * bad_min / budget_min
    return (bad_min, budget_min, budget_spent, current, gpu_hours_year, incidents_per_window, notes, params, run,
            sweep, usd_year)


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(INCIDENTS_PER_SHIFT, SHIFT_H, current, params, sweep):
    _sizes = list(sweep)
    lk.line_chart({"real incidents": (_sizes, [s["real"] for s in sweep.values()]),
                   "false alerts": (_sizes, [max(s["false"], 1e-4) for s in sweep.values()])},
                  x_title="Models in the fleet", y_title="Alerts per day", log_x=True, log_y=True,
                  hlines=[(INCIDENTS_PER_SHIFT * 24 / SHIFT_H, "one on-call rotation")],
                  current=(params["models"], current["real"] + current["false"], "you (all pages)"),
                  title=f"{params['signals']} paging signals per model, α = {params['alpha']:g}, "
                        f"{params['persist']} breach(es) to page")
    return


@app.cell(hide_code=True)
def _(params, run, sweep):
    _rows = [{"models": f"{n:,}", "real incidents / day": f"{s['real']:.2f}",
              "false alerts / day": f"{s['false']:,.2f}", "alert precision": lk.fmt_pct(s["precision"]),
              "pages per 12-h shift": f"{s['per_shift']:,.1f}", "rotations needed": f"{s['rotations']:,}",
              "retraining GPU-h / year": f"{n * params['retrains_per_year'] * run.gpu_hours:,.0f}"}
             for n, s in sweep.items()]
    lk.table(_rows, caption=f"The fleet's operations load by size ({params['retrain_model']} retrained "
                            f"{params['retrains_per_year']}× a year)",
             highlight=list(sweep).index(params["models"]))
    return


@app.cell(hide_code=True)
def _(CHECKS_PER_DAY, INCIDENTS_PER_SHIFT, bad_min, budget_min, budget_spent, current, gpu_hours_year,
      incidents_per_window, params, run, usd_year):
    _noisy = current["precision"] < 0.5
    _overloaded = current["per_shift"] > INCIDENTS_PER_SHIFT
    _over_budget = budget_spent > 1
    if _over_budget:
        _headline = (f"each model's real incidents alone spend {lk.fmt_pct(budget_spent, 0)} of its "
                     f"{100 * params['slo']:g}% error budget")
    elif _noisy:
        _headline = (f"noise dominates: {current['false']:,.1f} false alerts a day against {current['real']:.1f} "
                     f"real incidents (precision {lk.fmt_pct(current['precision'])})")
    elif _overloaded:
        _headline = (f"{current['per_shift']:.1f} pages per 12-hour shift need {current['rotations']} on-call "
                     "rotations")
    else:
        _headline = (f"{current['per_shift']:.1f} pages per shift, precision {lk.fmt_pct(current['precision'])}, "
                     f"{lk.fmt_pct(budget_spent, 0)} of each model's error budget")
    lk.limit(
        _noisy or _overloaded or _over_budget,
        _headline,
        f"Real incidents: job_mtbf({params['models']:,}, {params['mtbi_days']} days) = "
        f"{lk.fmt_time(current['mean_between_s'])} between incidents, {current['real']:.2f} a day. "
        f"False alerts = models × signals × checks/day × α^k = {params['models']:,} × {params['signals']} × "
        f"{CHECKS_PER_DAY} × {params['alpha']:g}^{params['persist']} = {current['false']:,.2f} a day. "
        f"Precision = real / (real + false) = {lk.fmt_pct(current['precision'])}. "
        f"One rotation absorbs {INCIDENTS_PER_SHIFT} incidents per 12-hour shift. "
        f"Error budget per model = (1 − {params['slo']:g}) × 30 days = {budget_min:.1f} min; its incidents spend "
        f"{incidents_per_window:.3f} × {bad_min} min = {incidents_per_window * bad_min:.1f} min. "
        f"Retraining: {params['models']:,} × {params['retrains_per_year']} × {run.gpu_hours:,.2f} GPU-h = "
        f"{gpu_hours_year:,.0f} GPU-hours ({lk.fmt_count(usd_year, 'USD')}) a year.",
        run.explain(),
    )
    return


@app.cell(hide_code=True)
def _(fleet, prediction, prediction_spec):
    _at = fleet(2000, 40, 0.001, 1, 365)
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 90%": 0.9, "about 50%": 0.5, "about 10%": 0.1, "under 1%": 0.003}, _at["precision"]),
              f"{_at['real']:.1f} real incidents a day (job_mtbf: one every "
              f"{lk.fmt_time(_at['mean_between_s'])}) against {_at['false']:,.0f} false alerts: "
              f"{lk.fmt_pct(_at['precision'], 2)} of alerts are real",
              f"{2000 * 40 * 24:,} checks a day at a 0.1% false-positive rate raise {_at['false']:,.0f} false alerts; "
              "no accuracy per check makes up for the number of checks.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Doubling the fleet doubled the pages. Why did the alert precision not change at all?",
         "Real incidents and false alerts both grow in proportion to the number of models, so their ratio, "
         "λr / (λr + F·c·α), does not contain it. Precision is set per model: how many signals page, how often "
         "they are checked, their false-positive rate, and how often something really goes wrong."),
        ("Which single change brings the default fleet within one on-call rotation, and what does it cost?",
         "Paging on a few model-level objectives instead of every signal, with two consecutive breaches, cuts "
         "false alerts by orders of magnitude; what remains are the real incidents, which at one per model-year "
         "still exceed what a single rotation can absorb for 2,000 models. Persistence delays each page by an hour per extra check, and "
         "fewer paging signals push the rest into tickets, so the price is slower detection of small problems. "
         "Lowering the per-model incident rate (data validation, automatic rollback) is the only lever that "
         "reduces the real load."),
        ("Why does the retraining bill depend so strongly on which model the teams retrain?",
         "GPU-hours per retrain grow with parameters × tokens, so one 70B fine-tune costs thousands of times a "
         "BERT-base retrain. A fleet's retraining budget is dominated by its largest models, not its most "
         "numerous ones."),
    ])
    return


if __name__ == "__main__":
    app.run()
