import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Carbon of a Training Run by Region and Hour")

with app.setup:
    import functools
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
            'A training run on the US grid can move to another region or start at a cleaner hour of the day '
            '(assume grid intensity swings ±30% over a day). For a 3-hour fine-tuning job and for a 3-week '
            'pre-training run, which of the two choices cuts emissions more?'
        ),
        ['the region, for both runs', 'the start hour for the short job, the region for the long run', 'the start hour, for both runs'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    regions = ms.list_regions()
    control_spec = {
        "model": lk.Choice("Model", ["GPT-2", "Llama-3-8B", "Llama-3-70B"], "Llama-3-8B"),
        "tokens": lk.Steps("Training tokens", [1e8, 1e9, 1e10, 1e11, 1e12, 1e13], 1e10),
        "gpus": lk.Steps("H100 GPUs", [8, 64, 256, 1024, 4096], 64),
        "region": lk.Choice("Grid", regions, "us"),
        "pue": lk.Slider("Data-centre PUE", 1.05, 2.0, 0.05, 1.1),
        "start_hour": lk.Slider("Start hour (local time)", 0, 23, 1, 18),
        "swing": lk.Slider("Daily swing of grid intensity, ± % of the average (your assumption)", 0, 60, 5, 30),
    }
    return control_spec, regions


@app.cell
def _():
    @functools.lru_cache(maxsize=256)
    def training_run(model_name, tokens, gpus, pue):
        big = ms.model(model_name).params > 2e10
        return ms.time_to_train(model_name, tokens, ms.cluster("DGX-H100", nodes=max(1, gpus // 8)), n_devices=gpus,
                                global_batch=max(256, gpus), seq_len=2048 if model_name != "GPT-2" else 1024,
                                tp=8 if big else 1, pp=4 if big and gpus >= 32 else 1, zero_stage=1, pue=pue)

    return (training_run,)


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
    def average_intensity_factor(start_hour, hours, swing):
        """Average grid-intensity factor seen by a run of ``hours`` starting at ``start_hour``.

        Assumed daily profile (the learner's swing): cleanest at 13:00 (solar peak), dirtiest at 01:00,
        averaging to 1 over a day."""
        steps = max(1, math.ceil(hours * 4))
        width = hours / steps
        return sum(1 - swing * math.cos(2 * math.pi * (start_hour + (i + 0.5) * width - 13) / 24)
                   for i in range(steps)) / steps

    return (average_intensity_factor,)


@app.cell
def _(average_intensity_factor, controls, regions, training_run):
    params = controls.value
    run = lk.engine_call(training_run, params["model"], params["tokens"], params["gpus"], round(params["pue"], 2),
                         context="training run")
    hours = run.seconds / 3600
    swing = params["swing"] / 100

    def schedule_factor(start_hour):
        return average_intensity_factor(start_hour, hours, swing)

    def emissions(region, start_hour):
        return ms.carbon(run.energy_j, region) * schedule_factor(start_hour)

    current = emissions(params["region"], params["start_hour"])
    by_hour = {h: schedule_factor(h) for h in range(24)}
    best_hour = min(by_hour, key=by_hour.get)
    by_region = {r: ms.carbon(run.energy_j, r) for r in regions}
    return best_hour, by_hour, by_region, current, emissions, hours, params, run


@app.cell(hide_code=True)
def _(by_region, emissions, params, regions):
    _show = sorted({params["region"], min(by_region, key=by_region.get), max(by_region, key=by_region.get)})
    lk.line_chart({r: (list(range(24)), [emissions(r, h) / 1e6 for h in range(24)]) for r in _show},
                  x_title="Start hour", y_title="Tonnes CO₂e for the run", log_y=True,
                  current=(params["start_hour"], emissions(params["region"], params["start_hour"]) / 1e6, "your start"),
                  title="Emissions by start hour on three grids")
    return


@app.cell(hide_code=True)
def _(best_hour, by_region, emissions, params):
    _rows = [{"grid": r, "g CO₂e / kWh": f"{ms.grid_intensity(r):.0f}",
              f"start {params['start_hour']}:00": f"{emissions(r, params['start_hour']) / 1e6:,.3g} t",
              f"best start ({best_hour}:00)": f"{emissions(r, best_hour) / 1e6:,.3g} t"} for r in by_region]
    lk.table(_rows, caption="Same run, every grid in the catalog", highlight=list(by_region).index(params["region"]))
    return


@app.cell(hide_code=True)
def _(best_hour, by_hour, by_region, current, hours, params, run):
    _region_gain = 1 - min(by_region.values()) / by_region[params["region"]]
    _hour_gain = 1 - by_hour[best_hour] / by_hour[params["start_hour"]]
    _binding = "where it runs" if _region_gain > _hour_gain else "when it starts"
    lk.limit(
        True,
        f"{_binding} matters more: moving region saves up to {_region_gain:.0%}, shifting the start saves {_hour_gain:.0%}",
        f"The run lasts {lk.fmt_time(run.seconds)} and draws {run.energy_j / 3.6e6:,.0f} kWh "
        f"(GPUs × power × time × PUE {params['pue']:.2f}); emissions = energy × grid intensity = "
        f"{current / 1e6:,.3g} t CO₂e here. A job shorter than a day can sit in the clean hours; a job of "
        f"{hours / 24:.1f} days averages over whole days, so only the region moves it. The daily profile is "
        "your assumption: MLSys·im's catalog holds yearly averages per grid.",
        run.explain(),
    )
    return


@app.cell(hide_code=True)
def _(average_intensity_factor, prediction, prediction_spec, regions):
    _us = ms.grid_intensity("us")
    _cleanest = min(regions, key=ms.grid_intensity)
    _region_gain = 1 - ms.grid_intensity(_cleanest) / _us
    def _hour_gain(hours):
        _factors = [average_intensity_factor(h, hours, 0.30) for h in range(24)]
        return 1 - min(_factors) / max(_factors)
    _short, _long = _hour_gain(3), _hour_gain(21 * 24)
    _answer = {(True, True): prediction_spec.options[0], (False, True): prediction_spec.options[1],
               (False, False): prediction_spec.options[2]}.get((_region_gain > _short, _region_gain > _long),
                                                               prediction_spec.options[0])
    lk.reveal(prediction_spec, prediction, _answer,
              f"moving from the US grid ({_us:.0f} g/kWh) to {_cleanest} ({ms.grid_intensity(_cleanest):.0f} g/kWh) "
              f"cuts {_region_gain:.0%}; the best start hour against the worst cuts {_short:.0%} for the 3-hour job "
              f"and {_long:.1%} for the 3-week run",
              "Grids differ by an order of magnitude over a year; the daily swing is a fraction of the mean, "
              "and a run lasting whole days averages it away.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Why does shifting the start hour stop mattering once a run lasts several days?",
         "Emissions integrate intensity over the run. A run spanning many whole days sees every hour of "
         "the daily cycle about equally often, so its average intensity tends to the daily average no "
         "matter when it starts; only the partial day at the end can be placed."),
        ("PUE multiplies energy; the grid multiplies emissions. Which of the two can an ML engineer "
         "influence without moving data centres, and how?",
         "Neither directly, but the engineer controls the energy those factors multiply: higher MFU, "
         "fewer wasted runs, smaller or better-trained models, and scheduling flexible jobs into clean "
         "hours. PUE and grid mix are facility and siting decisions."),
    ])
    return


if __name__ == "__main__":
    app.run()
