import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="The Deployment Spectrum: Cloud to TinyML")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("deployment_spectrum")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            'MobileNetV2 in INT8 classifies one camera frame on an H100 in a data centre, a Jetson Orin '
            'Nano, a Raspberry Pi 5 and an ESP32-S3 microcontroller. Which of them cannot run the model at '
            'all?'
        ),
        ['all four can run it', 'only the ESP32-S3 cannot', 'the ESP32-S3 and the Raspberry Pi 5 cannot'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    tiers = {"cloud": "H100-SXM", "edge": "Jetson-Orin-Nano", "mobile-class CPU": "RPi5"}
    control_spec = {
        "model": lk.Choice("Model", ["ResNet-50", "MobileNetV2", "EfficientNet-B0", "MobileNet-PersonDet", "DS-CNN-KWS", "BERT-base"], "MobileNetV2"),
        "dtype": lk.Choice("Precision", ["fp32", "int8"], "int8"),
        "rtt_ms": lk.Slider("Network round trip to the cloud (ms)", 0, 200, 5, 50),
        "tiny": lk.Choice("Microcontroller tier", ["STM32H747", "ESP32-S3", "nRF52840"], "ESP32-S3"),
    }
    return control_spec, tiers


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(controls, tiers):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    devices = dict(tiers, tiny=params["tiny"])
    fits = {tier: lk.attempt(ms.edge_fit, model, hw, params["dtype"]) for tier, hw in devices.items()}
    lk.engine_call(ms.edge_fit, model, devices["cloud"], params["dtype"], context="cloud tier")
    network_s = {tier: (params["rtt_ms"] / 1e3 if tier == "cloud" else 0.0) for tier in devices}
    seen_latency = {tier: f.value.latency_s + network_s[tier] for tier, f in fits.items() if f.ok}
    return devices, fits, model, network_s, params, seen_latency


@app.cell(hide_code=True)
def _(devices, params, seen_latency):
    lk.bar_chart([f"{t}: {devices[t]}" for t in seen_latency], [v * 1e3 for v in seen_latency.values()],
                 y_title="Latency the user sees (ms)", log_y=True, hlines=[(100, "100 ms: feels instant")],
                 title=f"{params['model']} ({params['dtype']}), one input")
    return


@app.cell(hide_code=True)
def _(devices, fits, network_s):
    _rows = []
    for _tier, _outcome in fits.items():
        if _outcome.ok:
            _f = _outcome.value
            _rows.append({"tier": _tier, "device": devices[_tier], "fits": "yes" if _f.fits else "NO",
                          "model memory": lk.fmt_bytes(_f.flash_bytes), "of": lk.fmt_bytes(_f.flash_capacity_bytes),
                          "compute": lk.fmt_time(_f.latency_s), "network": lk.fmt_time(network_s[_tier]),
                          "energy / inference": f"{_f.energy_j * 1e3:.3g} mJ"})
        else:
            _rows.append({"tier": _tier, "device": devices[_tier], "fits": f"n/a: {_outcome.error}"})
    lk.table(_rows, caption="One model across the deployment spectrum")
    return


@app.cell(hide_code=True)
def _(devices, fits, params, seen_latency):
    _misfits = [t for t, f in fits.items() if f.ok and not f.value.fits]
    _fastest = min(seen_latency, key=seen_latency.get)
    _why = next((fits[t].value.explain() for t in _misfits), fits[_fastest].value.explain())
    lk.limit(
        bool(_misfits),
        (f"{params['model']} does not fit on {', '.join(devices[t] for t in _misfits)}" if _misfits else
         f"every tier fits; the {_fastest} tier answers first ({lk.fmt_time(seen_latency[_fastest])})"),
        f"The cloud tier computes fastest but pays the {params['rtt_ms']} ms round trip; the closer tiers "
        "pay in compute instead. On a microcontroller the binding resources are flash for the weights and "
        "SRAM for the activations, not FLOP/s.",
        _why,
    )
    return


@app.cell(hide_code=True)
def _(prediction, prediction_spec, tiers):
    _devices = dict(tiers, tiny="ESP32-S3")
    _fits = {hw: ms.edge_fit(ms.model("MobileNetV2"), hw, "int8") for hw in _devices.values()}
    _cannot = sorted(hw for hw, f in _fits.items() if not f.fits)
    _answer = {(): "all four can run it", ("ESP32-S3",): "only the ESP32-S3 cannot",
               ("ESP32-S3", "RPi5"): "the ESP32-S3 and the Raspberry Pi 5 cannot"}[tuple(_cannot)]
    _esp = _fits["ESP32-S3"]
    lk.reveal(prediction_spec, prediction, _answer,
              f"{', '.join(_cannot) or 'none'} cannot; on the ESP32-S3 the model needs {lk.fmt_bytes(_esp.flash_bytes)} "
              f"of {lk.fmt_bytes(_esp.flash_capacity_bytes)} flash and {lk.fmt_bytes(_esp.sram_bytes)} of "
              f"{lk.fmt_bytes(_esp.sram_capacity_bytes)} SRAM",
              "Microcontrollers are limited first by memory, not arithmetic: the weights must fit in flash and "
              "the largest pair of activations in SRAM.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("At what network round trip does the edge board beat the cloud GPU for this model, and why "
         "does that threshold differ between ResNet-50 and DS-CNN-KWS?",
         "The edge wins once the round trip exceeds the difference in compute latency. ResNet-50 needs "
         "billions of FLOPs, so the gap between an H100 and a Jetson is milliseconds and only a slow "
         "network tips it; DS-CNN-KWS is so small that every tier computes it in well under a "
         "millisecond on the larger devices, so any network at all makes local inference faster."),
        ("The table credits the H100 with less energy per inference than the microcontroller, yet nobody "
         "puts an H100 in a doorbell. What does energy per inference (power × busy time) leave out?",
         "The time the device is not busy. A GPU server idles at tens to hundreds of watts between "
         "requests, and the doorbell would also pay the radio energy to ship every frame to the data "
         "centre. A microcontroller sleeps at microwatts between inferences, so over a day of sparse "
         "events its total energy is orders of magnitude lower."),
    ])
    return


if __name__ == "__main__":
    app.run()
