"""Volume II, Distributed Training: data, ZeRO, tensor, pipeline, context and expert parallelism and their layouts.

Same scenarios and engine calls as book/vol2/distributed_training/distributed_training.qmd: Llama 3 8B data
parallel on 64 H100s (256 x 8,192 tokens, ZeRO-1), Llama 3 70B under ZeRO 0-3 over 64 GPUs (1 x 4,096 tokens,
selective recomputation), one tensor-parallel layer of Llama 3 70B (8,192 tokens, TP 8), the reference layout
TP 8 x PP 4 x DP 32 on 1,024 H100s (512 x 8,192 tokens), the layout sweep, and Llama 3.1 405B's published layout.
"""
from __future__ import annotations

import functools

import mlsysim as ms

from ..assets import GB, MB, TB, _ink, _plt, _sig, figure, hw, mdl, number

NVL, IB = ms.interconnect("NVLink4"), ms.interconnect("IB-NDR")
DP8, SEQ, TP = 64, 8192, 8
ZDP = 64
N_GPU, GLOBAL = 1024, 512
REF = dict(tp=8, pp=4, dp=32, zero_stage=1, recompute="selective", sp=True)
# The check question (chapter exercise 2): 8 stages, 32 micro-batches, 4 virtual stages.
Q_P, Q_M, Q_V = 8, 32, 4
# ... and exercise 1: a 13B model on 32 data-parallel GPUs.
Q_MODEL, Q_DP = "Llama-2-13B", 32


def _peak() -> float:
    return hw("H100-SXM").peak_flops("bf16")


# ------------------------------------------------------------ data parallelism
def grad8() -> float:
    return 2 * mdl("Llama-3-8B").params


@functools.cache
def ar8():
    return ms.collective("all_reduce", grad8(), DP8, IB)


def ar8_hand() -> float:
    return 2 * (DP8 - 1) / DP8 * grad8() / IB.bandwidth_bytes_per_s


@functools.cache
def step8():
    return ms.train_step(mdl("Llama-3-8B"), "DGX-H100", DP8, 256, SEQ, dp=DP8, zero_stage=1, recompute="selective")


# ------------------------------------------------------------ ZeRO
@functools.cache
def zero(stage: int, model: str = "Llama-3-70B", dp: int = ZDP):
    return ms.training_memory(mdl(model), 1, 4096, zero_stage=stage, dp=dp, recompute="selective")


def state_bytes(mem) -> float:
    return mem.weights_bytes + mem.grads_bytes + mem.optimizer_bytes


def zero_hand(stage: int, params: float, d: int) -> float:
    return (16 * params, 4 * params + 12 * params / d, 2 * params + 14 * params / d, 16 * params / d)[stage]


# ------------------------------------------------------------ tensor parallelism
def act_bytes() -> float:
    return SEQ * mdl("Llama-3-70B").hidden * 2


def tp_ar_hand() -> float:
    return 2 * (TP - 1) / TP * act_bytes() / NVL.bandwidth_bytes_per_s


@functools.cache
def tp_ar(link: str):
    return ms.collective("all_reduce", act_bytes(), TP, ms.interconnect(link))


def layer_s() -> float:
    return 6 * mdl("Llama-3-70B").params_per_layer * SEQ / TP / _peak()


# ------------------------------------------------------------ the reference layout
@functools.cache
def s_ref(virtual_stages: int = 1):
    return ms.train_step(mdl("Llama-3-70B"), "DGX-H100", N_GPU, GLOBAL, SEQ, virtual_stages=virtual_stages, **REF)


def bubble_engine(s) -> float:
    work = s.compute_s + s.tp_comm_s + s.pp_comm_s + s.ep_comm_s + s.cp_comm_s
    return s.bubble_s / work


@functools.cache
def s_tp16():
    return ms.train_step(mdl("Llama-3-70B"), "DGX-H100", N_GPU, GLOBAL, SEQ, tp=16, pp=4, dp=16, zero_stage=1,
                         recompute="selective", sp=True, check_memory=False)


@functools.cache
def layouts():
    found = []
    for t in (1, 2, 4, 8):
        for p in (1, 2, 4, 8, 16):
            d = N_GPU // (t * p)
            if GLOBAL % d:
                continue
            for z in (1, 3):
                for rc in ("selective", "full"):
                    try:
                        s = ms.train_step(mdl("Llama-3-70B"), "DGX-H100", N_GPU, GLOBAL, SEQ, tp=t, pp=p, dp=d,
                                          zero_stage=z, recompute=rc, sp=t > 1)
                    except ms.DoesNotFitError:
                        continue
                    found.append(dict(tp=t, pp=p, dp=d, zero=z, rc=rc, mfu=s.mfu))
    return sorted(found, key=lambda r: -r["mfu"])


def _ref_rank() -> int:
    return next(i for i, r in enumerate(layouts()) if (r["tp"], r["pp"], r["zero"], r["rc"]) == (8, 4, 1, "selective")) + 1


# ------------------------------------------------------------ Llama 3.1 405B
@functools.cache
def big_step(virtual_stages: int, recompute: str):
    return ms.train_step(mdl("Llama-3.1-405B"), "DGX-H100", 16384, 2048, 8192, tp=8, pp=16, dp=128, zero_stage=1,
                         sp=True, allow_uneven_pipeline=True, check_memory=False, virtual_stages=virtual_stages,
                         recompute=recompute)


BIG_SETTINGS = (("2 interleaved, selective", 2, "selective"), ("1F1B, selective", 1, "selective"),
                ("2 interleaved, full", 2, "full"), ("1F1B, full", 1, "full"))


def _big_best_fit():
    fits = [(label, big_step(v, rc)) for label, v, rc in BIG_SETTINGS if big_step(v, rc).fits]
    return max(fits, key=lambda r: r[1].mfu) if fits else None


def _pct(x: float) -> str:
    return _sig(100 * x, 2)


# data parallelism
number("v2dt-n8-b")(lambda: f"{mdl('Llama-3-8B').params / 1e9:.1f}")
number("v2dt-grad8-gb")(lambda: f"{grad8() / GB:.1f}")
number("v2dt-ib-gbs")(lambda: _sig(IB.bandwidth_bytes_per_s / GB))
number("v2dt-nvl-gbs")(lambda: _sig(NVL.bandwidth_bytes_per_s / GB))
number("v2dt-nvl-over-ib")(lambda: _sig(NVL.bandwidth_bytes_per_s / IB.bandwidth_bytes_per_s, 2))
number("v2dt-ar8-hand-ms")(lambda: _sig(ar8_hand() * 1e3))
number("v2dt-ar8-ms")(lambda: _sig(ar8().time_s * 1e3))
number("v2dt-ar8-eff")(lambda: _pct(ar8_hand() / ar8().time_s))
number("v2dt-step8-micro")(lambda: str(step8().n_micro_batches))
number("v2dt-step8-compute-ms")(lambda: _sig(step8().compute_s * 1e3))
number("v2dt-ar8-vs-step")(lambda: _pct(ar8().time_s / step8().compute_s))
number("v2dt-step8-exposed-ms")(lambda: _sig(step8().dp_comm_exposed_s * 1e3, 2))
number("v2dt-step8-hidden")(lambda: _pct(1 - step8().dp_comm_exposed_s / step8().dp_comm_s))
number("v2dt-step8-mfu")(lambda: _pct(step8().mfu))

# ZeRO
number("v2dt-n70-b")(lambda: f"{mdl('Llama-3-70B').params / 1e9:.1f}")
number("v2dt-state70-tb")(lambda: f"{16 * mdl('Llama-3-70B').params / TB:.2f}")
for _z in range(4):
    number(f"v2dt-z{_z}-hand-gb")(lambda z=_z: _sig(zero_hand(z, mdl("Llama-3-70B").params, ZDP) / GB))
    number(f"v2dt-z{_z}-gb")(lambda z=_z: _sig(state_bytes(zero(z)) / GB))
number("v2dt-z3-total-gb")(lambda: _sig(zero(3).total_bytes / GB))
number("v2dt-zero-reduction")(lambda: _sig(state_bytes(zero(0)) / state_bytes(zero(3)), 2))
number("v2dt-act70-gb")(lambda: _sig(zero(0).activations_bytes / GB))
number("v2dt-z3-fits")(lambda: "fits" if zero(3).total_bytes <= hw("H100-SXM").memory_bytes else "does not fit")

# tensor parallelism
number("v2dt-hidden")(lambda: f"{mdl('Llama-3-70B').hidden:,}".replace(",", "{,}"))
number("v2dt-act-mb")(lambda: _sig(act_bytes() / MB))
number("v2dt-tp-ar-hand-us")(lambda: _sig(tp_ar_hand() * 1e6))
number("v2dt-tp-ar-us")(lambda: _sig(tp_ar("NVLink4").time_s * 1e6))
number("v2dt-layers70")(lambda: str(mdl("Llama-3-70B").layers))
number("v2dt-tp-mb-ms")(lambda: _sig(4 * mdl("Llama-3-70B").layers * tp_ar("NVLink4").time_s * 1e3))
number("v2dt-layer-ms")(lambda: f"{layer_s() * 1e3:.1f}")
number("v2dt-tp-ar-ib-us")(lambda: _sig(tp_ar("IB-NDR").time_s * 1e6))
number("v2dt-tp-ib-over-nvl")(lambda: _sig(tp_ar("IB-NDR").time_s / tp_ar("NVLink4").time_s, 2))

# the reference layout and its bubble
number("v2dt-m-micro")(lambda: str(s_ref().n_micro_batches))
number("v2dt-bubble-hand")(lambda: f"{100 * 3 / s_ref().n_micro_batches:.1f}")
number("v2dt-bubble-eng")(lambda: f"{100 * bubble_engine(s_ref()):.1f}")
number("v2dt-bubble-hand-v2")(lambda: f"{100 * 3 / (2 * s_ref().n_micro_batches):.1f}")
number("v2dt-bubble-eng-v2")(lambda: f"{100 * bubble_engine(s_ref(2)):.1f}")
number("v2dt-ref-mfu")(lambda: _pct(s_ref().mfu))
number("v2dt-ref-v2-mfu")(lambda: _pct(s_ref(2).mfu))
number("v2dt-ref-step")(lambda: f"{s_ref().step_time_s:.2f}")
number("v2dt-ref-compute")(lambda: f"{s_ref().compute_s:.2f}")
number("v2dt-ref-bubble-ms")(lambda: _sig(s_ref().bubble_s * 1e3))
number("v2dt-ref-tp-ms")(lambda: _sig(s_ref().tp_comm_s * 1e3))
number("v2dt-ref-mem-gb")(lambda: _sig(s_ref().memory.total_bytes / GB))
number("v2dt-ref-v2-mem-gb")(lambda: _sig(s_ref(2).memory.total_bytes / GB))
number("v2dt-tp16-mfu")(lambda: _pct(s_tp16().mfu))

# the layout search
number("v2dt-n-fit")(lambda: str(len(layouts())))
number("v2dt-best-name")(lambda: "TP {tp} $\\times$ PP {pp} $\\times$ DP {dp}, ZeRO-{zero}, {rc}".format(**layouts()[0]))
number("v2dt-best-mfu")(lambda: _pct(layouts()[0]["mfu"]))
number("v2dt-worst-mfu")(lambda: _pct(layouts()[-1]["mfu"]))
number("v2dt-ref-rank")(lambda: str(_ref_rank()))

# Llama 3.1 405B
number("v2dt-big-state-hand")(lambda: f"{(4 + 12 / 128) * mdl('Llama-3.1-405B').params / 128 / GB:.1f}")
number("v2dt-big-state-engine")(lambda: f"{state_bytes(big_step(2, 'selective').memory) / GB:.1f}")
number("v2dt-big-best-label")(lambda: _big_best_fit()[0] if _big_best_fit() else "none")
number("v2dt-big-best-mfu")(lambda: _pct(_big_best_fit()[1].mfu) if _big_best_fit() else "--")
for _label, _v, _rc in BIG_SETTINGS:
    _key = f"v{_v}-{_rc}"
    number(f"v2dt-big-{_key}-gb")(lambda v=_v, rc=_rc: _sig(big_step(v, rc).memory.total_bytes / GB))
    number(f"v2dt-big-{_key}-fits")(lambda v=_v, rc=_rc: "yes" if big_step(v, rc).fits else "no")
    number(f"v2dt-big-{_key}-mfu")(lambda v=_v, rc=_rc: _pct(big_step(v, rc).mfu))
    number(f"v2dt-big-{_key}-bubble")(lambda v=_v, rc=_rc: _pct(big_step(v, rc).bubble_s / big_step(v, rc).step_time_s))

# the check question
number("v2dt-q-bubble-1f1b")(lambda: f"{100 * (Q_P - 1) / Q_M:.1f}")
number("v2dt-q-bubble-v4")(lambda: f"{100 * (Q_P - 1) / (Q_V * Q_M):.1f}")
number("v2dt-q-m-needed")(lambda: str(Q_V * Q_M))
for _z in range(4):
    number(f"v2dt-q-z{_z}-hand-gb")(lambda z=_z: _sig(zero_hand(z, mdl(Q_MODEL).params, Q_DP) / GB))
    number(f"v2dt-q-z{_z}-gb")(lambda z=_z: _sig(state_bytes(zero(z, Q_MODEL, Q_DP)) / GB))


# ------------------------------------------------------------ figures
@figure("fig-v2dt-zero")
def _fig_zero():
    plt = _plt()
    stages = range(4)
    parts = (("weights", "weights_bytes"), ("gradients", "grads_bytes"), ("optimizer", "optimizer_bytes"),
             ("activations", "activations_bytes"))
    fig, ax = plt.subplots()
    width = 0.2
    for k, (label, attr) in enumerate(parts):
        ax.bar([z + (k - 1.5) * width for z in stages], [getattr(zero(z), attr) / GB for z in stages], width=width,
               label=label)
    ax.axhline(hw("H100-SXM").memory_bytes / GB, color=_ink(), ls="--", label="H100 (80 GB)")
    ax.set_xticks(list(stages))
    ax.set_xticklabels([f"ZeRO-{z}" for z in stages])
    ax.set_ylabel("GB per GPU (Llama 3 70B, 64 GPUs)")
    ax.set_yscale("log")
    ax.legend(fontsize=7, ncol=2)
    return fig


@figure("fig-v2dt-bubble")
def _fig_bubble():
    plt = _plt()
    fig, ax = plt.subplots()
    for p in (4, 8, 16):
        d = N_GPU // (8 * p)
        xs, ys = [], []
        for gbatch in (128, 256, 512, 1024, 2048, 4096):
            if gbatch % d:
                continue
            try:
                s = ms.train_step(mdl("Llama-3-70B"), "DGX-H100", N_GPU, gbatch, SEQ, tp=8, pp=p, dp=d, zero_stage=1,
                                  recompute="selective", sp=True)
            except ms.DoesNotFitError:
                continue
            xs.append(gbatch * SEQ / 1e6)
            ys.append(100 * s.mfu)
        ax.plot(xs, ys, "o-", label=f"PP {p} x DP {d}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("global batch (million tokens)")
    ax.set_ylabel("modelled MFU (%)")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2dt-sweep")
def _fig_sweep():
    plt = _plt()
    top = layouts()[:20]
    colours = {1: "C0", 2: "C1", 4: "C2", 8: "C3", 16: "C4"}
    fig, ax = plt.subplots()
    ax.barh(range(len(top)), [100 * r["mfu"] for r in top], color=[colours[r["pp"]] for r in top])
    ax.set_yticks(range(len(top)))
    ax.set_yticklabels([f"TP{r['tp']} PP{r['pp']} DP{r['dp']} Z{r['zero']} {r['rc'][:3]}" for r in top], fontsize=6)
    ax.invert_yaxis()
    for p, c in colours.items():
        if any(r["pp"] == p for r in top):
            ax.barh([], [], color=c, label=f"PP {p}")
    ax.set_xlabel("modelled MFU (%)")
    ax.legend(fontsize=7, loc="lower right")
    return fig
