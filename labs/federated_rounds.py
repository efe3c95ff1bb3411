import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="How Long Does a Federated Run Take?")

with app.setup:
    import functools
    import math

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("federated_rounds")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "A phone-class CPU (the catalog's Raspberry Pi 5: four Cortex-A76 cores) fine-tunes MobileNetV2 for "
            "2 epochs on 100 local photos, then sends its uncompressed fp32 update over a 6 Mbit/s LTE uplink "
            "(13 Mbit/s down). Which part of its federated round takes longest?"
        ),
        ["downloading the model", "local training", "uploading the update"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    # The catalog has no phone SoC: the Pi 5 (Cortex-A76) stands in for a phone CPU, the Pi 4 (Cortex-A72)
    # for an older phone, the Jetson Orin Nano for a phone with a neural accelerator (see the chapter).
    devices = {"RPi4": "older phone CPU (Pi 4)", "RPi5": "phone CPU (Pi 5)", "Jetson-Orin-Nano": "phone with NPU (Orin Nano)"}
    encodings = ["fp32", "fp16", "int8", "top-1% sparse"]
    control_spec = {
        "model": lk.Choice("Model trained by the fleet", ["DS-CNN-KWS", "MobileNet-PersonDet", "MobileNetV2",
                                                          "EfficientNet-B0", "ResNet-50"], "MobileNetV2"),
        "device": lk.Choice("Typical device (catalog stand-in)", list(devices), "RPi5"),
        "encoding": lk.Choice("Update encoding", encodings, "fp32"),
        "clients": lk.Steps("Clients per round K", [10, 20, 50, 100, 200, 500, 1000], 100),
        "epochs": lk.Steps("Local epochs E", [1, 2, 3, 5, 10, 20], 2),
        "uplink_mbps": lk.Steps("Median uplink (Mbit/s; LTE median 6)", [0.5, 1, 2, 6, 10, 20, 50, 100], 6),
        "straggler_pct": lk.Slider("Stragglers: % of devices that are old and on a 1 Mbit/s uplink", 0, 30, 5, 10),
        "quorum": lk.Switch("Close each round at a quorum: over-select and drop stragglers", False),
    }
    return control_spec, devices, encodings


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
    # Scenario constants (the chapter's): Huang et al. 2012 median LTE downlink, 100 local examples per client,
    # a 2 W radio while transferring, 6 eligible hours a day (idle, charging, unmetered), a one-week budget.
    DOWNLINK_BPS = 13e6
    STRAGGLER_UPLINK_BPS = 1e6
    STRAGGLER_DEVICE = "RPi4"
    LOCAL_EXAMPLES = 100
    RADIO_W = 2.0
    ELIGIBLE_HOURS = 6.0
    BUDGET_DAYS = 7.0
    TRAIN_FACTOR = 3            # forward + backward ~ 3 x forward FLOPs, as ms.training_flop assumes
    MEMORY_CAP_BYTES = 512e6    # what the OS lets a background training job use
    BATCH = 8
    # Planning model for rounds to target (illustrative; the engine has no convergence model):
    # R = R1 * (1/E + BETA * (E - 1)) * (1 + K0 / K) / (1 + K0 / 100)
    R1, BETA, K0 = 3000, 0.02, 50

    def rounds_to_target(epochs, clients):
        return R1 * (1 / epochs + BETA * (epochs - 1)) * (1 + K0 / clients) / (1 + K0 / 100)

    def train_dtype(device):
        # CPUs train in fp32; a device with an fp16 peak (the Orin Nano's tensor cores) trains in fp16
        return "fp16" if ms.hardware(device).supports("fp16") else "fp32"

    @functools.lru_cache(maxsize=None)
    def forward_s(model, device):
        """One forward pass at the device's training precision (MLSys·im edge_fit)."""
        return ms.edge_fit(model, device, train_dtype(device)).latency_s

    def update_bytes(model, encoding):
        p = ms.model(model).params
        return {"fp32": 4 * p, "fp16": 2 * p, "int8": p, "top-1% sparse": 0.01 * p * (1 + 4)}[encoding]

    def train_memory(model, batch):
        """fp32 weights + gradients + momentum, plus every layer's activation stored for the backward pass."""
        m = ms.model(model)
        return 3 * 4 * m.params + 4 * batch * sum(layer.output_elements for layer in m.cnn_layers)

    def client_round(model, device, encoding, epochs, uplink_bps):
        down = 4 * ms.model(model).params * 8 / DOWNLINK_BPS
        train = TRAIN_FACTOR * forward_s(model, device) * LOCAL_EXAMPLES * epochs
        up = update_bytes(model, encoding) * 8 / uplink_bps
        energy = ms.hardware(device).tdp_w * train + RADIO_W * (down + up)
        return {"download": down, "train": train, "upload": up, "total": down + train + up, "energy_j": energy}

    def run(model, device, encoding, clients, epochs, uplink_bps, straggler_frac, quorum):
        median = client_round(model, device, encoding, epochs, uplink_bps)
        slow = client_round(model, STRAGGLER_DEVICE, encoding, epochs, STRAGGLER_UPLINK_BPS)
        slow_total = max(slow["total"], median["total"])
        p_any_slow = 1 - (1 - straggler_frac) ** clients
        if quorum:
            selected = math.ceil(clients / (1 - straggler_frac) * 1.1)
            round_s = median["total"]
        else:
            selected = clients
            round_s = median["total"] + (slow_total - median["total"]) * p_any_slow
        rounds = rounds_to_target(epochs, clients)
        wall_days = rounds * round_s / 86400 * 24 / ELIGIBLE_HOURS
        fleet_kwh = rounds * selected * median["energy_j"] / 3.6e6
        return {"median": median, "slow": slow, "round_s": round_s, "rounds": rounds, "wall_days": wall_days,
                "selected": selected, "p_any_slow": p_any_slow, "fleet_kwh": fleet_kwh}

    return (BATCH, BETA, BUDGET_DAYS, DOWNLINK_BPS, ELIGIBLE_HOURS, K0, LOCAL_EXAMPLES, MEMORY_CAP_BYTES, R1,
            RADIO_W, STRAGGLER_UPLINK_BPS, client_round, rounds_to_target, run, train_memory, update_bytes)


@app.cell
def _(BATCH, MEMORY_CAP_BYTES, controls, run, train_memory):
    params = controls.value
    # Full fine-tuning must fit the background job's memory cap: halve the batch until it does (derived).
    batch = BATCH
    while batch > 1 and train_memory(params["model"], batch) > MEMORY_CAP_BYTES:
        batch //= 2
    notes = []
    if batch != BATCH:
        notes.append(f"Batch reduced from {BATCH} to {batch}: {params['model']} needs "
                     f"{lk.fmt_bytes(train_memory(params['model'], BATCH))} to train at batch {BATCH} "
                     f"(fp32 weights, gradients, momentum and stored activations), over the "
                     f"{lk.fmt_bytes(MEMORY_CAP_BYTES)} a background job may use. Time per example is unchanged.")
    current = lk.engine_call(run, params["model"], params["device"], params["encoding"], params["clients"],
                             params["epochs"], params["uplink_mbps"] * 1e6, params["straggler_pct"] / 100,
                             params["quorum"], context=f"{params['model']} on {params['device']}")
    return batch, current, notes, params


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(control_spec, current, params, run):
    _epochs = list(control_spec["epochs"].values)
    _series = {}
    for _quorum, _name in [(False, "wait for all clients"), (True, "quorum with over-selection")]:
        _series[_name] = (_epochs, [run(params["model"], params["device"], params["encoding"], params["clients"], _e,
                                        params["uplink_mbps"] * 1e6, params["straggler_pct"] / 100, _quorum)["wall_days"]
                                    for _e in _epochs])
    lk.line_chart(_series, x_title="Local epochs E", y_title="Wall-clock days to target", log_x=True, log_y=True,
                  current=(params["epochs"], current["wall_days"], f"E = {params['epochs']}"),
                  title=f"{params['model']}, K = {params['clients']}, {params['encoding']} updates")
    return


@app.cell(hide_code=True)
def _(encodings, params, run, update_bytes):
    _rows = []
    for _enc in encodings:
        _r = run(params["model"], params["device"], _enc, params["clients"], params["epochs"],
                 params["uplink_mbps"] * 1e6, params["straggler_pct"] / 100, params["quorum"])
        _m = _r["median"]
        _rows.append({"update encoding": _enc, "bytes up per client": lk.fmt_bytes(update_bytes(params["model"], _enc)),
                      "download": lk.fmt_time(_m["download"]), "train": lk.fmt_time(_m["train"]),
                      "upload": lk.fmt_time(_m["upload"]), "round": lk.fmt_time(_r["round_s"]),
                      "energy per client per round": f"{_m['energy_j']:.3g} J",
                      "rounds": f"{_r['rounds']:,.0f}", "wall-clock": f"{_r['wall_days']:.2g} days",
                      "fleet energy": f"{_r['fleet_kwh']:.3g} kWh"})
    lk.table(_rows, caption=f"One client's round on {params['device']} and the whole run, by update encoding",
             highlight=encodings.index(params["encoding"]))
    return


@app.cell(hide_code=True)
def _(BETA, BUDGET_DAYS, DOWNLINK_BPS, ELIGIBLE_HOURS, K0, LOCAL_EXAMPLES, R1, RADIO_W, batch, current, params):
    _m, _s = current["median"], current["slow"]
    _parts = {"the download": _m["download"], "local training (compute)": _m["train"], "the uplink": _m["upload"]}
    _median_binder = max(_parts, key=_parts.get)
    _straggler_bound = (not params["quorum"]) and current["round_s"] > 1.5 * _m["total"]
    _binder = "stragglers" if _straggler_bound else _median_binder
    _hit = current["wall_days"] > BUDGET_DAYS
    lk.limit(
        _hit,
        f"{_binder} {'bind' if _binder == 'stragglers' else 'binds'}: a round takes {lk.fmt_time(current['round_s'])} and the run "
        f"{current['wall_days']:.2g} days ({current['rounds']:,.0f} rounds; budget {BUDGET_DAYS:g} days)",
        (f"The median client spends {lk.fmt_time(_m['download'])} downloading, {lk.fmt_time(_m['train'])} training "
         f"and {lk.fmt_time(_m['upload'])} uploading, and {_m['energy_j']:.3g} J. "
         + (f"Waiting for all {params['clients']} clients, a straggler is in the round with probability "
            f"{lk.fmt_pct(current['p_any_slow'])}, and it needs {lk.fmt_time(_s['total'])}."
            if not params["quorum"] else
            f"Selecting {current['selected']} to keep {params['clients']} holds the round at the median client's "
            f"time, but the stragglers' data never count and their energy is wasted.")),
        f"round = download + 3 × forward (MLSys·im edge_fit) × {LOCAL_EXAMPLES} × E + update bytes × 8 ÷ uplink "
        f"(download at {DOWNLINK_BPS / 1e6:g} Mbit/s; batch {batch}); without a quorum, round = median + "
        f"(straggler − median) × (1 − (1 − q)^K). Rounds ≈ {R1:,} × (1/E + {BETA:g}(E − 1)) × (1 + {K0}/K) ÷ "
        f"(1 + {K0}/100), an illustrative planning model. Days = rounds × round ÷ ({ELIGIBLE_HOURS:g} eligible h/day). "
        f"Energy = TDP × train + {RADIO_W:g} W × transfer time.",
    )
    return


@app.cell(hide_code=True)
def _(client_round, prediction, prediction_spec, update_bytes):
    _r = client_round("MobileNetV2", "RPi5", "fp32", 2, 6e6)
    _update = update_bytes("MobileNetV2", "fp32")
    _parts = {"downloading the model": _r["download"], "local training": _r["train"], "uploading the update": _r["upload"]}
    _answer = max(_parts, key=_parts.get)
    lk.reveal(prediction_spec, prediction, _answer,
              f"download {lk.fmt_time(_r['download'])}, training {lk.fmt_time(_r['train'])} (3 × the edge_fit forward "
              f"pass × 200 examples), upload {lk.fmt_time(_r['upload'])}",
              f"A {lk.fmt_bytes(_update)} fp32 update crosses a 6 Mbit/s uplink in {lk.fmt_time(_r['upload'])}, while "
              f"the phone CPU trains its 200 examples in {lk.fmt_time(_r['train'])}. On a phone the uplink, not the "
              "processor, is usually the bottleneck.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Switch the update to int8 and then to top-1% sparse. Why does the round stop shrinking even though "
         "the upload keeps falling?",
         "The download of the full fp32 model and the local training do not depend on the update encoding. Once "
         "the upload is shorter than they are, they bind; compressing the downlink or training faster (a neural "
         "accelerator) are the next levers."),
        ("Without a quorum, raise the clients per round from 10 to 1,000. Rounds to target fall, yet the "
         "wall-clock time barely improves. Why, and what does switching on the quorum change?",
         "With 10% stragglers a round of more than a few dozen clients almost surely contains one, so every round "
         "runs at the straggler's pace. The quorum restores the median client's pace, but the slow devices (older "
         "phones, poor networks) then never contribute: the run is faster and biased toward users of fast phones."),
        ("Increase the local epochs. Where is the wall-clock optimum, and why is it below the epochs that "
         "minimise rounds (1/√β)?",
         "Each epoch cuts rounds less as client drift grows, and each epoch also lengthens every round by its "
         "training time. Wall-clock time balances both, so it favours fewer epochs than the rounds-only optimum, "
         "and fewer still on slow devices."),
    ])
    return


if __name__ == "__main__":
    app.run()
