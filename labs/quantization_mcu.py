import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Quantizing for a Microcontroller")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk
    from labkit.digits_table import digits_quantization


@app.cell(hide_code=True)
def _():
    lk.header("quantization_mcu")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "A keyword-spotting CNN (DS-CNN) runs on a microcontroller. Going from FP32 to INT8, how much "
            "smaller do its weights get?"
        ),
        ['about 2× smaller', 'about 4× smaller', 'about 8× smaller'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    bit_widths = [2, 3, 4, 5, 6, 8, 16, 32]
    control_spec = {
        "model": lk.Choice("Model", ["DS-CNN-KWS", "MobileNet-PersonDet", "MobileNetV2"], "DS-CNN-KWS"),
        "mcu": lk.Choice("Microcontroller", ["STM32H747", "ESP32-S3", "nRF52840"], "nRF52840"),
        "dtype": lk.Choice("Deployed precision (what the MCU's kernels run)", ["fp32", "int8"], "int8"),
        "bits": lk.Steps("Weight bits in the accuracy experiment", bit_widths, 8),
    }
    return bit_widths, control_spec


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(bit_widths, controls):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    deployed = lk.engine_call(ms.edge_fit, model, params["mcu"], params["dtype"],
                              context=f"{params['model']} on {params['mcu']}")
    by_dtype = {d: ms.edge_fit(model, params["mcu"], d) for d in ("fp32", "int8")}
    mcu = ms.hardware(params["mcu"])
    classifier = digits_quantization()
    float_accuracy = classifier.float_accuracy
    accuracy = {b: classifier.accuracy_by_bits[b] for b in bit_widths}
    weight_bytes = {b: model.params * b / 8 for b in bit_widths}
    return accuracy, by_dtype, classifier, deployed, float_accuracy, mcu, model, params, weight_bytes


@app.cell(hide_code=True)
def _(accuracy, bit_widths, params):
    lk.line_chart({"digits MLP test accuracy": (bit_widths, [accuracy[b] * 100 for b in bit_widths])},
                  x_title="Weight bits", y_title="Test accuracy (%)", log_x=True,
                  current=(params["bits"], accuracy[params["bits"]] * 100, f"{params['bits']} bits"),
                  title="Accuracy of a real classifier (an MLP on 8×8 digits, results precomputed) as its weights are quantized")
    return


@app.cell(hide_code=True)
def _(accuracy, bit_widths, by_dtype, classifier, mcu, model, params, weight_bytes):
    _flash = mcu.flash_bytes or 0.0
    _rows = [{"bits": b, f"{params['model']} weights": lk.fmt_bytes(weight_bytes[b]),
              "fits flash": "yes" if weight_bytes[b] <= _flash else "no",
              f"digits MLP ({classifier.params:,} params) accuracy": lk.fmt_pct(accuracy[b])} for b in bit_widths]
    _deploy = [{"precision": d, "flash needed": lk.fmt_bytes(f.flash_bytes), "SRAM needed": lk.fmt_bytes(f.sram_bytes),
                "latency": lk.fmt_time(f.latency_s), "energy": f"{f.energy_j * 1e3:.3g} mJ", "fits": "yes" if f.fits else "no"}
               for d, f in by_dtype.items()]
    mo.vstack([
        lk.table(_rows, caption=f"Weight size on {mcu.name} ({lk.fmt_bytes(_flash)} flash)",
                 highlight=bit_widths.index(params["bits"])),
        lk.table(_deploy, caption=f"Deploying {model.name} on {mcu.name}",
                 highlight=["fp32", "int8"].index(params["dtype"])),
    ])
    return


@app.cell(hide_code=True)
def _(accuracy, deployed, float_accuracy, params):
    _drop = float_accuracy - accuracy[params["bits"]]
    _resource = [r for r, ok in (("flash", deployed.fits_flash), ("SRAM", deployed.fits_sram)) if not ok]
    if _resource:
        _headline = f"{params['model']} in {params['dtype']} does not fit: {' and '.join(_resource)} too small"
    elif _drop > 0.02:
        _headline = f"{params['bits']}-bit weights cost {_drop * 100:.1f} accuracy points"
    else:
        _headline = (f"{params['model']} fits in {params['dtype']}, and {params['bits']}-bit weights cost "
                     f"{_drop * 100:.1f} accuracy points")
    lk.limit(
        bool(_resource) or _drop > 0.02,
        _headline,
        "On a microcontroller the weights live in flash and the largest pair of live activation tensors "
        "must fit in SRAM. INT8 quarters both against FP32 and lets the kernels use the core's SIMD "
        "integer instructions. Accuracy holds until the quantization step (max |w| ÷ (2^(bits−1) − 1)) "
        "becomes comparable to the weights themselves.",
        deployed.explain(),
    )
    return


@app.cell(hide_code=True)
def _(prediction, prediction_spec):
    _fp32 = ms.edge_fit(ms.model("DS-CNN-KWS"), "nRF52840", "fp32")
    _int8 = ms.edge_fit(ms.model("DS-CNN-KWS"), "nRF52840", "int8")
    _ratio = _fp32.weights_bytes / _int8.weights_bytes
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 2× smaller": 2, "about 4× smaller": 4, "about 8× smaller": 8}, _ratio),
              f"the weights take {lk.fmt_bytes(_fp32.weights_bytes)} in FP32 against {lk.fmt_bytes(_int8.weights_bytes)} "
              f"in INT8, {_ratio:.1f}× smaller (the whole flash image, with the runtime, shrinks from "
              f"{lk.fmt_bytes(_fp32.flash_bytes)} to {lk.fmt_bytes(_int8.flash_bytes)})",
              "Four bytes per weight become one, but the runtime code in flash does not shrink; the accuracy chart shows what the lost precision costs.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Why does accuracy barely change from 32 down to about 4 bits and then collapse at 2 bits?",
         "With symmetric quantization 2 bits leave only the levels −1, 0 and +1 times the scale: most "
         "small weights round to zero and the large ones all become equal, destroying the learned "
         "function. At 4 bits there are 15 levels, enough to keep the ranking of weights that the "
         "classifier relies on."),
        ("INT8 made the model 4× smaller in flash. Why did the SRAM requirement also shrink, even though "
         "SRAM holds activations, not weights?",
         "A fully INT8 deployment quantizes the activations as well, so each live tensor takes one byte "
         "per element instead of four. Weight-only quantization would shrink flash but leave the "
         "activation arena, and so the SRAM need, unchanged."),
    ])
    return


if __name__ == "__main__":
    app.run()
