import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="The Compute Budget of a Training Run")

with app.setup:
    import functools

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("compute_budget")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            'Training a 70-billion-parameter model (Llama-3-70B) on its compute-optimal tokens (20 per '
            'parameter) on 1,024 H100s: how long does it take?'
        ),
        ['about 2 days', 'about 2 weeks', 'about 2 months', 'about 2 years'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    gpu_counts = [64, 128, 256, 512, 1024, 2048, 4096, 8192]
    control_spec = {
        "model": lk.Choice("Model", ["GPT-2", "Llama-2-7B", "Llama-3-8B", "Llama-3-70B", "GPT-3-175B"], "Llama-3-70B"),
        "token_multiple": lk.Steps("Training tokens (× the compute-optimal 20 per parameter)", [0.25, 0.5, 1, 2, 5, 10], 1),
        "gpus": lk.Steps("GPUs", gpu_counts, 1024),
        "node": lk.Choice("Servers", ["DGX-A100", "DGX-H100", "DGX-B200"], "DGX-H100"),
        "deadline_days": lk.Slider("Deadline (days)", 1, 180, 1, 30),
    }
    # a standard (tensor, pipeline) split per model size; the planner lab explores the alternatives
    plans = {"GPT-2": (1, 1), "Llama-2-7B": (1, 1), "Llama-3-8B": (1, 1), "Llama-3-70B": (8, 4), "GPT-3-175B": (8, 8)}
    return control_spec, gpu_counts, plans


@app.cell
def _(plans):
    @functools.lru_cache(maxsize=256)
    def run(model_name, tokens, node_name, gpus):
        tp, pp = plans[model_name]
        seq_len = min(4096, ms.model(model_name).max_seq_len)
        dp = gpus // (tp * pp)
        return ms.time_to_train(model_name, tokens, ms.cluster(node_name, nodes=max(1, gpus // 8)), n_devices=gpus,
                                global_batch=max(1024, dp), seq_len=seq_len, tp=tp, pp=pp, zero_stage=1)

    return (run,)


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(controls, gpu_counts, run):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    tokens = ms.chinchilla_tokens(model.params) * params["token_multiple"]
    current = lk.engine_call(run, params["model"], tokens, params["node"], params["gpus"],
                             context=f"{params['model']} on {params['gpus']} GPUs")
    scaling = {g: lk.attempt(run, params["model"], tokens, params["node"], g) for g in gpu_counts}
    total_flop = ms.training_flop(model, tokens)
    return current, model, params, scaling, tokens, total_flop


@app.cell(hide_code=True)
def _(current, params, scaling):
    _ok = {g: o.value for g, o in scaling.items() if o.ok}
    lk.line_chart({"days to train": (list(_ok), [r.days for r in _ok.values()]),
                   "ideal linear scaling": (list(_ok), [current.days * params["gpus"] / g for g in _ok])},
                  x_title="GPUs", y_title="Days", log_x=True, log_y=True,
                  hlines=[(params["deadline_days"], "deadline")],
                  current=(params["gpus"], current.days, f"{params['gpus']} GPUs"),
                  title=f"{params['model']} on {lk.fmt_count(current.tokens)} tokens")
    return


@app.cell(hide_code=True)
def _(params, scaling):
    _rows = []
    for _g, _o in scaling.items():
        if _o.ok:
            _r = _o.value
            _rows.append({"GPUs": _g, "days": f"{_r.days:.1f}", "GPU-hours": f"{_r.gpu_hours:,.0f}",
                          "cloud cost": lk.fmt_count(_r.cost_usd, "USD") if _r.cost_usd is not None else "no price",
                          "MFU": lk.fmt_pct(_r.step.mfu), "energy": f"{_r.energy_j / 3.6e9:,.0f} MWh"})
        else:
            _rows.append({"GPUs": _g, "days": f"rejected: {_o.error}"})
    lk.table(_rows, caption="Strong scaling at a fixed token budget", highlight=list(scaling).index(params["gpus"]))
    return


@app.cell(hide_code=True)
def _(current, model, params, tokens, total_flop):
    _late = current.days > params["deadline_days"]
    lk.limit(
        _late,
        f"{current.days:.1f} days against a {params['deadline_days']}-day deadline" + (": too slow" if _late else ""),
        f"Training compute ≈ 6 × parameters × tokens = 6 × {lk.fmt_count(model.params)} × {lk.fmt_count(tokens)} "
        f"≈ {total_flop:.3g} FLOP. Divided by {params['gpus']} GPUs running at {lk.fmt_pct(current.step.mfu)} "
        "of peak, that is the wall-clock time. More GPUs shorten it only while communication stays hidden; "
        "the gap to the ideal line in the chart is the price of scaling out.",
        current.explain(),
    )
    return


@app.cell(hide_code=True)
def _(prediction, prediction_spec, run):
    _tokens = ms.chinchilla_tokens(ms.model("Llama-3-70B").params)
    _days = run("Llama-3-70B", _tokens, "DGX-H100", 1024).seconds / 86400
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 2 days": 2, "about 2 weeks": 14, "about 2 months": 61, "about 2 years": 730}, _days),
              f"{_days:.0f} days for {_tokens / 1e12:.2f} trillion tokens on 1,024 H100s",
              "Training FLOPs are about 6 × parameters × tokens; divide by the fleet's sustained FLOP/s.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Why does doubling the GPUs less than halve the training time at the largest scales?",
         "The per-GPU share of the batch shrinks, so there is less compute to hide the gradient "
         "all-reduce behind, and with pipeline parallelism fewer micro-batches per replica enlarge the "
         "bubble. MFU falls, which is the gap between the two lines in the chart."),
        ("Training on 10× the compute-optimal tokens costs 10× the compute. Why do labs still do it for "
         "models they intend to serve widely?",
         "Compute-optimal minimises training cost for a given loss; it ignores inference. A smaller model "
         "trained on more tokens reaches the same quality with fewer parameters, which makes every one of "
         "the billions of later inference requests cheaper, and that saving can exceed the extra training."),
    ])
    return


if __name__ == "__main__":
    app.run()
