import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Counting FLOPs, Parameters and Bytes of an MLP")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("mlp_cost")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Estimate(
        (
            'An MLP with three hidden layers of width 1,024 classifies 28×28 images (784 inputs) into 10 '
            'classes. If you double the hidden width to 2,048, by what factor do its parameters grow?'
        ),
        '× more parameters',
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    control_spec = {
        "width": lk.Steps("Hidden width", [64, 128, 256, 512, 1024, 2048, 4096, 8192], 1024),
        "depth": lk.Slider("Hidden layers", 1, 8, 1, 3),
        "batch": lk.Steps("Batch size", [2**i for i in range(0, 13)], 32),
        "dtype": lk.Choice("Precision", ["fp32", "bf16", "int8"], "fp32"),
        "hardware": lk.Choice("Device", ["H100-SXM", "A100-80GB", "Jetson-Orin-Nano", "EPYC-9654", "RPi5"], "A100-80GB"),
    }
    inputs, classes = 784, 10
    return classes, control_spec, inputs


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(classes, controls, inputs):
    params = controls.value
    hw = lk.engine_call(ms.hardware, params["hardware"])
    dims = [inputs] + [params["width"]] * params["depth"] + [classes]
    layers = []
    for _fan_in, _fan_out in zip(dims[:-1], dims[1:]):
        _op = lk.engine_call(ms.matmul, hw, params["batch"], _fan_out, _fan_in, dtype=params["dtype"],
                             context=f"{params['dtype']} on {hw.name}")
        layers.append({"shape": f"{_fan_in}→{_fan_out}", "params": _fan_in * _fan_out + _fan_out, "op": _op})
    total_params = sum(l["params"] for l in layers)
    total_flop = sum(l["op"].flop for l in layers)
    total_time = sum(l["op"].time_s for l in layers)
    weight_bytes = total_params * ms.units.dtype_bytes(params["dtype"])
    return hw, layers, params, total_flop, total_params, total_time, weight_bytes


@app.cell(hide_code=True)
def _(hw, layers, params):
    lk.bar_chart([f"L{i + 1} {l['shape']}" for i, l in enumerate(layers)],
                 [l["op"].arithmetic_intensity for l in layers], y_title=f"Arithmetic intensity ({lk.ops_unit(params['dtype'])[:-2]}/byte)",
                 log_y=True, hlines=[(hw.ridge_point(params["dtype"]), "ridge point")],
                 title=f"Per-layer intensity at batch {params['batch']} on {hw.name}")
    return


@app.cell(hide_code=True)
def _(layers, params, total_flop, total_params, total_time):
    _per_byte = lk.ops_unit(params["dtype"])[:-2] + "/byte"
    _rows = [{"layer": f"L{i + 1}", "shape": l["shape"], "params": f"{l['params']:,}",
              "FLOPs": lk.fmt_count(l["op"].flop), "bytes moved": lk.fmt_bytes(l["op"].bytes_moved),
              _per_byte: f"{l['op'].arithmetic_intensity:.1f}", "bound": l["op"].bound,
              "time": lk.fmt_time(l["op"].time_s)} for i, l in enumerate(layers)]
    _rows.append({"layer": "total", "shape": "", "params": f"{total_params:,}", "FLOPs": lk.fmt_count(total_flop),
                  "bytes moved": "", _per_byte: "", "bound": "", "time": lk.fmt_time(total_time)})
    lk.table(_rows, caption="Each dense layer is a (batch × fan-in) @ (fan-in × fan-out) matrix multiply")
    return


@app.cell(hide_code=True)
def _(hw, layers, params, weight_bytes):
    _memory_bound = [l for l in layers if l["op"].bound == "memory"]
    _first = layers[0]["op"]
    lk.limit(
        bool(_memory_bound),
        (f"{len(_memory_bound)} of {len(layers)} layers are memory-bound at batch {params['batch']}"
         if _memory_bound else f"every layer is compute-bound at batch {params['batch']}"),
        f"A dense layer does 2 · batch · fan-in · fan-out FLOPs and must at least read its fan-in · fan-out "
        f"weights, so its intensity is roughly 2 · batch ÷ bytes per element while the batch is small. "
        f"The whole network holds {lk.fmt_bytes(weight_bytes)} of weights in {params['dtype']}. "
        f"Ridge point of {hw.name}: {hw.ridge_point(params['dtype']):.0f} {lk.ops_unit(params['dtype'])[:-2]}/byte.",
        _first.explain(),
    )
    return


@app.cell(hide_code=True)
def _(classes, inputs, prediction, prediction_spec):
    def _params(width):
        _dims = [inputs, width, width, width, classes]
        return sum(a * b + b for a, b in zip(_dims[:-1], _dims[1:]))
    _ratio = _params(2048) / _params(1024)
    lk.reveal(prediction_spec, prediction, _ratio,
              f"{_ratio:.2f}× ({lk.fmt_count(_params(1024))} → {lk.fmt_count(_params(2048))} parameters)",
              "Hidden-to-hidden layers hold width² weights and quadruple; the input and output layers hold "
              "width × 784 and width × 10 and only double, so the total lands between 2× and 4×.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Doubling the width roughly quadrupled the parameters of the hidden layers but only doubled "
         "those of the first and last layer. Why?",
         "A hidden layer maps width → width, so it has width² weights; the first layer maps 784 → width "
         "and the last width → 10, which are linear in the width."),
        ("Why does a CPU (EPYC) reach its ridge point at a much smaller batch than an H100?",
         "The ridge point is peak FLOP/s ÷ memory bandwidth. A CPU has far fewer FLOP/s per byte/s of "
         "bandwidth than a tensor-core GPU, so a lower arithmetic intensity (a smaller batch) already "
         "keeps its arithmetic units busy."),
    ])
    return


if __name__ == "__main__":
    app.run()
