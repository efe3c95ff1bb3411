import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Can the Input Pipeline Feed the Accelerator?")

with app.setup:
    import math

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("data_pipeline")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            'Training ResNet-50 on an H100 from JPEG files: the GPU can consume thousands of images per '
            'second. If one CPU core decodes and augments about 400 images per second, how many data-loader '
            'workers keep the GPU busy?'
        ),
        ['about 2', 'about 10', 'about 30', 'about 100'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    control_spec = {
        "model": lk.Choice("Model", ["ResNet-50", "EfficientNet-B0", "MobileNetV2"], "ResNet-50"),
        "hardware": lk.Choice("Accelerator", ["A100-80GB", "H100-SXM", "B200"], "H100-SXM"),
        "workers": lk.Steps("Decode workers (CPU cores)", [1, 2, 4, 8, 16, 24, 32, 48, 64], 8),
        "decode_rate": lk.Slider("Images one core decodes + augments per second (your measurement)", 100, 2000, 50, 400),
        "storage_gbps": lk.Steps("Storage read bandwidth (GB/s)", [0.1, 0.25, 0.5, 1, 2, 5, 10], 2),
        "sample_kb": lk.Slider("Stored size of one image (kB)", 20, 500, 10, 110),
    }
    batch = 256
    return batch, control_spec


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
    def accelerator_step(model, hw, batch):
        """One training step on a batch as a roofline: forward + backward = 3 x forward FLOPs; weights,
        gradients and the batch's activations cross HBM once (a lower bound on traffic)."""
        flop = 3 * model.flops_per_sample * batch
        traffic = 3 * model.weight_bytes("bf16") + 2 * batch * model.peak_activation_elements * 2
        return ms.roofline(hw, flop, traffic, dtype="bf16")

    return (accelerator_step,)


@app.cell
def _(accelerator_step, batch, controls):
    params = controls.value
    model = lk.engine_call(ms.model, params["model"])
    hw = lk.engine_call(ms.hardware, params["hardware"])
    step = lk.engine_call(accelerator_step, model, hw, batch, context="accelerator step")
    capacity = {
        "storage read": params["storage_gbps"] * 1e9 / (params["sample_kb"] * 1e3),
        "CPU decode": params["workers"] * params["decode_rate"],
        "accelerator": batch / step.time_s,
    }
    bottleneck = min(capacity, key=capacity.get)
    workers_needed = math.ceil(capacity["accelerator"] / params["decode_rate"])
    return bottleneck, capacity, hw, model, params, step, workers_needed


@app.cell(hide_code=True)
def _(bottleneck, capacity, params):
    lk.bar_chart(list(capacity), list(capacity.values()), y_title="Images per second", log_y=True, highlight=bottleneck,
                 title=f"Stage capacities for {params['model']} on {params['hardware']} (red: the bottleneck)")
    return


@app.cell(hide_code=True)
def _(bottleneck, capacity):
    _throughput = capacity[bottleneck]
    _rows = [{"stage": s, "capacity (images/s)": f"{c:,.0f}", "busy": lk.fmt_pct(_throughput / c)}
             for s, c in capacity.items()]
    lk.table(_rows, caption=f"The pipeline runs at the slowest stage: {_throughput:,.0f} images/s",
             highlight=list(capacity).index(bottleneck))
    return


@app.cell(hide_code=True)
def _(bottleneck, capacity, params, step, workers_needed):
    _idle = 1 - capacity[bottleneck] / capacity["accelerator"]
    lk.limit(
        bottleneck != "accelerator",
        f"{bottleneck} binds; the accelerator idles {_idle:.0%} of the time" if bottleneck != "accelerator"
        else "the accelerator binds: the input pipeline keeps up",
        f"Throughput = min(storage {params['storage_gbps']} GB/s ÷ {params['sample_kb']} kB, "
        f"decode {params['workers']} workers × {params['decode_rate']}/s, accelerator {capacity['accelerator']:,.0f}/s). "
        f"Keeping the accelerator fed needs ⌈{capacity['accelerator']:,.0f} ÷ {params['decode_rate']}⌉ = "
        f"**{workers_needed} workers** and {capacity['accelerator'] * params['sample_kb'] * 1e3 / 1e9:.2f} GB/s from storage. "
        "The accelerator figure is a roofline upper bound (peak FLOP/s, ideal memory traffic); a real "
        "training step reaches a fraction of it, so treat the worker count as the most you could need.",
        step.explain(),
    )
    return


@app.cell(hide_code=True)
def _(accelerator_step, batch, prediction, prediction_spec):
    _step = accelerator_step(ms.model("ResNet-50"), ms.hardware("H100-SXM"), batch)
    _rate = batch / _step.time_s
    _workers = math.ceil(_rate / 400)
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 2": 2, "about 10": 10, "about 30": 30, "about 100": 100}, _workers),
              f"{_workers} workers: the H100 can take up to {lk.fmt_count(_rate)} images/s (a roofline upper "
              "bound) and each worker supplies 400",
              "The accelerator got faster far quicker than CPU cores did; decoding is often what a training "
              "job waits on, which is why pipelines move decode to the GPU or store preprocessed data.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("A faster accelerator made the training step quicker but the job no faster. What happened?",
         "The step got shorter, so the accelerator's demand for images rose past what the CPU workers or "
         "the storage could supply. The pipeline runs at its slowest stage; upgrading a stage that is not "
         "the bottleneck only adds idle time."),
        ("Name two ways to move the bottleneck off the CPU decoders without buying more cores.",
         "Decode on the accelerator (GPU JPEG decoding and augmentation), or store the data pre-decoded "
         "at lower resolution or in a format that needs less work per sample, accepting more storage "
         "traffic; caching decoded samples across epochs also removes repeated work."),
    ])
    return


if __name__ == "__main__":
    app.run()
