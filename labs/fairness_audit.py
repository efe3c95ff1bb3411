import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Auditing Fairness at Scale")

with app.setup:
    import functools
    import math
    from statistics import NormalDist

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("fairness_audit")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "An application screener's audit must detect a 3-point gap in the false-negative rate (10% against 13%) "
            "with a two-sided test at the 5% level and 80% power. Comparing two groups needs a labelled set of some "
            "size. Now audit every intersection of four attributes (2 × 3 × 4 × 5 levels = 120 subgroups), each "
            "against the rest, with a Bonferroni correction. How many times larger is the labelled set?"
        ),
        ["about 2×", "about 10×", "about 150×", "about 1,000×"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    # The chapter's scenario (Responsible AI, running example): attribute levels and, for each attribute, the
    # share of applicants in its smallest level (scenario inputs; the product is the smallest intersection's share).
    ATTRIBUTES = [("sex", 2, 0.45), ("age band", 3, 0.15), ("region", 4, 0.10), ("ethnicity", 5, 0.04)]
    control_spec = {
        "attributes": lk.Steps("Attributes intersected (sex, age band, region, ethnicity)", [1, 2, 3, 4], 4),
        "gap_pts": lk.Steps("FNR gap the audit must detect (percentage points)", [1, 2, 3, 5, 8, 10], 3),
        "fnr_ref": lk.Slider("Reference false-negative rate (your assumption)", 0.02, 0.30, 0.01, 0.10),
        "base_rate": lk.Slider("Share of applications that are qualified (your assumption)", 0.05, 0.60, 0.05, 0.25),
        "alpha": lk.Steps("Significance level α (family-wise)", [0.01, 0.05, 0.10], 0.05),
        "power": lk.Steps("Power (chance of detecting a real gap)", [0.5, 0.8, 0.9, 0.95], 0.8),
        "bonferroni": lk.Switch("Bonferroni correction across subgroups", True),
        "threshold": lk.Slider("Decision threshold on the screener's score", -0.5, 2.5, 0.1, 0.8),
        "model": lk.Choice("Screener model", ["Llama-3.1-8B", "Llama-3.1-70B"], "Llama-3.1-8B"),
        "prompt_tokens": lk.Steps("Tokens per application", [256, 512, 1024, 2048, 4096], 1024),
        "minutes_per_label": lk.Steps("Reviewer minutes to label one application (your assumption)", [1, 2, 6, 15, 30], 6),
        "reviewer_years": lk.Steps("Reviewer-years of labelling available (1,800 h each)", [1, 5, 20, 50, 200], 20),
        "apps_per_year_m": lk.Steps("Applications per year (millions)", [0.1, 0.5, 2, 10, 50], 2),
        "gpu_hour_budget": lk.Steps("GPU-hours available for scoring", [1, 10, 100, 1000, 10000], 100),
    }
    return ATTRIBUTES, control_spec


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(ATTRIBUTES):
    Z = NormalDist()
    OUTPUT_TOKENS = 8            # the screener writes a short decision
    HOURS_PER_REVIEWER_YEAR = 1800
    # Binormal score model of the chapter: negatives N(0, 1); qualified applicants N(2.0, 1) in pool A and
    # N(1.4, 1) in pool B (scenario separations: pool B's applications are less legible to the model).
    MU = {"A": 2.0, "B": 1.4}

    def n_two_proportions(p1, p2, alpha, power):
        """Examples per group (of the class the rate is measured on) to detect p1 != p2, two-sided test."""
        za = Z.inv_cdf(1 - alpha / 2)
        zb = Z.inv_cdf(power)
        pbar = (p1 + p2) / 2
        root = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
        return math.ceil(root ** 2 / (p1 - p2) ** 2)

    def detectable_gap(p1, n, alpha, power):
        """Smallest gap above p1 that n examples per group detect (bisection on the monotone sample size)."""
        lo, hi = 1e-4, 1 - p1 - 1e-6
        if n_two_proportions(p1, p1 + hi, alpha, power) > n:
            return math.inf
        for _ in range(60):
            mid = (lo + hi) / 2
            if n_two_proportions(p1, p1 + mid, alpha, power) > n:
                lo = mid
            else:
                hi = mid
        return hi

    def audit(n_attrs, fnr_ref, gap, base_rate, alpha, power, bonferroni):
        """Subgroups, per-test alpha and the labelled set for intersecting the first n_attrs attributes."""
        k = math.prod(levels for _, levels, _ in ATTRIBUTES[:n_attrs])
        tests = k if k > 2 else 1        # two groups: one comparison; more: each subgroup against the rest
        alpha_test = alpha / tests if bonferroni else alpha
        n_pos = n_two_proportions(fnr_ref, fnr_ref + gap, alpha_test, power)
        n_apps = math.ceil(n_pos / base_rate)
        smallest = math.prod(share for _, _, share in ATTRIBUTES[:n_attrs])
        return {"attrs": n_attrs, "k": k, "alpha_test": alpha_test, "n_pos": n_pos, "n_apps": n_apps,
                "total": k * n_apps, "smallest_share": smallest, "traffic": n_apps / smallest}

    @functools.lru_cache(maxsize=None)
    def scoring(model, prompt_tokens):
        """GPU-hours per application and GPUs per replica: MLSys·im's server at its largest concurrency,
        on the fewest H100s that hold the model (the derived control)."""
        last = None
        for n_dev in (1, 2, 4, 8):
            outcome = lk.attempt(ms.serve_max_throughput, model, "H100-SXM", prompt_tokens, OUTPUT_TOKENS,
                                 n_devices=n_dev)
            if outcome.ok:
                srv = outcome.value
                per_s = srv.continuous_tokens_per_s / OUTPUT_TOKENS
                return {"n_dev": n_dev, "req_per_s": per_s, "gpu_h_per_app": n_dev / per_s / 3600, "serving": srv}
            last = outcome.error
        raise last

    def pool_rates(threshold):
        """FNR of each pool and the common FPR at one threshold (binormal scores)."""
        return {"fnr_a": Z.cdf(threshold - MU["A"]), "fnr_b": Z.cdf(threshold - MU["B"]), "fpr": 1 - Z.cdf(threshold)}

    return (HOURS_PER_REVIEWER_YEAR, OUTPUT_TOKENS, Z, audit, detectable_gap, n_two_proportions, pool_rates,
            scoring)


@app.cell
def _(ATTRIBUTES, HOURS_PER_REVIEWER_YEAR, audit, controls, detectable_gap, pool_rates, scoring):
    params = controls.value
    notes = []
    gap = params["gap_pts"] / 100
    if params["fnr_ref"] + gap >= 0.99:
        gap = round(0.98 - params["fnr_ref"], 2)
        notes.append(f"The gap is capped at {100 * gap:.0f} points so that the reference FNR plus the gap stays below 100%.")
    score = lk.engine_call(scoring, params["model"], params["prompt_tokens"],
                           context=f"{params['model']} reading {params['prompt_tokens']:,}-token applications")
    if score["n_dev"] > 1:
        notes.append(f"{params['model']} does not fit one H100 with room for its KV cache, so the lab serves it on "
                     f"{score['n_dev']} GPUs per replica (the fewest that hold it).")
    rows = [audit(j, params["fnr_ref"], gap, params["base_rate"], params["alpha"], params["power"],
                  params["bonferroni"]) for j in range(1, len(ATTRIBUTES) + 1)]
    current = rows[params["attributes"] - 1]
    labels_needed_h = current["total"] * params["minutes_per_label"] / 60
    labels_available_h = params["reviewer_years"] * HOURS_PER_REVIEWER_YEAR
    gpu_h_needed = current["total"] * score["gpu_h_per_app"]
    traffic_per_year = params["apps_per_year_m"] * 1e6
    # what the affordable labels buy: positives per subgroup, and the smallest gap they detect
    affordable_apps = labels_available_h * 60 / params["minutes_per_label"] / current["k"]
    affordable_pos = int(affordable_apps * params["base_rate"])
    floor_gap = detectable_gap(params["fnr_ref"], affordable_pos, current["alpha_test"], params["power"])
    ratios = {"statistics (labels)": labels_needed_h / labels_available_h,
              "data (traffic)": current["traffic"] / traffic_per_year,
              "compute": gpu_h_needed / params["gpu_hour_budget"]}
    binding = max(ratios, key=ratios.get)
    rates = pool_rates(params["threshold"])
    return (affordable_pos, binding, current, floor_gap, gap, gpu_h_needed, labels_available_h, labels_needed_h,
            notes, params, rates, ratios, rows, score, traffic_per_year)


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(audit, current, gap, params, rows):
    _ks = [r["k"] for r in rows]
    _series = {}
    for _g in sorted({max(gap / 2, 0.005), gap, min(2 * gap, 0.98 - params["fnr_ref"])}):
        _series[f"gap {100 * _g:.1f} points"] = (
            _ks, [audit(r["attrs"], params["fnr_ref"], _g, params["base_rate"], params["alpha"], params["power"],
                        params["bonferroni"])["total"] for r in rows])
    lk.line_chart(_series, x_title="Subgroups audited", y_title="Labelled applications needed",
                  log_x=True, log_y=True, current=(current["k"], current["total"], f"{current['k']} subgroups"),
                  title=f"FNR {lk.fmt_pct(params['fnr_ref'], 0)} reference, α = {params['alpha']:g}, "
                        f"power {params['power']:g}")
    return


@app.cell(hide_code=True)
def _(HOURS_PER_REVIEWER_YEAR, current, params, rows, score):
    _table = []
    for _r in rows:
        _table.append({
            "attributes": _r["attrs"], "subgroups": f"{_r['k']:,}", "α per test": f"{_r['alpha_test']:.1e}",
            "qualified per subgroup": f"{_r['n_pos']:,}", "labelled total": f"{_r['total']:,}",
            "reviewer-years": f"{_r['total'] * params['minutes_per_label'] / 60 / HOURS_PER_REVIEWER_YEAR:,.1f}",
            "scoring GPU-hours": f"{_r['total'] * score['gpu_h_per_app']:,.2f}",
            "traffic for smallest subgroup": lk.fmt_count(_r["traffic"], "applications"),
        })
    lk.table(_table, caption="The audit as attributes are intersected (labels, GPU-hours from MLSys·im, traffic)",
             highlight=current["attrs"] - 1)
    return


@app.cell(hide_code=True)
def _(Z, affordable_pos, n_two_proportions, params, rates):
    _gap_here = rates["fnr_b"] - rates["fnr_a"]
    _za = Z.inv_cdf(1 - params["alpha"] / 2)
    _p1, _p2 = rates["fnr_a"], rates["fnr_b"]
    _se = math.sqrt(_p1 * (1 - _p1) / max(affordable_pos, 1) + _p2 * (1 - _p2) / max(affordable_pos, 1))
    _power_here = 1 - Z.cdf(_za - abs(_gap_here) / _se) if _se > 0 else 1.0
    mo.md(
        f"**At threshold {params['threshold']:.1f}** the two applicant pools of the chapter's binormal score model have "
        f"FNR {lk.fmt_pct(rates['fnr_a'])} (pool A) and {lk.fmt_pct(rates['fnr_b'])} (pool B), a real gap of "
        f"{100 * _gap_here:.1f} points, at a common FPR of {lk.fmt_pct(rates['fpr'])}. With the "
        f"{affordable_pos:,} qualified applicants per subgroup your labelling budget affords, a two-group test at "
        f"α = {params['alpha']:g} detects that gap with probability about {lk.fmt_pct(_power_here, 0)}. "
        "Raising the threshold advances fewer unqualified applicants and screens out more qualified ones, "
        "more of them in pool B."
    )
    return


@app.cell(hide_code=True)
def _(binding, current, floor_gap, gap, gpu_h_needed, labels_available_h, labels_needed_h, params, ratios, score,
      traffic_per_year):
    _hit = ratios[binding] > 1
    if binding == "statistics (labels)":
        _floor = "no gap at all" if math.isinf(floor_gap) else f"{100 * floor_gap:.1f}-point gaps"
        _headline = (f"statistics binds: the audit needs {current['total']:,} labelled applications "
                     f"({labels_needed_h:,.0f} reviewer-hours) against {labels_available_h:,.0f} available, "
                     f"which detect only {_floor} per subgroup")
    elif binding == "data (traffic)":
        _headline = (f"data binds: the smallest subgroup ({100 * current['smallest_share']:.3f}% of applicants) "
                     f"yields its {current['n_apps']:,} applications only after "
                     f"{lk.fmt_count(current['traffic'], 'applications')}, against "
                     f"{lk.fmt_count(traffic_per_year, 'applications')} a year")
    else:
        _headline = (f"compute binds: scoring {current['total']:,} applications takes {gpu_h_needed:,.1f} GPU-hours "
                     f"against a budget of {params['gpu_hour_budget']:,}")
    lk.limit(
        _hit,
        _headline if _hit else f"within budget; the tightest resource is {binding} at {lk.fmt_pct(ratios[binding], 0)}",
        f"Each of the {current['k']:,} subgroups is tested at α = {current['alpha_test']:.1e} and needs "
        f"{current['n_pos']:,} qualified applicants, {current['n_apps']:,} applications at a "
        f"{lk.fmt_pct(params['base_rate'], 0)} qualified share. Shares of budget used: labels "
        f"{lk.fmt_pct(ratios['statistics (labels)'], 0)}, traffic {lk.fmt_pct(ratios['data (traffic)'], 0)}, "
        f"compute {lk.fmt_pct(ratios['compute'], 0)} (MLSys·im serves {params['model']} at "
        f"{score['req_per_s']:,.1f} applications/s on {score['n_dev']} H100).",
        f"n = (z(1-α/2)·√(2p̄(1-p̄)) + z(power)·√(p1(1-p1) + p2(1-p2)))² / Δ²,  p1 = {params['fnr_ref']:.2f}, "
        f"Δ = {gap:.2f}, α per test = {current['alpha_test']:.2e}\n"
        f"total = subgroups × ⌈n / base rate⌉ = {current['k']:,} × {current['n_apps']:,} = {current['total']:,}\n"
        f"labels = total × {params['minutes_per_label']} min = {labels_needed_h:,.0f} h;  "
        f"GPU-hours = total / ({score['req_per_s']:,.1f}/s) × {score['n_dev']} GPU / 3600 = {gpu_h_needed:,.2f}\n"
        f"traffic = ⌈n / base rate⌉ / smallest share = {current['n_apps']:,} / {current['smallest_share']:.5f}\n\n"
        + score["serving"].explain(),
    )
    return


@app.cell(hide_code=True)
def _(audit, prediction, prediction_spec):
    _two_run = audit(1, 0.10, 0.03, 0.25, 0.05, 0.8, True)
    _all_run = audit(4, 0.10, 0.03, 0.25, 0.05, 0.8, True)
    _two, _all = _two_run["total"], _all_run["total"]
    _n_two, _n_all = _two_run["n_pos"], _all_run["n_pos"]
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 2×": 2, "about 10×": 10, "about 150×": 150, "about 1,000×": 1000}, _all / _two),
              f"{_all:,} labelled applications for 120 subgroups against {_two:,} for two groups: {_all / _two:.0f}×",
              f"Almost all of the growth is the number of subgroups (60 times as many); the Bonferroni correction "
              f"adds the rest by raising each subgroup's sample from {_n_two:,} to {_n_all:,} qualified applicants.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Halve the gap the audit must detect. Why does the labelled set grow about fourfold, and what does that "
         "mean for the smallest gap a fixed labelling budget can see?",
         "The gap enters the sample-size formula squared in the denominator. With a fixed budget the detectable gap "
         "shrinks only with the square root of the labels: four times the reviewer-years buy half the gap."),
        ("Switch the screener to Llama 3.1 70B and long applications. Does compute ever bind before labels do, and "
         "what would have to change for it to?",
         "Scoring is a single prefill per application, so even the 70B model scores millions of applications in "
         "hundreds of GPU-hours, while labelling them takes reviewer-years. Compute binds only for generative audits "
         "whose outputs are long and graded by another model, the fleet evaluation of the chapter."),
        ("Turn off the Bonferroni correction. The labelled set shrinks; what does the audit lose?",
         "With 120 tests at α = 0.05 each, about six subgroups would be flagged by chance even for a perfectly fair "
         "model. The correction keeps the chance of any false alarm at α; a false-discovery-rate procedure is the "
         "middle ground when the output is a list to investigate rather than a release decision."),
    ])
    return


if __name__ == "__main__":
    app.run()
