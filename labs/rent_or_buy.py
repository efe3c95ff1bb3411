import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Rent or Buy an Accelerator Fleet")

with app.setup:
    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("rent_or_buy")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "You can buy H100s (catalog price, plus 50% for servers, network and facility, used for 4 years, "
            "electricity at 0.08 USD/kWh) or rent them on a committed contract at 2.50 USD per GPU-hour. "
            "Above what share of hours doing useful work does owning become cheaper than renting?"
        ),
        ["about 10%", "about 25%", "about 50%", "about 90%"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    utilizations = [u / 100 for u in range(10, 101, 10)]
    control_spec = {
        "hardware": lk.Choice("Accelerator (catalog price and power)", ["H100-SXM", "A100-80GB", "MI300X", "Gaudi3"], "H100-SXM"),
        "utilization": lk.Slider("Share of hours doing useful work", 0.1, 1.0, 0.05, 0.6),
        "years": lk.Steps("Useful life (years)", [2, 3, 4, 5, 6], 4),
        "rent": lk.Slider("Committed rental price, USD per GPU-hour (your assumption)", 1.0, 8.0, 0.25, 2.5),
        "usd_per_kwh": lk.Slider("Electricity price, USD per kWh (your assumption)", 0.03, 0.3, 0.01, 0.08),
        "overhead": lk.Slider("Servers, network and facility as a share of the accelerator price (your assumption)",
                              0.2, 1.5, 0.1, 0.5),
    }
    return control_spec, utilizations


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
    pue = ms.assumptions.DEFAULT_PUE

    def own(hw_name, utilization, years, usd_per_kwh, overhead):
        return ms.tco(hw_name, n_devices=1, years=years, utilization=utilization, usd_per_kwh=usd_per_kwh,
                      pue=pue, overhead_fraction=overhead)

    def break_even(hw_name, years, usd_per_kwh, overhead, rent):
        """Utilization at which owning and renting cost the same per useful hour (None if never)."""
        hw = ms.hardware(hw_name)
        capital_per_hour = hw.price_usd * (1 + overhead) / (years * 365.25 * 24)
        energy_per_busy_hour = hw.tdp_w * pue / 1e3 * usd_per_kwh
        margin = rent - energy_per_busy_hour
        if margin <= 0:
            return None
        return capital_per_hour / margin

    return break_even, own, pue


@app.cell
def _(break_even, controls, own, utilizations):
    params = controls.value
    current = lk.engine_call(own, params["hardware"], params["utilization"], params["years"],
                             params["usd_per_kwh"], params["overhead"], context=f"owning a {params['hardware']}")
    sweep = {u: lk.attempt(own, params["hardware"], u, params["years"], params["usd_per_kwh"], params["overhead"])
             for u in utilizations}
    even = break_even(params["hardware"], params["years"], params["usd_per_kwh"], params["overhead"], params["rent"])
    on_demand = lk.attempt(ms.cloud_price, params["hardware"])
    return current, even, on_demand, params, sweep


@app.cell(hide_code=True)
def _(current, on_demand, params, sweep):
    _ok = {u: o.value for u, o in sweep.items() if o.ok}
    _series = {"own (MLSys·im tco)": ([100 * u for u in _ok], [t.usd_per_device_hour for t in _ok.values()]),
               "rent (committed price)": ([100 * u for u in _ok], [params["rent"]] * len(_ok))}
    _lines = [(on_demand.value, "on-demand list price (MLSys·im)")] if on_demand.ok else []
    lk.line_chart(_series, x_title="Hours doing useful work (%)", y_title="USD per useful GPU-hour", log_y=True,
                  hlines=_lines,
                  current=(100 * params["utilization"], current.usd_per_device_hour, f"{lk.fmt_pct(params['utilization'], 0)}"),
                  title=f"Owning a {params['hardware']} for {params['years']} years")
    return


@app.cell(hide_code=True)
def _(params, sweep):
    _rows = []
    for _u, _o in sweep.items():
        if _o.ok:
            _t = _o.value
            _hours = _t.years * 365.25 * 24 * _u
            _rows.append({"useful hours": lk.fmt_pct(_u, 0), "capital per useful hour": f"{_t.capex_usd / _hours:.2f} USD",
                          "energy per useful hour": f"{_t.energy_usd / _hours:.3f} USD",
                          "own, total": f"{_t.usd_per_device_hour:.2f} USD", "rent": f"{params['rent']:.2f} USD",
                          "cheaper": "own" if _t.usd_per_device_hour < params["rent"] else "rent"})
        else:
            _rows.append({"useful hours": lk.fmt_pct(_u, 0), "capital per useful hour": f"rejected: {_o.error}"})
    _nearest = min(range(len(_rows)), key=lambda i: abs(list(sweep)[i] - params["utilization"]))
    lk.table(_rows, caption="Cost per useful hour of owning, against the rental price", highlight=_nearest)
    return


@app.cell(hide_code=True)
def _(current, even, params, pue):
    _owning_loses = current.usd_per_device_hour > params["rent"]
    _even = ("owning never pays: electricity alone costs more than the rent"
             if even is None else f"owning and renting break even at {lk.fmt_pct(min(even, 9.99), 0)} of hours busy"
             + (" (more than every hour, so never)" if even > 1 else ""))
    lk.limit(
        _owning_loses,
        (f"idle capital: owning costs {current.usd_per_device_hour:.2f} USD per useful hour against "
         f"{params['rent']:.2f} USD to rent" if _owning_loses else
         f"owning costs {current.usd_per_device_hour:.2f} USD per useful hour, below the {params['rent']:.2f} USD rent"),
        f"Cost per useful hour = (price × (1 + overhead) + energy) / (life in hours × share busy). Capital does "
        f"not care whether the hardware is busy, so its share falls as 1 / utilization; energy (at PUE {pue:g}) is "
        f"paid only while busy. {_even[0].upper() + _even[1:]}. Staff, repairs and financing are not included, so "
        "real ownership costs more.",
        current.explain(),
    )
    return


@app.cell(hide_code=True)
def _(break_even, prediction, prediction_spec):
    _even = break_even("H100-SXM", 4, 0.08, 0.5, 2.5)
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 10%": 0.1, "about 25%": 0.25, "about 50%": 0.5, "about 90%": 0.9}, _even),
              f"owning an H100 beats a 2.50 USD committed rent above {lk.fmt_pct(_even, 0)} of hours busy",
              "Against the much higher on-demand list price the break-even is far lower, which is why on-demand "
              "prices are the wrong comparison for a steady load.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Electricity is only a few per cent of the cost of owning. Why does it still matter to a fleet operator?",
         "Because power, not money, caps how many accelerators a site can hold, and because a higher electricity "
         "price raises the energy paid on every busy hour, which lowers the margin over the rental price and "
         "pushes the break-even utilization up. Energy also decides the carbon of the fleet."),
        ("A new accelerator generation offers twice the throughput per dollar two years after you bought. "
         "How does that change the useful-life control, and what can you do with the old fleet?",
         "For frontier training the old fleet's economic life shortens, which raises its capital cost per useful "
         "hour (move the life control down). It keeps value for inference, fine-tuning and smaller jobs, where "
         "its lower cost per hour still beats renting new hardware; planning that second life recovers much of it."),
    ])
    return


if __name__ == "__main__":
    app.run()
