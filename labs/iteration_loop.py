import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="The Iteration Loop: Experiments per Week")

with app.setup:
    import functools

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("iteration_loop")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            'A team shares 64 H100s to fine-tune Llama-3-8B on 2 billion tokens per experiment (ZeRO-3). '
            'Which gives more experiments per week: 64 GPUs per experiment, one at a time, or 8 GPUs each, 8'
            ' at once?'
        ),
        ['64 GPUs each, one at a time', '8 GPUs each, 8 at once', 'about the same'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    gpu_options = [1, 2, 4, 8, 16, 32, 64, 128]
    control_spec = {
        "model": lk.Choice("Model being fine-tuned", ["GPT-2", "Llama-2-7B", "Llama-3-8B", "Llama-2-13B"], "Llama-3-8B"),
        "tokens": lk.Steps("Fine-tuning tokens per experiment", [1e8, 3e8, 1e9, 2e9, 5e9, 1e10], 2e9),
        "gpus_per_experiment": lk.Steps("GPUs per experiment", gpu_options, 8),
        "pool": lk.Steps("GPUs the team has", [8, 16, 32, 64, 128, 256], 64),
        "zero3": lk.Switch("Shard model state with ZeRO-3", True),
    }
    return control_spec, gpu_options


@app.cell
def _():
    @functools.lru_cache(maxsize=512)
    def experiment(model_name, tokens, gpus, zero3):
        seq_len = min(2048, ms.model(model_name).max_seq_len)
        return ms.time_to_train(model_name, tokens, "DGX-H100", n_devices=gpus, global_batch=max(64, gpus),
                                seq_len=seq_len, zero_stage=3 if zero3 else 0, recompute=True)

    return (experiment,)


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(controls, experiment, gpu_options):
    params = controls.value
    lk.engine_call(ms.model, params["model"])
    notes = []
    gpus = params["gpus_per_experiment"]
    if gpus > params["pool"]:
        gpus = max(g for g in gpu_options if g <= params["pool"])
        notes.append(f"{params['gpus_per_experiment']} GPUs per experiment exceed the team's {params['pool']}; "
                     f"each experiment gets {gpus}.")
    # the nearest setting whose model state fits: first ZeRO-3 at the chosen width, then more GPUs
    candidates = [(gpus, params["zero3"])] + ([(gpus, True)] if not params["zero3"] else [])
    candidates += [(g, z) for g in gpu_options if gpus < g <= params["pool"] for z in sorted({params["zero3"], True})]
    used_gpus, used_zero3 = next(((g, z) for g, z in candidates
                                  if lk.attempt(experiment, params["model"], params["tokens"], g, z).ok), candidates[0])
    if (used_gpus, used_zero3) != candidates[0]:
        notes.append(f"{params['model']}'s weights, gradients and Adam state do not fit in an H100's 80 GB on "
                     f"{gpus} GPU{'s' if gpus > 1 else ''}{'' if params['zero3'] else ' without ZeRO-3'}; the "
                     f"experiment uses {used_gpus} GPUs{' with ZeRO-3' if used_zero3 else ''}"
                     + (" (ZeRO-3 shards model state only across several GPUs)" if gpus == 1 else "") + ".")
    current = lk.engine_call(experiment, params["model"], params["tokens"], used_gpus, used_zero3,
                             context=f"{params['model']} on {used_gpus} GPUs")
    options = {g: lk.attempt(experiment, params["model"], params["tokens"], g, used_zero3)
               for g in gpu_options if g <= params["pool"]}

    def per_week(run, gpus):
        return (params["pool"] // gpus) * 7 * 24 / (run.seconds / 3600)

    weekly = per_week(current, used_gpus)
    return current, notes, options, params, per_week, used_gpus, weekly


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(current, options, params, per_week, used_gpus):
    _ok = {g: o.value for g, o in options.items() if o.ok}
    lk.line_chart({"one point per GPUs-per-experiment choice": ([r.seconds / 3600 for r in _ok.values()],
                                                             [per_week(r, g) for g, r in _ok.items()])},
                  x_title="Turnaround of one experiment (hours)", y_title="Experiments per week (whole pool)",
                  log_x=True, vlines=[(24, "one day")],
                  current=(current.seconds / 3600, per_week(current, used_gpus), f"{used_gpus} GPUs each"),
                  title=f"Fine-tuning {params['model']} on {lk.fmt_count(params['tokens'])} tokens, {params['pool']}-GPU pool")
    return


@app.cell(hide_code=True)
def _(options, params, per_week):
    _rows = []
    for _g, _o in options.items():
        if _o.ok:
            _rows.append({"GPUs each": _g, "in parallel": params["pool"] // _g, "turnaround": lk.fmt_time(_o.value.seconds),
                          "experiments / week": f"{per_week(_o.value, _g):.1f}", "MFU": lk.fmt_pct(_o.value.step.mfu)})
        else:
            _rows.append({"GPUs each": _g, "in parallel": params["pool"] // _g, "turnaround": f"rejected: {_o.error}"})
    lk.table(_rows, caption="Splitting the pool", highlight=list(options).index(used_gpus))
    return


@app.cell(hide_code=True)
def _(current, params, used_gpus, weekly):
    _hours = current.seconds / 3600
    _slow = _hours > 24
    lk.limit(
        _slow,
        (f"turnaround {lk.fmt_time(current.seconds)}: the overnight loop is broken" if _slow else
         f"turnaround {lk.fmt_time(current.seconds)}, {weekly:.1f} experiments per week"),
        f"Experiments per week = (pool ÷ GPUs each) × 168 h ÷ hours per experiment = "
        f"({params['pool']} ÷ {used_gpus}) × 168 ÷ {_hours:.2f}. Per-GPU efficiency is "
        "highest on few GPUs, so many small experiments maximise the weekly count; one big experiment "
        "minimises the time to the next decision. Too few GPUs and the model state no longer fits.",
        current.explain(),
    )
    return


@app.cell(hide_code=True)
def _(experiment, prediction, prediction_spec):
    _wide = 7 * 24 * 3600 / experiment("Llama-3-8B", 2e9, 64, True).seconds
    _narrow = 8 * 7 * 24 * 3600 / experiment("Llama-3-8B", 2e9, 8, True).seconds
    _answer = ("about the same" if abs(_narrow / _wide - 1) < 0.1 else
               "8 GPUs each, 8 at once" if _narrow > _wide else "64 GPUs each, one at a time")
    lk.reveal(prediction_spec, prediction, _answer,
              f"{_wide:.1f} experiments per week at 64 GPUs each against {_narrow:.1f} at 8 GPUs each",
              "Splitting the pool avoids paying data-parallel communication across many nodes, so the "
              "narrow jobs use each GPU better; the wide job still returns its single answer sooner.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Why can the total number of experiments per week fall when each experiment gets more GPUs, "
         "even though each one finishes sooner?",
         "Scaling is sub-linear: the all-reduce and other communication grow relative to per-GPU compute, "
         "so MFU drops. The pool does the same total work either way, but at a lower efficiency when it "
         "is spread over fewer, wider jobs."),
        ("A team argues that turnaround matters more than throughput early in a project and the reverse "
         "later. Explain with the numbers from the lab.",
         "Early on, each result changes what to try next, so waiting for a slow serial loop wastes the "
         "team's time: fast turnaround (more GPUs per job) wins. Later, the search is a known sweep of "
         "many independent runs, so the total count per week (fewer GPUs per job, more in parallel) wins."),
    ])
    return


if __name__ == "__main__":
    app.run()
