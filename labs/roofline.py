import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Roofline Explorer")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("roofline")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            'A transformer layer multiplies a (batch × hidden) activation by a (hidden × hidden) weight, '
            'hidden = 8192. On an H100 in BF16, roughly what batch size does it take before the multiply '
            'stops waiting on HBM and starts waiting on the tensor cores?'
        ),
        ['about 1', 'about 16', 'about 300', 'about 5,000'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    control_spec = {
        "hardware": lk.Choice("Accelerator", ["H100-SXM", "A100-80GB", "B200", "MI300X", "TPUv5e", "Jetson-AGX-Orin"], "H100-SXM"),
        "dtype": lk.Choice("Precision", ["fp32", "bf16", "fp8", "int8"], "bf16"),
        "batch": lk.Steps("Batch (rows of the activation)", [2**i for i in range(0, 14)], 8),
        "hidden": lk.Steps("Hidden size (weight is hidden × hidden)", [1024, 2048, 4096, 8192, 16384], 8192),
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
def _(control_spec, controls):
    params = controls.value
    hw = lk.engine_call(ms.hardware, params["hardware"])
    dtype, notes = lk.supported_dtype(hw, params["dtype"])
    op = lk.engine_call(ms.matmul, hw, params["batch"], params["hidden"], params["hidden"],
                        dtype=dtype, context=f"{dtype} on {hw.name}")
    peak_flops = hw.peak_flops(dtype)
    batches = list(control_spec["batch"].values)
    sweep = [ms.matmul(hw, b, params["hidden"], params["hidden"], dtype=dtype) for b in batches]
    return batches, dtype, hw, notes, op, params, peak_flops, sweep


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(batches, dtype, hw, op, params, peak_flops, sweep):
    _points = [(r.arithmetic_intensity, r.attainable_flops, "") for r in sweep[::3]]
    _points.append((op.arithmetic_intensity, op.attainable_flops, f"batch {params['batch']}"))
    lk.roofline_chart(peak_flops, hw.memory_bw_bytes_per_s, _points,
                      title=f"{params['hidden']}×{params['hidden']} matmul on {hw.name} ({dtype})", unit=lk.ops_unit(dtype))
    return


@app.cell(hide_code=True)
def _(batches, dtype, op, params, sweep):
    _rows = [{"batch": b, f"intensity ({lk.ops_unit(dtype)[:-2]}/B)": f"{r.arithmetic_intensity:.1f}", "bound": r.bound,
              "attainable": lk.fmt_rate(r.attainable_flops, lk.ops_unit(dtype)), "time": lk.fmt_time(r.time_s)}
             for b, r in zip(batches, sweep)]
    lk.table(_rows, caption="Batch sweep at the chosen hardware and precision",
             highlight=batches.index(params["batch"]))
    return


@app.cell(hide_code=True)
def _(batches, dtype, hw, op, params, peak_flops, sweep):
    crossing = next((b for b, r in zip(batches, sweep) if r.bound == "compute"), None)
    _ridge = peak_flops / hw.memory_bw_bytes_per_s
    _where = (f"The multiply turns compute-bound at batch **{crossing}** in this sweep."
              if crossing else "Within this sweep the multiply never reaches the ridge: it stays memory-bound.")
    _unit = lk.ops_unit(dtype)
    lk.limit(
        op.bound == "memory",
        f"{'HBM bandwidth' if op.bound == 'memory' else 'peak ' + dtype + ' ' + _unit} binds at batch {params['batch']}",
        f"Arithmetic intensity is {op.arithmetic_intensity:.1f} {_unit[:-2]}/byte against a ridge point of "
        f"{_ridge:.0f} {_unit[:-2]}/byte ({lk.fmt_rate(peak_flops, _unit)} ÷ {lk.fmt_rate(hw.memory_bw_bytes_per_s, 'B/s')}). {_where}",
        op.explain(),
    )
    return (crossing,)


@app.cell(hide_code=True)
def _(prediction, prediction_spec):
    _hw = ms.hardware("H100-SXM")
    _batches = [2**i for i in range(0, 14)]
    _crossing = next(b for b in _batches if ms.matmul(_hw, b, 8192, 8192, dtype="bf16").bound == "compute")
    _ridge = _hw.peak_flops("bf16") / _hw.memory_bw_bytes_per_s
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 1": 1, "about 16": 16, "about 300": 300, "about 5,000": 5000}, _crossing),
              f"the 8192×8192 multiply first turns compute-bound at batch {_crossing} (ridge {_ridge:.0f} FLOP/byte)",
              "Below the ridge each weight byte read from HBM feeds too few FLOPs; the batch is what reuses it.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Why does doubling the batch roughly double the arithmetic intensity at small batch, but "
         "barely change it once the batch is comparable to the hidden size?",
         "The weight matrix (hidden² elements) is read once per multiply regardless of batch, while "
         "FLOPs grow linearly with batch. At small batch the weight bytes dominate traffic, so FLOP/byte "
         "grows with batch; at large batch the activation bytes (which also grow with batch) dominate, "
         "and intensity saturates near hidden ÷ bytes per element."),
        ("Switching from BF16 to FP8 halves the bytes per element and doubles peak FLOP/s. Does the "
         "batch at which the multiply becomes compute-bound go up, down or stay?",
         "Intensity doubles (half the bytes for the same FLOPs) but the ridge point also doubles (twice "
         "the peak over the same bandwidth), so the crossing batch stays roughly where it was: lower "
         "precision speeds up both regimes but does not move the crossover."),
    ])
    return


if __name__ == "__main__":
    app.run()
