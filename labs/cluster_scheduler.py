import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Gangs, Backfill and Preemption on a Shared Cluster")

with app.setup:
    import bisect
    import functools
    import heapq
    import math
    import random

    import marimo as mo
    import mlsysim as ms
    import labkit as lk


@app.cell(hide_code=True)
def _():
    lk.header("cluster_scheduler")
    return


@app.cell(hide_code=True)
def _():
    prediction_spec = lk.Pick(
        (
            "A 1,024-GPU cluster shares its GPUs between small jobs and gangs of up to 512 GPUs. Users ask for 90% "
            "of its GPU-hours. The scheduler is strict first-come-first-served: a gang at the head of the queue waits "
            "until all its GPUs are free, and nothing may pass it. What share of the GPU-hours does useful work?"
        ),
        ["about 90%: it keeps up", "about 80%", "about 65%", "under 50%"],
    )
    prediction = prediction_spec.build()
    lk.predict(prediction_spec, prediction)
    return prediction, prediction_spec


@app.cell
def _():
    mixes = {
        "mostly small (8-64 GPUs)": {8: 0.6, 32: 0.3, 64: 0.1},
        "mixed (8-256 GPUs)": {8: 0.5, 32: 0.25, 128: 0.15, 256: 0.1},
        "gang-heavy (8-512 GPUs)": {8: 0.4, 64: 0.3, 256: 0.2, 512: 0.1},
    }
    loads = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    control_spec = {
        "cluster": lk.Steps("GPUs in the cluster", [256, 512, 1024, 2048], 1024),
        "mix": lk.Choice("Job sizes (share of jobs per gang size)", list(mixes), "gang-heavy (8-512 GPUs)"),
        "load": lk.Steps("Offered load: GPU-hours asked / GPU-hours available", loads, 0.8),
        "backfill": lk.Switch("Backfill: smaller jobs may pass a blocked gang if they do not delay its start", False),
        "preemption": lk.Switch("Preemption: high-priority jobs evict the youngest low-priority jobs", False),
        "high_share": lk.Steps("Share of jobs in the high-priority band", [0.0, 0.1, 0.2, 0.4], 0.2),
    }
    return control_spec, loads, mixes


@app.cell
def _(control_spec):
    controls = lk.controls(control_spec)
    return (controls,)


@app.cell(hide_code=True)
def _(controls):
    lk.panel(controls)
    return


@app.cell
def _(mixes):
    seed, warmup_share = 7, 0.25
    lengths_per_run = 60  # arrivals span up to ~60 mean job lengths at full load, enough for a steady queue
    mean_job_h = 4.0      # mean job length (exponential); a scenario input, not a measurement
    checkpoint_h = 0.5    # evicted jobs lose the work since their last half-hourly checkpoint ...
    restart_h = 10 / 60   # ... and spend ten minutes restarting (the chapter's preemption example)

    @functools.lru_cache(maxsize=256)
    def simulate(cluster, mix_name, load, backfill, preemption, high_share):
        """A seeded event simulation of gang scheduling (pure Python): every job starts only when all its GPUs
        are free. The same seed gives the same jobs for every policy, so policies are compared on one workload."""
        rng = random.Random(seed)
        sizes = [min(s, cluster) for s in mixes[mix_name]]
        weights = list(mixes[mix_name].values())
        mean_size = sum(s * w for s, w in zip(sizes, weights)) / sum(weights)
        # enough jobs to refill the cluster many times over (capped to keep a control change quick); the same
        # count at every load keeps the jobs identical across the chart
        n_jobs = max(400, min(1500, round(lengths_per_run * cluster / mean_size)))
        # stratified draws (exact size shares, evenly spaced exponential quantiles, then shuffled) keep the
        # realized load close to the offered load, so the policies' differences are not sampling noise
        def quantiles(mean):
            values = [-mean * math.log(1 - (k + 0.5) / n_jobs) for k in range(n_jobs)]
            rng.shuffle(values)
            return values

        counts = [round(w / sum(weights) * n_jobs) for w in weights]
        counts[0] += n_jobs - sum(counts)
        job_sizes = [s for s, c in zip(sizes, counts) for _ in range(c)]
        rng.shuffle(job_sizes)
        raw = list(zip(quantiles(1.0), job_sizes, quantiles(mean_job_h), (rng.random() for _ in range(n_jobs))))
        # stretch the arrival times so the jobs ask for exactly `load` of the cluster over the arrival window
        horizon = sum(size * hours for _, size, hours, _ in raw) / (cluster * load)
        scale = horizon / sum(gap for gap, *_ in raw)
        jobs, t = [], 0.0
        for i, (gap, size, hours, u) in enumerate(raw):
            t += gap * scale
            jobs.append({"id": i, "arrive": t, "size": size, "hours": hours, "left": hours, "high": u < high_share,
                         "start": None, "run_start": 0.0, "version": 0, "evictions": 0})
        # measure after a warm-up (the cluster starts empty) and before arrivals stop (no drain at the end)
        warm = warmup_share * horizon
        state = {"free": cluster, "now": 0.0, "busy": 0.0, "wasted": 0.0, "last": 0.0}
        running, queue, ends = {}, [], []

        def advance(to):
            lo, hi = max(warm, min(state["last"], horizon)), min(to, horizon)
            if hi > lo:
                state["busy"] += (cluster - state["free"]) * (hi - lo)
            state["last"] = state["now"] = to

        def start(job):
            state["free"] -= job["size"]
            job["run_start"] = state["now"]
            job["start"] = state["now"] if job["start"] is None else job["start"]
            job["version"] += 1
            running[job["id"]] = job
            heapq.heappush(ends, (state["now"] + job["left"], job["id"], job["version"]))

        def enqueue(job):
            # the queue stays sorted: priority band first, then arrival (insertion, not a re-sort per event)
            bisect.insort(queue, job, key=lambda j: (not j["high"], j["arrive"], j["id"]))

        def evict_for(head):
            """Youngest low-priority jobs first, only if that frees enough GPUs for the whole gang."""
            victims, got = [], state["free"]
            for job in sorted((r for r in running.values() if not r["high"]), key=lambda r: -r["run_start"]):
                if got >= head["size"]:
                    break
                victims.append(job)
                got += job["size"]
            if got < head["size"]:
                return False
            for job in victims:
                ran = state["now"] - job["run_start"]
                lost = ran % checkpoint_h
                job["left"] += lost + restart_h - ran
                if warm <= state["now"] <= horizon:
                    state["wasted"] += job["size"] * (lost + restart_h)
                job["evictions"] += 1
                job["version"] += 1
                state["free"] += job["size"]
                del running[job["id"]]
                enqueue(job)
            return True

        def schedule():
            while queue:
                head = queue[0]
                if head["size"] <= state["free"] or (preemption and head["high"] and evict_for(head)):
                    queue.remove(head)
                    start(head)
                    continue
                if backfill:
                    # EASY backfill: the head's reservation starts when enough running jobs have ended
                    avail, shadow = state["free"], state["now"]
                    for end, size in sorted((r["run_start"] + r["left"], r["size"]) for r in running.values()):
                        avail, shadow = avail + size, end
                        if avail >= head["size"]:
                            break
                    spare = avail - head["size"]
                    for job in list(queue[1:]):
                        if job["size"] > state["free"]:
                            continue
                        if state["now"] + job["left"] <= shadow or job["size"] <= spare:
                            if state["now"] + job["left"] > shadow:
                                spare -= job["size"]
                            queue.remove(job)
                            start(job)
                break

        arrivals = 0
        while arrivals < n_jobs or ends:
            while ends and (ends[0][1] not in running or running[ends[0][1]]["version"] != ends[0][2]):
                heapq.heappop(ends)
            next_end = ends[0][0] if ends else float("inf")
            next_arrival = jobs[arrivals]["arrive"] if arrivals < n_jobs else float("inf")
            if next_end == next_arrival == float("inf"):
                break
            if next_end <= next_arrival:
                _, job_id, _ = heapq.heappop(ends)
                advance(next_end)
                state["free"] += running.pop(job_id)["size"]
            else:
                advance(next_arrival)
                enqueue(jobs[arrivals])
                arrivals += 1
            schedule()
        capacity = cluster * (horizon - warm)
        return {"busy": state["busy"] / capacity, "useful": (state["busy"] - state["wasted"]) / capacity,
                "wasted": state["wasted"] / capacity, "horizon_h": horizon,
                "jobs": tuple((j["size"], j["high"], j["start"] - j["arrive"], j["hours"], j["evictions"]) for j in jobs)}

    def waits(result, keep):
        chosen = sorted(w for size, high, w, _, _ in result["jobs"] if keep(size, high))
        if not chosen:
            return None
        return {"n": len(chosen), "mean": sum(chosen) / len(chosen), "p90": chosen[int(0.9 * (len(chosen) - 1))]}

    return checkpoint_h, restart_h, simulate, waits


@app.cell
def _(controls, loads, mixes, simulate):
    params = controls.value
    notes = []
    _too_big = [s for s in mixes[params["mix"]] if s > params["cluster"]]
    if _too_big:
        notes.append(f"Gangs of {', '.join(map(str, _too_big))} GPUs do not fit a {params['cluster']}-GPU cluster; "
                     f"they are cut to {params['cluster']} GPUs (the whole cluster).")
    if params["preemption"] and params["high_share"] == 0:
        notes.append("With no high-priority jobs there is nobody to preempt for, so preemption changes nothing; "
                     "raise the high-priority share to see it act.")
    sweep = {bf: [simulate(params["cluster"], params["mix"], x, bf, params["preemption"], params["high_share"])
                  for x in loads] for bf in (False, True)}
    current = sweep[params["backfill"]][loads.index(params["load"])]
    other = sweep[not params["backfill"]][loads.index(params["load"])]
    return current, notes, other, params, sweep


@app.cell(hide_code=True)
def _(notes):
    lk.adjusted(notes)
    return


@app.cell(hide_code=True)
def _(current, loads, params, sweep):
    _pct = lambda xs: [100 * x for x in xs]  # noqa: E731
    lk.line_chart({"first come, first served": (_pct(loads), _pct([r["useful"] for r in sweep[False]])),
                   "with backfill": (_pct(loads), _pct([r["useful"] for r in sweep[True]])),
                   "offered load (ideal)": (_pct(loads), _pct(loads))},
                  x_title="Offered load (%)", y_title="Useful GPU-hours (% of the cluster)",
                  current=(100 * params["load"], 100 * current["useful"], "now"),
                  title=f"{params['cluster']:,} GPUs, {params['mix']}, preemption {'on' if params['preemption'] else 'off'}")
    return


@app.cell(hide_code=True)
def _(current, mixes, other, params, waits):
    _flip = "without backfill" if params["backfill"] else "with backfill"
    _groups = [(f"{min(s, params['cluster'])}-GPU jobs", (lambda s0: lambda size, high: size == min(s0, params["cluster"]))(s))
               for s in mixes[params["mix"]]]
    _groups += [("high-priority band", lambda size, high: high), ("all jobs", lambda size, high: True)]
    _rows, _seen = [], set()
    for _name, _keep in _groups:
        if _name in _seen:
            continue
        _seen.add(_name)
        _w, _o = waits(current, _keep), waits(other, _keep)
        if _w is None:
            continue
        _rows.append({"jobs": _name, "count": _w["n"], "mean wait": lk.fmt_time(_w["mean"] * 3600),
                      "90th percentile wait": lk.fmt_time(_w["p90"] * 3600),
                      f"mean wait {_flip}": lk.fmt_time(_o["mean"] * 3600)})
    lk.table(_rows, caption=f"Queueing delay by job size at {lk.fmt_pct(params['load'], 0)} offered load "
                            f"(one seeded workload of {len(current['jobs'])} jobs)")
    return


@app.cell(hide_code=True)
def _(checkpoint_h, current, params, restart_h, waits):
    _price = ms.assumptions.GPU_HOUR_PRICE_USD
    _short = params["load"] - current["useful"]
    _idle_usd_day = (1 - current["busy"]) * params["cluster"] * 24 * _price
    _all = waits(current, lambda size, high: True)
    # a few points of shortfall are sampling noise of one seeded workload; more means the queue keeps growing
    _hit = _short > 0.04 or _all["mean"] > 4
    if _short > 0.04:
        _headline = (f"head-of-line blocking: users ask for {lk.fmt_pct(params['load'], 0)} of the GPU-hours, the "
                     f"cluster delivers {lk.fmt_pct(current['useful'])} of useful work, and the queue grows")
    elif _all["mean"] > 4:
        _headline = f"queueing: the cluster keeps up, but jobs wait {lk.fmt_time(_all['mean'] * 3600)} on average"
    else:
        _headline = (f"the cluster keeps up: {lk.fmt_pct(current['useful'])} useful, mean wait "
                     f"{lk.fmt_time(_all['mean'] * 3600)}")
    lk.limit(
        _hit,
        _headline,
        f"Useful utilization = (busy GPU-hours − GPU-hours lost to preemption) / (GPUs × hours) = "
        f"{lk.fmt_pct(current['busy'])} − {lk.fmt_pct(current['wasted'])}. A gang starts only when all its GPUs are "
        "free, so while a large job waits at the head of a first-come-first-served queue the GPUs freed by finishing "
        "jobs stay idle. Backfill lets a later job use them if it ends before the gang's reserved start or uses GPUs "
        "the gang will not need (EASY backfill, with honest run-time limits). Preemption starts high-priority jobs at "
        f"once, but each evicted job loses its work since the last {checkpoint_h * 60:.0f}-minute checkpoint plus a "
        f"{restart_h * 60:.0f}-minute restart. Idle GPUs here cost about {lk.fmt_count(_idle_usd_day, 'USD')} a day "
        f"at MLSys·im's dated price of {_price:.2f} USD per GPU-hour.",
        f"offered load = Σ gang size × hours / (GPUs × window) = {params['load']:.2f}\n"
        f"delivered   = {current['useful']:.3f} useful + {current['wasted']:.3f} redone after eviction\n"
        f"idle cost   = (1 − {current['busy']:.3f}) × {params['cluster']} GPUs × 24 h × {_price:.2f} USD "
        f"= {_idle_usd_day:,.0f} USD/day",
    )
    return


@app.cell(hide_code=True)
def _(prediction, prediction_spec, simulate):
    _useful = simulate(1024, "gang-heavy (8-512 GPUs)", 0.9, False, False, 0.2)["useful"]
    _backfilled = simulate(1024, "gang-heavy (8-512 GPUs)", 0.9, True, False, 0.2)["useful"]
    lk.reveal(prediction_spec, prediction,
              lk.closest({"about 90%: it keeps up": 0.9, "about 80%": 0.8, "about 65%": 0.65, "under 50%": 0.45},
                         _useful),
              f"{lk.fmt_pct(_useful)} of the GPU-hours do useful work, so the queue grows without bound; with "
              f"backfill the same jobs use {lk.fmt_pct(_backfilled)}",
              "The gap is head-of-line blocking: GPUs freed while a 512-GPU gang gathers its allocation stay idle.")
    return


@app.cell(hide_code=True)
def _():
    lk.reflections([
        ("Switch the mix to mostly small jobs. Why does backfill barely matter there, and why does it matter so much "
         "for the gang-heavy mix?",
         "Small jobs fit into whatever GPUs are free, so the head of the queue is rarely blocked and few GPUs idle. A "
         "512-GPU gang at the head must wait for half the cluster to drain; without backfill every GPU freed in the "
         "meantime idles, and with backfill short jobs fill those holes without delaying the gang."),
        ("Turn preemption on. Who gains, who pays, and why are some busy GPU-hours no longer useful?",
         "High-priority jobs stop waiting; low-priority jobs, evicted youngest first, redo the work since their last "
         "checkpoint and spend a restart, and their waits grow. Those redone GPU-hours keep GPUs busy without moving "
         "any job forward (the limit box counts them separately), which is why schedulers give evicted jobs a grace "
         "period to checkpoint and preempt young, small jobs first."),
    ])
    return


if __name__ == "__main__":
    app.run()
