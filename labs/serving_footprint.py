import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="The Energy and Carbon Footprint of a Feature")

with app.setup:
    import functools
    import math

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("serving_footprint")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            'Llama-3-70B answers 10 million queries a day with 300 generated tokens each, at batch 1, in a '
            'data centre on the most carbon-intensive grid in the catalog. Which single change cuts its '
            'yearly emissions most?'
        ),
        ['serve at batch 32 instead of batch 1', 'switch to Llama-3-8B, about a ninth the size', 'move to the cleanest grid in the catalog'],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    regions = ms.list_regions()
    control_spec = {
        "model": lk.Choice("Model", ["Llama-3-8B", "Llama-2-13B", "Llama-3-70B"], "Llama-3-8B"),
        "queries_per_day": lk.Steps("Queries per day", [1e4, 1e5, 1e6, 1e7, 1e8], 1e7),
        "tokens_per_query": lk.Steps("Generated tokens per query", [50, 100, 300, 1000], 300),
        "batch": lk.Steps("Serving batch", [1, 4, 16, 32, 64], 16),
        "region": lk.Choice("Data-centre grid", regions, "us"),
    }
    return control_spec, regions


@app.cell
def _():
    @functools.lru_cache(maxsize=128)
    def replica(model_name, batch, tokens_per_query):
        n_devices = 4 if model_name == "Llama-3-70B" else 1
        return ms.serve(model_name, "H100-SXM", batch, 512, tokens_per_query, n_devices=n_devices)

    return (replica,)


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(controls, regions, replica):
    params = controls.value
    serving = lk.engine_call(replica, params["model"], params["batch"], params["tokens_per_query"],
                             context="serving replica")
    hw = ms.hardware(serving.hardware)
    tokens_per_s_needed = params["queries_per_day"] * params["tokens_per_query"] / 86400
    replicas = math.ceil(tokens_per_s_needed / serving.tokens_per_s)
    busy_s = tokens_per_s_needed / serving.tokens_per_s * 365 * 86400
    # energy while generating: every GPU of a busy replica at its power limit, times the facility PUE
    yearly_j = ms.energy(serving.n_devices * hw.tdp_w, busy_s)
    by_region = {r: ms.carbon(yearly_j, r) for r in regions}
    per_query_j = yearly_j / (params["queries_per_day"] * 365)
    return busy_s, by_region, hw, params, per_query_j, replicas, serving, tokens_per_s_needed, yearly_j


@app.cell(hide_code=True)
def _(by_region, params):
    lk.bar_chart(list(by_region), [g / 1e6 for g in by_region.values()], y_title="Tonnes CO₂e per year",
                 highlight=params["region"], title="The same serving energy on different grids")
    return


@app.cell(hide_code=True)
def _(by_region, params, per_query_j, replicas, serving, tokens_per_s_needed, yearly_j):
    lk.table([
        {"quantity": "tokens per second to serve", "value": f"{tokens_per_s_needed:,.0f}"},
        {"quantity": "one replica's throughput", "value": f"{lk.fmt_count(serving.tokens_per_s)} tokens/s ({serving.n_devices}× {serving.hardware})"},
        {"quantity": "replicas needed at peak-free average load", "value": f"{replicas:,}"},
        {"quantity": "energy per query", "value": f"{per_query_j:,.0f} J"},
        {"quantity": "energy per year", "value": f"{yearly_j / 3.6e9:,.1f} MWh"},
        {"quantity": f"emissions per year ({params['region']})", "value": f"{by_region[params['region']] / 1e6:,.1f} t CO₂e"},
    ], caption=f"{params['model']} answering {params['queries_per_day']:,.0f} queries a day")
    return


@app.cell(hide_code=True)
def _(by_region, params, per_query_j, serving):
    _cleanest = min(by_region, key=by_region.get)
    _dirtiest = max(by_region, key=by_region.get)
    lk.limit(
        serving.decode_bound == "memory",
        f"decode is {serving.decode_bound}-bound at batch {params['batch']}: {per_query_j:,.0f} J per query",
        f"Energy per query = GPUs × power × time per query ÷ queries in flight. At small batch each decode "
        "step streams all weights from HBM to produce one token per sequence, so the joules per token fall "
        f"almost in proportion to the batch until decoding turns compute-bound. The grid multiplies "
        f"whatever energy remains: {ms.grid_intensity(_dirtiest):.0f} g/kWh in {_dirtiest} against "
        f"{ms.grid_intensity(_cleanest):.0f} g/kWh in {_cleanest}.",
        serving.explain(),
    )
    return


@app.cell(hide_code=True)
def _(prediction, prediction_spec, regions, replica):
    def _joules_per_token(model_name, batch):
        _r = replica(model_name, batch, 300)
        return _r.n_devices * ms.hardware(_r.hardware).tdp_w / _r.tokens_per_s
    _dirty = max(regions, key=ms.grid_intensity)
    _clean = min(regions, key=ms.grid_intensity)
    _base = _joules_per_token("Llama-3-70B", 1) * ms.grid_intensity(_dirty)
    _cuts = {prediction_spec.options[0]: _joules_per_token("Llama-3-70B", 32) * ms.grid_intensity(_dirty),
             prediction_spec.options[1]: _joules_per_token("Llama-3-8B", 1) * ms.grid_intensity(_dirty),
             prediction_spec.options[2]: _joules_per_token("Llama-3-70B", 1) * ms.grid_intensity(_clean)}
    _factors = {k: _base / v for k, v in _cuts.items()}
    lk.reveal(prediction_spec, prediction, max(_factors, key=_factors.get),
              f"batch 32 cuts emissions {_factors[prediction_spec.options[0]]:.1f}×, the smaller model "
              f"{_factors[prediction_spec.options[1]]:.1f}×, the grid ({_dirty} → {_clean}) "
              f"{_factors[prediction_spec.options[2]]:.1f}×",
              "Each lever multiplies: energy per token falls with batching and model size, emissions per "
              "joule with the grid. Combine them and the savings compound.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Batching cut energy per query a lot, but a user at batch 64 waits longer for each token. "
         "How would you decide the batch for a product?",
         "Set the per-token latency the product needs (for example, faster than reading speed), then pick "
         "the largest batch whose time per output token stays under it: beyond that point the energy "
         "saving costs user experience; below it you waste energy for no benefit."),
        ("The region changes emissions by more than an order of magnitude but leaves energy unchanged. "
         "What does that imply for how an organisation should report the footprint of a feature?",
         "Report energy (kWh) and emissions (with the grid intensity used) separately, since they answer "
         "different questions: energy measures the efficiency of the system, emissions depend on where "
         "and when it runs. Comparing features by emissions alone rewards location, not engineering."),
    ])
    return


if __name__ == "__main__":
    app.run()
