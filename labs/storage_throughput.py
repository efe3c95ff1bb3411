import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Feeding the Fleet: Loader Throughput and Checkpoint Stalls")

with app.setup:
    import functools

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("storage_throughput")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "Llama 3.1 405B trains on 16,384 H100s. Its checkpoint holds BF16 weights plus mixed-precision Adam "
            "state, and the parallel file system absorbs writes at 200 GB/s in aggregate. How long does the whole "
            "job stand still for each synchronous checkpoint?"
        ),
        ["about 1 second", "about 30 seconds", "about 5 minutes", "about 30 minutes"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    gpu_counts = [512, 1024, 2048, 4096, 8192, 16384, 32768]
    bandwidths_gbs = [10, 20, 50, 100, 200, 500, 1000, 2000]
    tiers = ["local NVMe cache", "parallel file system", "object store"]
    control_spec = {
        "model": lk.Choice("Model (sets tokens/s per GPU and the checkpoint size)",
                           ["Llama-3-8B", "Llama-3-70B", "Llama-3.1-405B"], "Llama-3-8B"),
        "data": lk.Choice("Training data", ["text tokens", "images (100 KB JPEG, 576 tokens)",
                                            "video (4 Mb/s, 1 frame/s, 576 tokens)"], "images (100 KB JPEG, 576 tokens)"),
        "gpus": lk.Steps("H100 GPUs (8 per node)", gpu_counts, 16384),
        "tier": lk.Choice("Where the loader reads from", tiers, "parallel file system"),
        "shared_gbs": lk.Steps("Shared tier's aggregate read bandwidth, GB/s (your assumption; Llama 3's storage "
                               "sustained 2,000)", bandwidths_gbs, 50),
        "decode": lk.Steps("Samples per second one node's loader decodes (your measurement)",
                           [50, 100, 200, 500, 1000, 2000, 5000], 500),
        "write_gbs": lk.Steps("Checkpoint write bandwidth, GB/s aggregate (your assumption)", bandwidths_gbs, 200),
        "async_ckpt": lk.Switch("Asynchronous checkpoint (snapshot to host memory, persist in the background)", False),
    }
    return bandwidths_gbs, control_spec, gpu_counts, tiers


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
    dgx = ms.node("DGX-H100")
    h100 = dgx.accelerator
    pcie4, pcie5 = ms.interconnect("PCIe4"), ms.interconnect("PCIe5")
    front_end = ms.interconnect("IB-NDR")  # one storage NIC per node on the front-end network
    nvme_drive_bps = pcie4.bandwidth_bytes_per_s / 4  # one NVMe drive on four PCIe Gen4 lanes
    drives_per_node = 8
    # object stores answer each GET after tens of milliseconds (the chapter's tier table); a loader keeps a
    # bounded number of requests in flight per node. Both are stated assumptions, not catalog numbers.
    object_latency_s, object_in_flight = 0.020, 64
    restart_s = 600.0
    # per-GPU-slot MTBF implied by Llama 3 405B's log: 419 unexpected interruptions in 54 days on 16,384 GPUs
    slot_mtbf_s = 54 * 86400 * 16384 / 419

    def sample_shape(data, model):
        """(bytes on storage per token, tokens per sample) for each kind of data."""
        if data == "text tokens":
            return (2 if ms.model(model).vocab <= 2 ** 16 else 4), 8192
        per_frame = 100e3 if data.startswith("images") else 4e6 / 8
        return per_frame / 576, 576

    @functools.lru_cache(maxsize=512)
    def feed(model, data, gpus, tier, shared_gbs, decode):
        """Input demand against what the storage tier and the loader can supply, for one cluster size."""
        nodes = gpus // dgx.count
        tok_s_gpu = h100.peak_flops("bf16") * ms.assumptions.DEFAULT_MFU / (6 * ms.model(model).params)
        bytes_per_token, tokens_per_sample = sample_shape(data, model)
        sample_bytes = bytes_per_token * tokens_per_sample
        demand = gpus * tok_s_gpu * bytes_per_token
        if tier == "local NVMe cache":
            storage = nodes * drives_per_node * nvme_drive_bps
        else:
            storage = min(shared_gbs * 1e9, nodes * front_end.bandwidth_bytes_per_s)
            if tier == "object store":
                per_node = object_in_flight * sample_bytes / (object_latency_s + sample_bytes / front_end.bandwidth_bytes_per_s)
                storage = min(storage, nodes * per_node)
        loader = nodes * decode * sample_bytes
        return {"tok_s_gpu": tok_s_gpu, "sample_bytes": sample_bytes, "demand": demand, "storage": storage,
                "loader": loader, "samples_per_node": demand / sample_bytes / nodes,
                "binding": "storage" if storage <= loader else "loader",
                "input_fraction": min(1.0, storage / demand, loader / demand)}

    @functools.lru_cache(maxsize=512)
    def checkpoint(model, gpus, write_bps, asynchronous):
        """Stall per checkpoint, Daly's interval and the share of wall-clock time lost."""
        mem = ms.training_memory(model, 1, 2048)
        size = mem.weights_bytes + mem.optimizer_bytes
        persist_s = size / write_bps
        mtbf = ms.job_mtbf(gpus, device_mtbf_s=slot_mtbf_s)
        if asynchronous:
            stall = size / gpus / pcie5.bandwidth_bytes_per_s  # each GPU copies its shard to host memory
            plan = ms.checkpoint_interval(stall, mtbf, restart_s)
            # a new checkpoint cannot start before the previous one has been persisted
            interval = max(plan.interval_s, persist_s)
            lost = plan.lost_at(interval)
        else:
            stall = persist_s
            plan = ms.checkpoint_interval(stall, mtbf, restart_s)
            interval, lost = plan.interval_s, plan.lost_fraction
        # what restarts alone would cost with a free checkpoint: the part no storage can buy back
        floor = ms.checkpoint_interval(1e-6, mtbf, restart_s).lost_fraction
        return {"size": size, "weights": mem.weights_bytes, "stall_s": stall, "persist_s": persist_s,
                "mtbf_s": mtbf, "plan": plan, "interval_s": interval, "lost": lost, "restart_floor": floor,
                "checkpoint_lost": lost - floor}

    return checkpoint, dgx, feed, object_in_flight, object_latency_s, restart_s


@app.cell
def _(bandwidths_gbs, checkpoint, controls, feed, gpu_counts):
    params = controls.value
    notes = []
    if params["tier"] == "local NVMe cache":
        notes.append("A local NVMe cache reads from each node's own 8 drives, so the shared tier's bandwidth "
                     "control does not apply (the dataset must first be staged onto the nodes).")
    current = lk.engine_call(feed, params["model"], params["data"], params["gpus"], params["tier"],
                             params["shared_gbs"], params["decode"], context=params["model"])
    ckpt = lk.engine_call(checkpoint, params["model"], params["gpus"], params["write_gbs"] * 1e9,
                          params["async_ckpt"], context=f"checkpointing {params['model']}")
    sweep = {g: feed(params["model"], params["data"], g, params["tier"], params["shared_gbs"], params["decode"])
             for g in gpu_counts}
    ckpt_sweep = {b: {mode: checkpoint(params["model"], params["gpus"], b * 1e9, mode) for mode in (False, True)}
                  for b in bandwidths_gbs}
    return ckpt, ckpt_sweep, current, notes, params, sweep


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(current, params, sweep):
    _gbs = lambda key: [s[key] / 1e9 for s in sweep.values()]  # noqa: E731
    lk.line_chart({"loader demand": (list(sweep), _gbs("demand")),
                   f"{params['tier']} supplies": (list(sweep), _gbs("storage")),
                   "loader decodes": (list(sweep), _gbs("loader"))},
                  x_title="GPUs", y_title="Input bandwidth (GB/s)", log_x=True, log_y=True,
                  current=(params["gpus"], current["demand"] / 1e9, f"{params['gpus']:,} GPUs"),
                  title=f"{params['model']} on {params['data'].split(' (')[0]}: what training reads and what feeds it")
    return


@app.cell(hide_code=True)
def _(ckpt, ckpt_sweep, params):
    _rows = []
    for _b, _modes in ckpt_sweep.items():
        _s, _a = _modes[False], _modes[True]
        _rows.append({"write bandwidth": f"{_b:,} GB/s", "write the checkpoint": lk.fmt_time(_s["persist_s"]),
                      "sync: stall": lk.fmt_time(_s["stall_s"]), "sync: interval": lk.fmt_time(_s["interval_s"]),
                      "sync: time lost": lk.fmt_pct(_s["lost"]), "async: stall": lk.fmt_time(_a["stall_s"]),
                      "async: interval": lk.fmt_time(_a["interval_s"]), "async: time lost": lk.fmt_pct(_a["lost"])})
    lk.table(_rows, caption=(f"Checkpointing {params['model']} ({ckpt['size'] / 1e12:.2f} TB: weights and Adam state) "
                             f"on {params['gpus']:,} GPUs, job MTBF {lk.fmt_time(ckpt['mtbf_s'])}"),
             highlight=list(ckpt_sweep).index(params["write_gbs"]))
    return


@app.cell(hide_code=True)
def _(ckpt, current, dgx, object_in_flight, object_latency_s, params, restart_s):
    _starved = current["input_fraction"] < 1
    _ckpt_heavy = ckpt["checkpoint_lost"] > 0.02
    if _starved:
        _headline = (f"the {current['binding']} binds: training needs {lk.fmt_rate(current['demand'], 'B/s')} of input, "
                     f"so the GPUs compute only {lk.fmt_pct(current['input_fraction'])} of the time")
    elif _ckpt_heavy:
        _headline = (f"checkpoints: each stalls the job {lk.fmt_time(ckpt['stall_s'])}; writing them and redoing "
                     f"work since the last one costs {lk.fmt_pct(ckpt['checkpoint_lost'])} of wall-clock time")
    else:
        _headline = (f"input needs {lk.fmt_rate(current['demand'], 'B/s')} of {lk.fmt_rate(min(current['storage'], current['loader']), 'B/s')} "
                     f"available; checkpoints and rework cost {lk.fmt_pct(ckpt['checkpoint_lost'])} of wall-clock time")
    _tier = {"local NVMe cache": "nodes × 8 drives × PCIe Gen4 x4",
             "parallel file system": "min(aggregate, nodes × front-end NIC)",
             "object store": (f"min(aggregate, nodes × front-end NIC, nodes × {object_in_flight} requests in flight × "
                              f"sample / {object_latency_s * 1e3:.0f} ms)")}[params["tier"]]
    lk.limit(
        _starved or _ckpt_heavy,
        _headline,
        f"Demand = GPUs × tokens/s per GPU × bytes per token = {params['gpus']:,} × {current['tok_s_gpu']:,.0f} × "
        f"{current['sample_bytes'] / (8192 if params['data'] == 'text tokens' else 576):.3g} B = "
        f"{lk.fmt_rate(current['demand'], 'B/s')} ({current['samples_per_node']:,.0f} samples/s per node of "
        f"{dgx.count} GPUs); tokens/s per GPU = peak × MFU / (6 × parameters). Storage supplies "
        f"{lk.fmt_rate(current['storage'], 'B/s')} ({_tier}); the loaders decode "
        f"{lk.fmt_rate(current['loader'], 'B/s')}. A checkpoint is {lk.fmt_bytes(ckpt['size'])}; at "
        f"{params['write_gbs']:,} GB/s it takes {lk.fmt_time(ckpt['persist_s'])} to persist"
        + (f", but the job waits only {lk.fmt_time(ckpt['stall_s'])} for the copy of each GPU's shard into host "
           "memory over PCIe Gen5" if params["async_ckpt"] else ", and the whole job waits for it")
        + f". With a {restart_s / 60:.0f}-minute restart after each failure, Daly's interval is "
        f"{lk.fmt_time(ckpt['interval_s'])}; in all {lk.fmt_pct(ckpt['lost'])} of wall-clock time is lost, of which "
        f"{lk.fmt_pct(ckpt['restart_floor'])} is restarts that no storage can buy back.",
        ckpt["plan"].explain(),
    )
    return


@app.cell(hide_code=True)
def _(checkpoint, prediction, prediction_spec):
    _stall = checkpoint("Llama-3.1-405B", 16384, 200e9, False)["stall_s"]
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 1 second": 1, "about 30 seconds": 30, "about 5 minutes": 300,
                          "about 30 minutes": 1800}, _stall),
              f"{lk.fmt_time(_stall)} per checkpoint: 14 bytes per parameter (2 of weights, 12 of FP32 master copy "
              "and Adam moments) over 200 GB/s",
              "The optimizer state is six times the weights, so a checkpoint is far larger than the model you "
              "would serve; an asynchronous checkpoint hides almost all of the write behind training.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Switch the data from text to video at 16,384 GPUs. Why does text training almost never wait for storage, "
         "while video training can?",
         "A text token is 2–4 bytes on storage, so even a fast model reads kilobytes per second per GPU. A video "
         "frame turned into 576 patch tokens costs hundreds of kilobytes, two orders of magnitude more bytes per "
         "token, and it must be decoded on the CPU, so both the shared tier's aggregate bandwidth and the loaders' "
         "decode rate can bind."),
        ("The asynchronous switch cuts the stall to a fraction of a second. Why does the write bandwidth still matter?",
         "The checkpoint must still reach durable storage before the next one starts, so the interval cannot be "
         "shorter than the persist time. With slow storage the interval stretches past Daly's optimum and more "
         "work is lost at each failure; the table's async columns show the lost time rising as bandwidth falls."),
    ])
    return


if __name__ == "__main__":
    app.run()
