import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="The Cost of Training with Differential Privacy")

with app.setup:
    import math
    import functools
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("privacy_cost")
    return


@app.cell(hide_code=True)
def _(dp_epsilon):
    _eps = dp_epsilon(4096 / 2_000_000, 1.0, 3 * 2_000_000 / 4096)[0]
    prediction_spec = lk.Pick(
        (
            "A private fine-tune on 2 million records samples an expected 4,096 records per step, adds noise with "
            f"multiplier σ = 1.0 and runs 3 epochs: the accountant reports ε = {_eps:.2f} at δ = 10⁻⁸. Keep σ and "
            "the 3 epochs, and double the batch to 8,192. What happens to ε?"
        ),
        ["it halves (half as many steps)", "it stays about the same", "it grows by about 20%", "it doubles"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    # The privacy accountant is MLSys·im's (mlsysim.privacy, the one the chapter and its deck call): Renyi DP of
    # the sampled Gaussian mechanism at integer orders (Mironov, Talwar and Zhang 2019, Sec. 3.3, the computation
    # behind the RDP accountants of TF Privacy and Opacus), added over steps and converted to (epsilon, delta)
    # with Mironov 2017, Prop. 3. Poisson sampling at rate q, add/remove-one neighbours.
    from mlsysim.privacy import dp_epsilon as _accountant
    DELTA = 1e-8   # well below 1 / records for every dataset size the lab offers (at most 10 million)

    def dp_epsilon(q, sigma, steps, delta=DELTA):
        """(epsilon, best order) at the lab's delta."""
        return _accountant(q, sigma, steps, delta)

    return DELTA, dp_epsilon


@app.cell
def _():
    batch_steps = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]
    control_spec = {
        "model": lk.Choice("Model to fine-tune (one DGX H100, ZeRO-3, 512-token records)",
                           ["BERT-base", "GPT-2", "Llama-3.1-8B"], "Llama-3.1-8B"),
        "records_m": lk.Steps("Private records (millions)", [0.1, 0.5, 1, 2, 5, 10], 2),
        "batch": lk.Steps("Expected batch (records per step)", batch_steps, 4096),
        "epochs": lk.Steps("Epochs", [1, 2, 3, 5, 10, 20], 3),
        "sigma": lk.Slider("Noise multiplier σ", 0.5, 3.0, 0.05, 1.0),
        "clip_multiplier": lk.Slider(
            "Compute multiplier of per-example clipping (1.0 single-pass bookkeeping, 1.67 ghost clipping's "
            "two backward passes, higher for naive implementations)", 1.0, 3.0, 0.01, 1.67),
        "confidential": lk.Switch("Train in confidential-computing mode", False),
        "cc_loss": lk.Slider("Throughput lost to confidential computing (measured 18-32% for training)",
                             0.0, 0.5, 0.01, 0.25),
    }
    return batch_steps, control_spec


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
    node = "DGX-H100"
    n_gpus = 8
    seq_len = 512
    usd_per_gpu_hour = ms.assumptions.GPU_HOUR_PRICE_USD
    price_as_of = ms.assumptions.GPU_HOUR_PRICE_AS_OF

    @functools.lru_cache(maxsize=256)
    def engine_run(model_name, tokens, batch):
        """The non-private fine-tune as MLSys·im computes it: time, steps and the parts of one step."""
        return ms.time_to_train(model_name, tokens, node, n_devices=n_gpus, global_batch=batch, seq_len=seq_len,
                                zero_stage=3)

    def private_gpu_hours(run, clip_multiplier, cc_loss):
        """Per-example clipping multiplies the step's compute; the noise costs one more elementwise pass over
        the parameters (like the optimizer update); confidential computing divides the throughput."""
        st = run.step
        step_s = st.compute_s * clip_multiplier + st.exposed_comm_s + st.bubble_s + 2 * st.optimizer_s
        return run.steps * step_s / 3600 * n_gpus / (1 - cc_loss)

    return engine_run, n_gpus, node, price_as_of, private_gpu_hours, seq_len, usd_per_gpu_hour


@app.cell
def _(DELTA, batch_steps, controls, dp_epsilon, engine_run, private_gpu_hours, seq_len, usd_per_gpu_hour):
    params = controls.value
    records = int(params["records_m"] * 1e6)
    notes = []
    # The accountant's amplification argument needs a small sampling rate: keep q at or below 10%.
    batch = params["batch"]
    if batch > records / 10:
        batch = max(b for b in batch_steps if b <= records / 10)
        notes.append(f"Batch lowered from {params['batch']:,} to {batch:,}: with {records:,} records a larger "
                     "batch would sample more than 10% of the data per step, where subsampling no longer "
                     "amplifies privacy much.")
    cc_loss = params["cc_loss"] if params["confidential"] else 0.0

    def scenario(b):
        """Privacy and cost of the fine-tune at expected batch b with the other controls as set."""
        q = b / records
        steps = params["epochs"] * records / b
        eps, alpha = dp_epsilon(q, params["sigma"], steps)
        run = engine_run(params["model"], params["epochs"] * records * seq_len, b)
        dp_hours = private_gpu_hours(run, params["clip_multiplier"], cc_loss)
        return {"batch": b, "q": q, "steps": steps, "eps": eps, "alpha": alpha, "noise_std": params["sigma"] / b,
                "plain_gpu_hours": run.gpu_hours, "dp_gpu_hours": dp_hours, "run": run,
                "plain_cost": run.gpu_hours * usd_per_gpu_hour, "dp_cost": dp_hours * usd_per_gpu_hour}

    current = lk.engine_call(scenario, batch, context=f"{params['model']} at batch {batch:,}")
    sweep = {b: lk.attempt(scenario, b) for b in batch_steps if b <= records / 10}
    # The hand formula at the accountant's best order: keep only the k = 2 term of the sum.
    _a, _q, _s = current["alpha"], current["q"], params["sigma"]
    hand_rdp = math.log1p(math.comb(_a, 2) * _q * _q * (math.exp(1 / _s ** 2) - 1)) / (_a - 1)
    hand_eps = current["steps"] * hand_rdp + math.log(1 / DELTA) / (_a - 1)
    return batch, cc_loss, current, hand_eps, hand_rdp, notes, params, records, sweep


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes) if notes else None
    return


@app.cell(hide_code=True)
def _(current, params, sweep):
    _ok = {b: o.value for b, o in sweep.items() if o.ok}
    lk.line_chart({"privacy loss ε (δ = 10⁻⁸)": (list(_ok), [r["eps"] for r in _ok.values()])},
                  x_title="Expected batch (records per step)", y_title="ε after training", log_x=True, log_y=True,
                  current=(current["batch"], current["eps"], f"batch {current['batch']:,}"),
                  title=f"σ = {params['sigma']:.2f}, {params['epochs']} epochs over {params['records_m']:g} M records")
    return


@app.cell(hide_code=True)
def _(batch, sweep):
    _rows = []
    for _b, _o in sweep.items():
        if _o.ok:
            _r = _o.value
            _rows.append({"batch": f"{_b:,}", "steps": f"{_r['steps']:,.0f}", "ε": f"{_r['eps']:.2f}",
                          "noise in update σ/B (× C)": f"{_r['noise_std']:.2e}",
                          "non-private GPU-hours": f"{_r['plain_gpu_hours']:,.0f}",
                          "private GPU-hours": f"{_r['dp_gpu_hours']:,.0f}",
                          "private cost": lk.fmt_count(_r["dp_cost"], "USD")})
        else:
            _rows.append({"batch": f"{_b:,}", "steps": f"rejected: {_o.error}"})
    lk.table(_rows, caption="The same epochs and noise at every batch size: ε, noise per update and the bill "
             "(MLSys·im step time; clipping, noise and confidential computing as set)",
             highlight=list(sweep).index(batch))
    return


@app.cell(hide_code=True)
def _():
    # Published measurements, quoted as data with their sources; the engine does not predict accuracy.
    lk.table([
        {"task": "CIFAR-10, WRN-40 from scratch", "budget": "ε = 8, δ = 10⁻⁵", "private result": "81.4%",
         "reference": "previous private best 71.7%", "source": "De et al. 2022, arXiv:2204.13650"},
        {"task": "ImageNet, NFNet-F3 pretrained on public data", "budget": "ε = 0.5, δ = 8 × 10⁻⁷",
         "private result": "83.8% top-1", "reference": "", "source": "De et al. 2022"},
        {"task": "ImageNet, same", "budget": "ε = 8, δ = 8 × 10⁻⁷", "private result": "86.7% top-1",
         "reference": "4.3 points below non-private state of the art", "source": "De et al. 2022"},
        {"task": "BERT-Large pre-training, batch 2 M", "budget": "ε = 5.36", "private result": "60.5% MLM accuracy",
         "reference": "about 70% non-private", "source": "Anil et al. 2022, arXiv:2108.01624"},
    ], caption="What private training has cost in accuracy, as published (not comparable across rows)")
    return


@app.cell(hide_code=True)
def _(DELTA, cc_loss, current, hand_eps, hand_rdp, params, price_as_of, usd_per_gpu_hour):
    _weak = current["eps"] > 8
    _ratio = current["dp_gpu_hours"] / current["plain_gpu_hours"]
    if _weak:
        _headline = (f"the guarantee is weak: ε = {current['eps']:.1f} exceeds 8, the top of the budgets "
                     "most published work reports")
    else:
        _headline = (f"ε = {current['eps']:.2f} for {lk.fmt_count(current['dp_cost'], 'USD')}, "
                     f"{_ratio:.2f} times the non-private bill")
    lk.limit(
        _weak,
        _headline,
        f"The accountant's best order is α = {current['alpha']}. Its k = 2 term by hand: per step "
        f"ln(1 + C(α,2) q² (e^(1/σ²) − 1))/(α − 1) = {hand_rdp:.2e} with q = {current['q']:.5f} and "
        f"σ = {params['sigma']:.2f}; over {current['steps']:,.0f} steps plus the conversion ln(1/δ)/(α − 1) that "
        f"gives ε ≈ {hand_eps:.2f} (the full sum: {current['eps']:.2f}). The bill: MLSys·im's step with compute "
        f"× {params['clip_multiplier']:.2f} for clipping, one more pass over the parameters for the noise"
        + (f", and {cc_loss:.0%} of the throughput lost to confidential computing" if cc_loss else "")
        + f", at {usd_per_gpu_hour:.2f} USD per GPU-hour ({price_as_of}).",
        f"ε = min over α of [steps × RDP_α(q, σ) + ln(1/δ)/(α − 1)], δ = {DELTA:g}\n"
        f"= {current['steps']:,.0f} × RDP_{current['alpha']} + {math.log(1 / DELTA):.2f} / {current['alpha'] - 1} "
        f"= {current['eps']:.2f}\n"
        + current["run"].step.explain().splitlines()[0],
    )
    return


@app.cell(hide_code=True)
def _(dp_epsilon, prediction, prediction_spec):
    _records = 2_000_000
    _base = dp_epsilon(4096 / _records, 1.0, 3 * _records / 4096)[0]
    _double = dp_epsilon(8192 / _records, 1.0, 3 * _records / 8192)[0]
    lk.reveal(prediction_spec, prediction,
              lk.closest({"it halves (half as many steps)": 0.5, "it stays about the same": 1.0,
                          "it grows by about 20%": 1.2, "it doubles": 2.0}, _double / _base),
              f"ε goes from {_base:.2f} to {_double:.2f}, {_double / _base:.2f} times as large",
              "Half as many steps, but each step samples twice as many records, and a step's privacy cost grows "
              "with the square of the sampling rate: the composed cost doubles, and after the conversion to "
              "(ε, δ) that shows as roughly a square-root increase, diluted here by the one-time conversion term.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("If a larger batch raises ε at fixed σ and epochs, why does private training use very large batches?",
         "Because the noise in each update is σC/B. Holding ε fixed, σ only has to rise slowly as B grows, so "
         "σ/B falls several-fold; the optimiser sees a much cleaner gradient. The price is compute: to keep the "
         "number of steps, the epochs and the GPU-hours grow with B."),
        ("Which control changes the bill without changing ε, and which changes ε without changing the bill?",
         "The clipping multiplier and confidential computing change only the GPU-hours; the guarantee is the "
         "same. The noise multiplier σ changes only ε (and the accuracy you can expect), not the compute. Batch "
         "and epochs change both."),
    ])
    return


if __name__ == "__main__":
    app.run()
