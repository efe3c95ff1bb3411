import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Carbon of a Training Run by Region and Hour")

with app.setup:
    import functools
    import inspect
    import math

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("carbon_clock")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "Llama 3 70B is trained on 15 T tokens on 1,024 H100s and then served for a year to 50 million "
            "requests a day, all on Norway's hydro-powered grid. Which part of its lifecycle emissions is largest?"
        ),
        ["electricity for the training run", "electricity for a year of serving", "manufacturing the GPUs and servers (embodied)"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    regions = ms.list_regions()
    A = ms.assumptions
    # The engine's ownership lifetime (ms.tco's default) is the default service life.
    engine_life_years = inspect.signature(ms.tco).parameters["years"].default
    control_spec = {
        "model": lk.Choice("Model", ["GPT-2", "Llama-3-8B", "Llama-3-70B"], "Llama-3-70B"),
        "tokens": lk.Steps("Training tokens", [1e8, 1e9, 1e10, 1e11, 1e12, 1.5e13], 1.5e13),
        "gpus": lk.Steps("H100 GPUs for training", [8, 64, 256, 1024, 4096], 1024),
        "region": lk.Choice("Training grid", regions, "us"),
        "serve_region": lk.Choice("Serving grid", regions, "us"),
        "pue": lk.Slider("Data-centre PUE", 1.05, 2.0, 0.05, A.DEFAULT_PUE),
        "start_hour": lk.Slider("Training start hour (local time)", 0, 23, 1, 18),
        "swing": lk.Slider("Daily swing of grid intensity, ± % of the average (your assumption)", 0, 60, 5, 30),
        "requests_m": lk.Steps("Requests served per day (millions; 300 output tokens each)", [0, 1, 10, 50, 100, 500], 50),
        "autoscale": lk.Switch("Autoscale the serving fleet with demand (else provision for the daily peak)", False),
        "life_years": lk.Slider("Hardware service life (years)", 2, 8, 1, engine_life_years),
        "embodied_x": lk.Steps("Embodied carbon × BLOOM's per-GPU estimate (your assumption)", [0.5, 1, 2, 4], 1),
        "wue": lk.Slider("On-site water, litres per kWh of IT energy (your assumption)", 0.0, 9.0, 0.1, 1.0),
    }
    return A, control_spec, regions


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(A):
    h100 = ms.hardware("H100-SXM")
    dgx = ms.node("DGX-H100")
    HOURS_PER_YEAR = 365.25 * 24
    J_PER_KWH = 3.6e6
    OUTPUT_TOKENS = 300
    PROMPT_TOKENS = 1000
    PEAK_TO_MEAN = 2.0  # scenario: the daily peak of a consumer service is about twice its mean (Inference at Scale)
    # Manufacturing estimates of Luccioni et al. (2023), BLOOM: about 150 kgCO2e per GPU and 2,500 kgCO2e per
    # server excluding its GPUs; one GPU's share of a DGX server.
    EMBODIED_GPU_KG = 150.0  # measured: Luccioni et al. 2023 (BLOOM), per A100
    EMBODIED_SERVER_KG = 2500.0  # measured: Luccioni et al. 2023 (BLOOM), per server without GPUs
    embodied_per_gpu_kg = EMBODIED_GPU_KG + EMBODIED_SERVER_KG / dgx.count
    busy_kw_per_gpu = h100.tdp_w * A.AVERAGE_POWER_FRACTION_OF_TDP / 1e3  # IT power; PUE is a control

    @functools.lru_cache(maxsize=256)
    def training_run(model_name, tokens, gpus, pue):
        big = ms.model(model_name).params > 2e10
        return ms.time_to_train(model_name, tokens, ms.cluster("DGX-H100", nodes=max(1, gpus // 8)), n_devices=gpus,
                                global_batch=max(256, gpus), seq_len=2048 if model_name != "GPT-2" else 1024,
                                tp=8 if big else 1, pp=4 if big and gpus >= 32 else 1, zero_stage=1, pue=pue)

    @functools.lru_cache(maxsize=64)
    def replica(model_name, prompt_len):
        """One serving replica: FP8 weights, batch 64, on the fewest H100s that hold it (1 or 8)."""
        n = 8 if ms.model(model_name).params > 2e10 else 1
        return n, ms.serve(model_name, "H100-SXM", batch=64, prompt_len=prompt_len, output_len=OUTPUT_TOKENS,
                           n_devices=n, dtype="fp8")

    return (HOURS_PER_YEAR, J_PER_KWH, OUTPUT_TOKENS, PEAK_TO_MEAN, PROMPT_TOKENS, busy_kw_per_gpu,
            embodied_per_gpu_kg, replica, training_run)


@app.cell
def _():
    def average_intensity_factor(start_hour, hours, swing):
        """Average grid-intensity factor seen by a run of ``hours`` starting at ``start_hour``.

        Assumed daily profile (the learner's swing): cleanest at 13:00 (solar peak), dirtiest at 01:00,
        averaging to 1 over a day."""
        # Exact average of the cosine over [start, start + hours]: the integral of cos is sin, so the cost
        # does not grow with the run's length.
        w = 2 * math.pi / 24
        mean_cos = (math.sin(w * (start_hour + hours - 13)) - math.sin(w * (start_hour - 13))) / (w * hours)
        return 1 - swing * mean_cos

    return (average_intensity_factor,)


@app.cell
def _(HOURS_PER_YEAR, J_PER_KWH, OUTPUT_TOKENS, PEAK_TO_MEAN, PROMPT_TOKENS, busy_kw_per_gpu,
      embodied_per_gpu_kg, replica):
    def lifecycle(run, hours_factor, train_region, serve_region, pue, requests_per_day, autoscale, life_years,
                  embodied_x, wue, model_name, prompt_len=PROMPT_TOKENS):
        """The chapter's lifecycle ledger: training and one year of serving (operational), the embodied
        carbon of the GPU-hours each uses, and on-site water. Returns tonnes, MWh and litres."""
        n, srv = replica(model_name, prompt_len)
        tokens_per_s = srv.continuous_tokens_per_s
        mean_tps = requests_per_day * OUTPUT_TOKENS / 86400
        replicas = math.ceil(mean_tps * (1 if autoscale else PEAK_TO_MEAN) / tokens_per_s) if requests_per_day else 0
        serve_gpus = replicas * n
        serve_j = serve_gpus * busy_kw_per_gpu * 1e3 * pue * HOURS_PER_YEAR * 3600
        emb_g_per_gpu_h = embodied_per_gpu_kg * embodied_x * 1e3 / (life_years * HOURS_PER_YEAR)
        parts = {
            "training (electricity)": ms.carbon(run.energy_j, train_region) * hours_factor / 1e6,
            "a year of serving (electricity)": ms.carbon(serve_j, serve_region) / 1e6,
            "embodied (training's GPU-hours)": emb_g_per_gpu_h * run.gpu_hours / 1e6,
            "embodied (serving fleet, one year)": emb_g_per_gpu_h * serve_gpus * HOURS_PER_YEAR / 1e6,
        }
        it_kwh = (run.energy_j + serve_j) / pue / J_PER_KWH
        return {"parts": parts, "total": sum(parts.values()), "train_mwh": run.energy_j / J_PER_KWH / 1e3,
                "serve_mwh": serve_j / J_PER_KWH / 1e3, "serve_gpus": serve_gpus, "replica_gpus": n,
                "replica_tps": tokens_per_s, "water_l": it_kwh * wue, "emb_g_per_gpu_h": emb_g_per_gpu_h}

    return (lifecycle,)


@app.cell
def _(OUTPUT_TOKENS, PROMPT_TOKENS, controls):
    params = dict(controls.value)
    notes = []
    _m = ms.model(params["model"])
    # A 70B model does not fit eight GPUs for training without pipeline parallelism: move to the fewest that hold it.
    if _m.params > 2e10 and params["gpus"] < 32:
        notes.append(f"{params['model']} needs tensor × pipeline parallelism (8 × 4) to fit in H100 memory for "
                     f"training, so the run uses 32 GPUs instead of {params['gpus']}.")
        params["gpus"] = 32
    # Serving requests must fit the model's context: shorten the prompt rather than blank the lab.
    prompt_len = min(PROMPT_TOKENS, _m.max_seq_len - OUTPUT_TOKENS)
    if prompt_len < PROMPT_TOKENS:
        notes.append(f"{params['model']} reads {_m.max_seq_len} tokens, so served prompts are {prompt_len} tokens "
                     f"(not {PROMPT_TOKENS}) to leave room for {OUTPUT_TOKENS}-token answers.")
    lk.adjusted(notes)
    return notes, params, prompt_len


@app.cell
def _(average_intensity_factor, lifecycle, params, prompt_len, regions, training_run):
    run = lk.engine_call(training_run, params["model"], params["tokens"], params["gpus"], round(params["pue"], 2),
                         context="training run")
    hours = run.seconds / 3600
    swing = params["swing"] / 100

    def schedule_factor(start_hour):
        return average_intensity_factor(start_hour, hours, swing)

    def emissions(region, start_hour):
        return ms.carbon(run.energy_j, region) * by_hour[int(start_hour)]

    by_hour = {h: schedule_factor(h) for h in range(24)}

    def ledger(train_region=None, serve_region=None, start_hour=None, autoscale=None, life_years=None):
        return lifecycle(run, by_hour[int(params["start_hour"] if start_hour is None else start_hour)],
                         train_region or params["region"], serve_region or params["serve_region"],
                         round(params["pue"], 2), params["requests_m"] * 1e6,
                         params["autoscale"] if autoscale is None else autoscale,
                         params["life_years"] if life_years is None else life_years,
                         params["embodied_x"], params["wue"], params["model"], prompt_len)

    current = emissions(params["region"], params["start_hour"])
    best_hour = min(by_hour, key=by_hour.get)
    by_region = {r: ms.carbon(run.energy_j, r) for r in regions}
    mine = ledger()
    return best_hour, by_hour, by_region, current, emissions, hours, ledger, mine, run


@app.cell(hide_code=True)
def _(ledger, mine, params):
    _shown = sorted({params["region"], "india", "us", "eu", "france", "norway"}, key=ms.grid_intensity, reverse=True)
    _ledgers = {r: ledger(train_region=r, serve_region=r) for r in _shown}
    _ledgers["your choice"] = mine
    _cats = list(_ledgers)
    lk.stacked_bar_chart(_cats, {part: [_ledgers[c]["parts"][part] for c in _cats] for part in mine["parts"]},
                         y_title="tCO₂e (training + one year of serving)",
                         title="Lifecycle ledger: training and serving on one grid, and your mix of grids")
    return


@app.cell(hide_code=True)
def _(by_region, emissions, params):
    _show = sorted({params["region"], min(by_region, key=by_region.get), max(by_region, key=by_region.get)})
    lk.line_chart({r: (list(range(24)), [emissions(r, h) / 1e6 for h in range(24)]) for r in _show},
                  x_title="Start hour", y_title="Tonnes CO₂e for the training run", log_y=True,
                  current=(params["start_hour"], emissions(params["region"], params["start_hour"]) / 1e6, "your start"),
                  title="Training emissions by start hour on three grids")
    return


@app.cell(hide_code=True)
def _(best_hour, ledger, params, regions):
    _rows = []
    for _r in regions:
        _l = ledger(train_region=_r, serve_region=_r)
        _p = _l["parts"]
        _emb = _p["embodied (training's GPU-hours)"] + _p["embodied (serving fleet, one year)"]
        _best_train = ledger(train_region=_r, start_hour=best_hour)["parts"]["training (electricity)"]
        _rows.append({"grid": _r, "g CO₂e / kWh": f"{ms.grid_intensity(_r):.0f}",
                      f"training, start {params['start_hour']}:00": f"{_p['training (electricity)']:,.3g} t",
                      f"training, best start ({best_hour}:00)": f"{_best_train:,.3g} t",
                      "serving, one year": f"{_p['a year of serving (electricity)']:,.3g} t",
                      "embodied": f"{_emb:,.3g} t",
                      "embodied share": f"{_emb / _l['total']:.0%}" if _l["total"] else "–"})
    lk.table(_rows, caption="Same model, training and serving on each grid in the catalog (your PUE, demand, "
             "start hour, service life and embodied estimate)", highlight=list(regions).index(params["region"]))
    return


@app.cell(hide_code=True)
def _(best_hour, embodied_per_gpu_kg, ledger, mine, params, regions, run):
    _base = mine["total"]
    _cleanest = min(regions, key=ms.grid_intensity)
    _levers = {
        f"training on {_cleanest}'s grid": ledger(train_region=_cleanest)["total"],
        f"serving on {_cleanest}'s grid": ledger(serve_region=_cleanest)["total"],
        f"starting training at {best_hour}:00": ledger(start_hour=best_hour)["total"],
        "autoscaling the serving fleet": ledger(autoscale=True)["total"],
        f"keeping hardware {params['life_years'] + 2:g} years": ledger(life_years=params["life_years"] + 2)["total"],
    }
    _gains = {k: 1 - v / _base for k, v in _levers.items()} if _base > 0 else {k: 0.0 for k in _levers}
    _best = max(_gains, key=_gains.get)
    _p = mine["parts"]
    _emb = _p["embodied (training's GPU-hours)"] + _p["embodied (serving fleet, one year)"]
    lk.limit(
        True,
        f"the biggest single lever is {_best}: −{_gains[_best]:.0%} of {_base:,.0f} tCO₂e",
        f"Training draws {mine['train_mwh']:,.0f} MWh over {lk.fmt_time(run.seconds)}; a year of serving on "
        f"{mine['serve_gpus']} GPUs ({mine['replica_gpus']}-GPU replicas at {mine['replica_tps']:,.0f} tokens/s) draws "
        f"{mine['serve_mwh']:,.0f} MWh. Embodied carbon is {mine['emb_g_per_gpu_h']:.1f} g per GPU-hour "
        f"({_emb / _base:.0%} of the total here) and does not depend on the grid, so it dominates on clean grids. "
        "Other levers: " + ", ".join(f"{k} −{v:.0%}" for k, v in _gains.items() if k != _best) +
        f". On-site water: {mine['water_l'] / 1e6:,.2f} million litres. The daily profile and the embodied estimate "
        "are your assumptions; MLSys·im's catalog holds yearly averages per grid.",
        "operational = GPU-hours × TDP × power fraction × PUE × grid intensity × (start-hour factor, training only); "
        f"embodied = {embodied_per_gpu_kg:.1f} kg per GPU (BLOOM's GPU + server share) × your multiplier / "
        "(life × 8,766 h) × GPU-hours; "
        "water = IT energy × litres per kWh\n" + run.explain(),
    )
    return


@app.cell(hide_code=True)
def _(lifecycle, prediction, prediction_spec, replica, training_run):
    # The question's scenario: Llama 3 70B, 15 T tokens, 1,024 H100s, 50 M requests/day, Norway, engine defaults.
    _run = training_run("Llama-3-70B", 1.5e13, 1024, ms.assumptions.DEFAULT_PUE)
    _life = inspect.signature(ms.tco).parameters["years"].default
    _l = lifecycle(_run, 1.0, "norway", "norway", ms.assumptions.DEFAULT_PUE, 50e6, False, _life, 1, 1.0, "Llama-3-70B")
    _p = _l["parts"]
    _by_option = {
        prediction_spec.options[0]: _p["training (electricity)"],
        prediction_spec.options[1]: _p["a year of serving (electricity)"],
        prediction_spec.options[2]: _p["embodied (training's GPU-hours)"] + _p["embodied (serving fleet, one year)"],
    }
    _answer = max(_by_option, key=_by_option.get)
    lk.reveal(prediction_spec, prediction, _answer,
              f"on Norway's grid ({ms.grid_intensity('norway'):.0f} g/kWh) training emits "
              f"{_by_option[prediction_spec.options[0]]:,.0f} t, a year of serving {_by_option[prediction_spec.options[1]]:,.0f} t, "
              f"and the GPUs' manufacturing, amortised over {_life:g} years, {_by_option[prediction_spec.options[2]]:,.0f} t",
              "Embodied carbon per GPU-hour is the same on every grid; on a clean grid the electricity's share shrinks "
              "below it. On the US grid the same ledger is dominated by electricity.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Why does shifting the start hour stop mattering once a run lasts several days?",
         "Emissions integrate intensity over the run. A run spanning many whole days sees every hour of "
         "the daily cycle about equally often, so its average intensity tends to the daily average no "
         "matter when it starts; only the partial day at the end can be placed."),
        ("Set both grids to Norway. Which controls now move the total most, and why are they different from "
         "the ones that matter on the US grid?",
         "On a clean grid the embodied carbon of the GPUs is the largest part, so the service life, the embodied "
         "estimate and the number of GPUs the serving fleet holds (autoscaling) matter most; on a fossil-heavy grid "
         "the electricity dominates and the choice of grid is the lever."),
        ("PUE multiplies energy; the grid multiplies emissions. Which of the two can an ML engineer "
         "influence without moving data centres, and how?",
         "Neither directly, but the engineer controls the energy those factors multiply: higher MFU, "
         "fewer wasted runs, smaller or better-trained models, lower-precision serving, fleets that follow "
         "demand, and scheduling flexible jobs into clean hours. PUE and grid mix are facility and siting decisions."),
    ])
    return


if __name__ == "__main__":
    app.run()
