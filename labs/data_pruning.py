import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Data Pruning and the Compute-Optimal Frontier")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("data_pruning")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            'You have 20× the compute-optimal tokens for Llama-3-8B and score every document with GPT-2, '
            'then drop the worst half. Once the scoring pass is paid for, how much of the training compute '
            'does pruning 50% save?'
        ),
        ['close to 50%', 'about 25%', 'almost nothing'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    fractions = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    control_spec = {
        "model": lk.Choice("Model to train", ["Llama-2-7B", "Llama-3-8B", "Llama-2-13B", "Llama-3-70B"], "Llama-3-8B"),
        "corpus_multiple": lk.Steps("Corpus size (× compute-optimal tokens)", [1, 2, 5, 10, 20], 20),
        "prune": lk.Steps("Fraction of the corpus pruned", fractions, 0.5),
        "scorer": lk.Choice("Proxy model that scores every document", ["GPT-2", "Llama-2-7B", "Llama-3-8B"], "GPT-2"),
    }
    return control_spec, fractions


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(controls, fractions):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    scorer = lk.engine_call(ms.model, params["scorer"])
    optimal_tokens = ms.chinchilla_tokens(model.params)
    corpus = optimal_tokens * params["corpus_multiple"]
    seq_len = min(4096, model.max_seq_len)
    # scoring is one forward pass of the proxy over every token of the corpus
    scoring_flop = scorer.flops_per_token(min(1024, scorer.max_seq_len)) * corpus

    def plan(fraction):
        kept = corpus * (1 - fraction)
        training = ms.training_flop(model, kept, seq_len)
        extra = scoring_flop if fraction > 0 else 0.0
        return {"kept": kept, "training": training, "scoring": extra, "total": training + extra}

    baseline = plan(0.0)
    current = plan(params["prune"])
    sweep = {f: plan(f) for f in fractions}
    def _train(tp, pp):
        return ms.time_to_train(model, current["kept"], "DGX-H100", n_devices=1024, global_batch=1024,
                                seq_len=seq_len, tp=tp, pp=pp, zero_stage=1)

    # start from pure data parallelism (tp=8, pp=4 for large models) and split the model further until it fits
    _first = (1, 1) if model.params < 2e10 else (8, 4)
    _layouts = [_first] + [lay for lay in [(2, 1), (4, 1), (8, 1), (8, 2), (8, 4), (8, 8)] if lay > _first]
    notes = []
    for _tp, _pp in _layouts:
        _fit = lk.attempt(_train, _tp, _pp)
        if _fit.ok:
            break
    if (_tp, _pp) != _first and _fit.ok:
        notes.append(f"{params['model']} does not fit in an H100's memory with tp={_first[0]}, pp={_first[1]} and "
                     f"ZeRO-1, so the training run splits it with tp={_tp}, pp={_pp} "
                     f"({_fit.value.step.memory.total_bytes / 1e9:.1f} GB per GPU).")
    run = lk.engine_call(_train, _tp, _pp, context="training run on 1,024 H100s")
    return baseline, corpus, current, model, notes, optimal_tokens, params, run, scorer, scoring_flop, sweep


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(baseline, corpus, fractions, optimal_tokens, params, sweep):
    _frontier = 1 - optimal_tokens / corpus
    lk.line_chart(
        {"training": (fractions, [sweep[f]["training"] / baseline["total"] * 100 for f in fractions]),
         "scoring (proxy forward pass)": (fractions, [sweep[f]["scoring"] / baseline["total"] * 100 for f in fractions]),
         "total": (fractions, [sweep[f]["total"] / baseline["total"] * 100 for f in fractions])},
        x_title="Fraction of the corpus pruned", y_title="Compute (% of training on the full corpus)",
        vlines=[(_frontier, "compute-optimal tokens")] if _frontier > 0 else [],
        current=(params["prune"], sweep[params["prune"]]["total"] / baseline["total"] * 100, "now"),
        title=f"{params['model']}, corpus {params['corpus_multiple']}× compute-optimal, scored by {params['scorer']}",
    )
    return


@app.cell(hide_code=True)
def _(baseline, fractions, optimal_tokens, params, sweep):
    _rows = [{"pruned": lk.fmt_pct(f, 0), "tokens kept": lk.fmt_count(sweep[f]["kept"]),
              "tokens / parameter": f"{sweep[f]['kept'] / optimal_tokens * 20:.0f}",
              "training FLOP": f"{sweep[f]['training']:.3g}", "scoring FLOP": f"{sweep[f]['scoring']:.3g}",
              "total vs. full corpus": lk.fmt_pct(sweep[f]["total"] / baseline["total"])} for f in fractions]
    lk.table(_rows, caption="Compute by pruning fraction", highlight=fractions.index(params["prune"]))
    return


@app.cell(hide_code=True)
def _(baseline, current, optimal_tokens, params, run, scoring_flop):
    _under = current["kept"] < optimal_tokens
    _saved = 1 - current["total"] / baseline["total"]
    lk.limit(
        _under,
        (f"only {lk.fmt_count(current['kept'])} tokens remain, below the compute-optimal {lk.fmt_count(optimal_tokens)}: "
         "the model is now under-trained" if _under else
         f"pruning {params['prune']:.0%} saves {_saved:.0%} of the compute ({run.days:.1f} days on 1,024 H100s)"),
        f"Training ≈ 3 × forward FLOPs per token × tokens kept; scoring = one proxy forward pass over the whole corpus "
        f"= {scoring_flop:.3g} FLOP. Compute-optimal training wants about 20 tokens per parameter "
        f"({lk.fmt_count(optimal_tokens)} here). Pruning below that trades a cheaper run for a worse model "
        "unless the kept data is much better than average.",
        run.explain(),
    )
    return


@app.cell(hide_code=True)
def _(prediction, prediction_spec):
    _model, _scorer = ms.model("Llama-3-8B"), ms.model("GPT-2")
    _corpus = ms.chinchilla_tokens(_model.params) * 20
    _seq = min(4096, _model.max_seq_len)
    _full = ms.training_flop(_model, _corpus, _seq)
    _pruned = ms.training_flop(_model, _corpus / 2, _seq) + _scorer.flops_per_token(1024) * _corpus
    _saving = 1 - _pruned / _full
    lk.reveal(prediction_spec, prediction,
              lk.closest({"close to 50%": 0.5, "about 25%": 0.25, "almost nothing": 0.02}, max(_saving, 1e-3)),
              f"a {lk.fmt_pct(_saving)} saving: scoring costs {lk.fmt_pct(_scorer.flops_per_token(1024) * _corpus / _full)} "
              "of the unpruned training compute",
              "A forward pass of a small proxy costs a tiny fraction of training the large model (forward and "
              "backward), so the scoring pass barely dents the saving.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Why does scoring with a model as large as the one you train almost cancel the savings?",
         "Scoring costs one forward pass (about 2 FLOPs per parameter per token) over the whole corpus, "
         "while training costs about three forward passes over the kept part. With a proxy as big as the "
         "model, scoring everything costs as much as training on a third of the corpus, so pruning half "
         "saves only about a sixth. Small proxies make the scoring nearly free."),
        ("Scaling-law studies suggest that good pruning can beat power-law scaling. Why is that most "
         "valuable when the corpus is already many times the compute-optimal size?",
         "With a large corpus there is room to discard data and still stay above the compute-optimal "
         "token count, so pruning removes redundant or low-quality tokens rather than needed ones. With a "
         "corpus near the optimum every pruned token pushes the model into the under-trained regime."),
    ])
    return


if __name__ == "__main__":
    app.run()
