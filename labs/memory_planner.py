import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Will It Fit? A Training Memory Planner")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("memory_planner")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            'Fine-tuning Llama-2-7B with Adam in BF16 mixed precision: the weights are about 14 GB. How much'
            ' memory does one GPU need for weights, gradients and optimizer state, before a single '
            'activation is stored?'
        ),
        ['about 14 GB', 'about 28 GB', 'about 56 GB', 'over 100 GB'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    control_spec = {
        "model": lk.Choice("Model", ["GPT-2", "Llama-2-7B", "Llama-3-8B", "Llama-2-13B", "Llama-3-70B"], "Llama-2-7B"),
        "hardware": lk.Choice("GPU", ["A100-40GB", "A100-80GB", "H100-SXM", "H200", "B200", "MI300X"], "H100-SXM"),
        "dp": lk.Steps("Data-parallel GPUs", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], 8),
        "zero_stage": lk.Steps("ZeRO stage", [0, 1, 2, 3], 0),
        "micro_batch": lk.Steps("Micro-batch (sequences per GPU)", [1, 2, 4, 8, 16, 32], 4),
        "seq_len": lk.Steps("Sequence length", [512, 1024, 2048, 4096, 8192], 2048),
        "recompute": lk.Switch("Activation recomputation", False),
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
def _(controls):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    hw = lk.engine_call(ms.hardware, params["hardware"])
    # a sequence longer than the model reads is cut to its context instead of blanking the lab
    seq_len = min(params["seq_len"], model.max_seq_len)
    notes = ([f"{model.name} reads at most {model.max_seq_len:,} tokens, so sequences are {seq_len:,} tokens."]
             if seq_len < params["seq_len"] else [])

    def plan(zero_stage):
        return ms.training_memory(model, batch=params["micro_batch"], seq_len=seq_len,
                                  optimizer="adam", precision="bf16", zero_stage=zero_stage,
                                  dp=params["dp"], recompute=params["recompute"])

    memory = lk.engine_call(plan, params["zero_stage"], context="training memory")
    by_stage = [plan(stage) for stage in (0, 1, 2, 3)]
    fits = memory.fits(hw)
    return by_stage, fits, hw, memory, model, notes, params, seq_len


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(by_stage, hw, params):
    lk.stacked_bar_chart(
        [f"ZeRO-{s}" for s in range(4)],
        {"weights": [m.weights_bytes / 1e9 for m in by_stage],
         "gradients": [m.grads_bytes / 1e9 for m in by_stage],
         "optimizer state": [m.optimizer_bytes / 1e9 for m in by_stage],
         "activations": [m.activations_bytes / 1e9 for m in by_stage]},
        y_title="GB per GPU", hlines=[(hw.memory_bytes / 1e9, f"{hw.name}: {hw.memory_bytes / 1e9:.0f} GB")],
        title=f"{params['model']}, {params['dp']} data-parallel GPUs, micro-batch {params['micro_batch']}",
    )
    return


@app.cell(hide_code=True)
def _(by_stage, hw, params):
    _rows = [{"ZeRO": f"stage {s}", "weights": lk.fmt_bytes(m.weights_bytes), "gradients": lk.fmt_bytes(m.grads_bytes),
              "optimizer": lk.fmt_bytes(m.optimizer_bytes), "activations": lk.fmt_bytes(m.activations_bytes),
              "total": lk.fmt_bytes(m.total_bytes), "fits?": "yes" if m.total_bytes <= hw.memory_bytes else "OOM"}
             for s, m in enumerate(by_stage)]
    lk.table(_rows, caption=f"Per-GPU memory on {hw.name}", highlight=params["zero_stage"])
    return


@app.cell(hide_code=True)
def _(fits, hw, memory, params):
    _parts = {"weights": memory.weights_bytes, "gradients": memory.grads_bytes,
              "optimizer state": memory.optimizer_bytes, "activations": memory.activations_bytes}
    largest = max(_parts, key=_parts.get)
    _verdict = (f"needs {lk.fmt_bytes(memory.total_bytes)} per GPU but {hw.name} has "
                f"{lk.fmt_bytes(hw.memory_bytes)}: out of memory by {lk.fmt_bytes(memory.total_bytes - hw.memory_bytes)}"
                if not fits else
                f"uses {lk.fmt_bytes(memory.total_bytes)} of {lk.fmt_bytes(hw.memory_bytes)} "
                f"({memory.total_bytes / hw.memory_bytes:.0%})")
    _advice = {
        "optimizer state": "Optimizer state binds: raise the ZeRO stage or the data-parallel degree to shard it.",
        "gradients": "Gradients bind: ZeRO-2 shards them across the data-parallel group.",
        "weights": "Weights bind: only ZeRO-3 (or tensor/pipeline parallelism) splits the weights themselves.",
        "activations": "Activations bind: turn on recomputation or shrink the micro-batch or sequence length.",
    }[largest]
    lk.limit(not fits, f"ZeRO-{params['zero_stage']} {_verdict}",
             f"The largest term is **{largest}** ({lk.fmt_bytes(_parts[largest])}). {_advice}",
             memory.explain())
    return (largest,)


@app.cell(hide_code=True)
def _(prediction, prediction_spec):
    _state = ms.training_memory(ms.model("Llama-2-7B"), batch=1, seq_len=512, optimizer="adam", precision="bf16")
    _bytes = _state.weights_bytes + _state.grads_bytes + _state.optimizer_bytes
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 14 GB": 14e9, "about 28 GB": 28e9, "about 56 GB": 56e9, "over 100 GB": 112e9}, _bytes),
              f"{lk.fmt_bytes(_bytes)} of model state (weights {lk.fmt_bytes(_state.weights_bytes)}, gradients "
              f"{lk.fmt_bytes(_state.grads_bytes)}, optimizer {lk.fmt_bytes(_state.optimizer_bytes)})",
              "Mixed-precision Adam keeps an FP32 master copy and two FP32 moments: 12 bytes per parameter on "
              "top of the BF16 weights and gradients.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Why does adding data-parallel GPUs reduce memory per GPU under ZeRO-3 but not under ZeRO-0?",
         "Plain data parallelism replicates weights, gradients and optimizer state on every GPU, so each "
         "GPU holds the full copy whatever the group size. ZeRO-3 partitions all three across the "
         "data-parallel group, so each GPU holds about 1/dp of them; only the activations (which depend "
         "on the per-GPU micro-batch) do not shrink."),
        ("Recomputation cut the activation bar but the step would now take longer. Roughly how much "
         "longer, and why is that often a good trade?",
         "Full recomputation reruns the forward pass during the backward pass: about one extra forward, "
         "so roughly a third more compute (forward ≈ 1/3 of forward+backward). Trading ~33% more FLOPs "
         "for the ability to fit a larger micro-batch or a longer sequence often pays back through higher "
         "utilisation or fewer GPUs."),
    ])
    return


if __name__ == "__main__":
    app.run()
