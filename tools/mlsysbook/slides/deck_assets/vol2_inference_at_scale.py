"""Volume II, Inference at Scale: one Llama 3 70B replica as the fleet's unit, and the fleet built from it.

The scenario is the chapter's (book/vol2/inference_at_scale/inference_at_scale.qmd): a chat service on Llama 3 70B,
replicas of 8 H100s (one DGX H100, tensor parallelism 8), 2,048-token prompts, 512-token answers, a 50 ms TPOT and
a 1 s p99 TTFT objective. Every quantity is computed with the same engine calls and formulas as the chapter's own
cell (ms.serve, ms.simulate_queue, ms.kv_cache_bytes, ms.cloud_price), so slide and chapter print the same values.
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import GB, _comma, _ink, _plt, _sig, figure, hw, mdl, number

MODEL, HW, TP = "Llama-3-70B", "H100-SXM", 8
PROMPT, OUT = 2048, 512
TPOT_SLO_S, TTFT_SLO_S = 0.050, 1.0
TIGHT_MS = 25                      # the chapter's tight TPOT objective for the disaggregation comparison
SLOS_MS = (15, 20, 25, 30, 40, 50, 60, 75, 100)
PREFIX = 1536                      # shared system prompt and tool descriptions, out of PROMPT
PEAK_RPS, PEAK_TO_TROUGH, PEAK_HOUR = 150.0, 3.0, 15   # scenario: the daily demand curve
STARTUP_MIN = 10.0                 # scenario: node allocation, container start, weight load, warm-up
DRAFT, GAMMA, ALPHA = "Llama-3-8B", 4, 0.8             # speculative decoding: drafter, drafted tokens, acceptance
RAG_PROMPT, RAG_OUT = 6000, 200    # the check question: a retrieval product with long prompts, short answers

M = mdl(MODEL)
H100 = hw(HW)
DGX = ms.node("DGX-H100")
IB, PCIE = DGX.inter_link, ms.interconnect("PCIe5")
PRICE = ms.cloud_price(H100)


def serve70(b: int, prompt: int = PROMPT, out: int = OUT):
    return ms.serve(MODEL, HW, b, prompt, out, n_devices=TP)


def colocated_step(s) -> float:
    """A continuously batched decode step plus its share of the prefills that replace finished requests."""
    return s.tpot_s + s.prefill_per_token_s * s.batch * s.prompt_len / s.output_len


@functools.cache
def sweep() -> dict:
    runs = {}
    for b in range(8, 513, 8):
        try:
            runs[b] = serve70(b)
        except ms.DoesNotFitError:
            break
    return runs


def largest_batch(slo_s: float, step) -> int | None:
    fits = [b for b, s in sweep().items() if step(s) <= slo_s]
    return max(fits) if fits else None


@functools.cache
def one():
    return serve70(1)


def rep_b() -> int:
    return largest_batch(TPOT_SLO_S, colocated_step)


def rep():
    return sweep()[rep_b()]


def rep_tok() -> float:
    return rep().continuous_tokens_per_s


def rep_rps() -> float:
    return rep_tok() / OUT


def rep_cost() -> float:
    return TP * PRICE / (rep_tok() * 3600) * 1e6


# ------------------------------------------------------------ the load limit (queue simulator)
@functools.cache
def queue_runs() -> dict:
    rates = [round(rep_rps() * f, 3) for f in (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.95, 0.98, 1.0)]
    return {r: ms.simulate_queue(rep(), r, n_requests=1500, seed=1, max_concurrency=rep_b()) for r in rates}


def slo_rate() -> float:
    return max(r for r, q in queue_runs().items() if q.ttft_p99_s <= TTFT_SLO_S)


def over_rate() -> float:
    return next(r for r in queue_runs() if r > slo_rate())


# ------------------------------------------------------------ disaggregation


def prefill_req_s() -> float:
    return one().prefill_per_token_s * PROMPT


def colo_goodput(slo_s: float):
    b = largest_batch(slo_s, colocated_step)
    return (b, sweep()[b].continuous_tokens_per_s / OUT / TP) if b else (None, None)


def disagg_goodput(slo_s: float):
    b = largest_batch(slo_s, lambda s: s.tpot_s)
    if b is None:
        return None, None, None
    dec_rps = b / (sweep()[b].tpot_s * (OUT - 1))
    pre_rps = 1 / prefill_req_s()
    return b, 1 / (TP / dec_rps + TP / pre_rps), dec_rps / pre_rps


def kv_req() -> float:
    return ms.kv_cache_bytes(MODEL, 1, PROMPT)


def kv_xfer_s() -> float:
    return kv_req() / (TP * IB.bandwidth_bytes_per_s)


# ------------------------------------------------------------ prefix reuse
def ttft_suffix() -> float:
    return serve70(1, prompt=PROMPT - PREFIX).ttft_s


def prefix_kv() -> float:
    return ms.kv_cache_bytes(MODEL, 1, PREFIX)


# ------------------------------------------------------------ the diurnal day
AMP = (PEAK_TO_TROUGH - 1) / (PEAK_TO_TROUGH + 1)
MEAN_RPS = PEAK_RPS / (1 + AMP)
DEMAND = [MEAN_RPS * (1 + AMP * math.cos(2 * math.pi * (h + 0.5 - PEAK_HOUR) / 24)) for h in range(24)]


def replicas_auto() -> list[int]:
    return [math.ceil(d / slo_rate()) for d in DEMAND]


def replicas_static() -> int:
    return math.ceil(PEAK_RPS / slo_rate())


def gpu_h_static() -> float:
    return replicas_static() * TP * 24


def gpu_h_auto() -> float:
    return sum(r * TP for r in replicas_auto())


TOKENS_DAY = sum(d * 3600 * OUT for d in DEMAND)
RAMP_RPS_PER_H = max(DEMAND[i + 1] - DEMAND[i] for i in range(23))
LEAD_RPS = RAMP_RPS_PER_H * STARTUP_MIN / 60


# ------------------------------------------------------------ speculative decoding (the chapter's forward-pass model)
CTX = PROMPT + OUT // 2


def forward_s(b: int, k: int, s) -> float:
    """One 70B forward pass over k tokens for each of b sequences; k=1 reproduces the engine's decode step."""
    bw, peak = s.effective_bw_bytes_per_s, s.effective_peak_flops
    lin_flop = 2.0 * b * k * M.matmul_params
    att_flop = k * b * (M.flops_per_token(CTX) - 2.0 * M.matmul_params)
    kv = b * CTX * M.kv_bytes_per_token("bf16")
    comm = 2 * M.layers * ms.collective("all_reduce", b * k * M.hidden * 2, TP, DGX.intra_link).time_s
    return max(M.weight_bytes("bf16") / bw, lin_flop / peak) + max(kv / bw, att_flop / peak) + comm


def expected_tokens(alpha: float, gamma: int) -> float:
    return (1 - alpha ** (gamma + 1)) / (1 - alpha)


@functools.cache
def draft_tpot(b: int) -> float:
    return ms.serve(DRAFT, HW, b, PROMPT, OUT, n_devices=TP).tpot_s


def spec_speedup(b: int, alpha: float = ALPHA) -> float:
    s = serve70(b)
    return expected_tokens(alpha, GAMMA) * s.tpot_s / (GAMMA * draft_tpot(b) + forward_s(b, GAMMA + 1, s))


# ------------------------------------------------------------ cost per million output tokens
COST_CFGS = (("Llama-3-8B", "H100-SXM", 1, "bf16"), ("Llama-3-70B", "H100-SXM", 4, "bf16"),
             ("Llama-3-70B", "H100-SXM", 8, "bf16"), ("Llama-3-70B", "H100-SXM", 8, "fp8"),
             ("Llama-3-70B", "A100-80GB", 8, "bf16"), ("Llama-3.1-405B", "H100-SXM", 8, "fp8"))


@functools.cache
def best_at_slo(model: str, hw_name: str, n: int, dtype: str):
    best = None
    for b in range(8, 2049, 8):
        try:
            s = ms.serve(model, hw_name, b, PROMPT, OUT, dtype=dtype, n_devices=n)
        except ms.DoesNotFitError:
            break
        if colocated_step(s) <= TPOT_SLO_S:
            best = s
    return best


def cost_per_m(cfg) -> float:
    model, hw_name, n, dtype = cfg
    s = best_at_slo(*cfg)
    return n * ms.cloud_price(hw_name) / (s.continuous_tokens_per_s * 3600) * 1e6


# ------------------------------------------------------------ the check question: long prompts, short answers
@functools.cache
def rag():
    return serve70(rep_b(), prompt=RAG_PROMPT, out=RAG_OUT)


# ------------------------------------------------------------ numbers
number("v2is-prompt")(lambda: _comma(PROMPT))
number("v2is-out")(lambda: str(OUT))
number("v2is-tp")(lambda: str(TP))
number("v2is-tpot-slo-ms")(lambda: _comma(TPOT_SLO_S * 1e3))
number("v2is-ttft-slo-s")(lambda: f"{TTFT_SLO_S:g}")
number("v2is-price")(lambda: f"{PRICE:.2f}")
number("v2is-price-date")(lambda: str(A.GPU_HOUR_PRICE_AS_OF))
number("v2is-rep-usd-h")(lambda: _comma(TP * PRICE, 2))
number("v2is-kv-token-kb")(lambda: _comma(M.kv_bytes_per_token("bf16") / 1e3))
number("v2is-replica-mem-gb")(lambda: _comma(TP * H100.memory_bytes / GB))
number("v2is-max-conc")(lambda: _comma(one().max_concurrency))

# The batch limit
number("v2is-prefill-req-ms")(lambda: _comma(prefill_req_s() * 1e3, 1))
number("v2is-rep-prefill-req-ms")(lambda: _comma(rep().prefill_per_token_s * PROMPT * 1e3, 1))
number("v2is-rep-b")(lambda: str(rep_b()))
number("v2is-rep-b-over-out")(lambda: f"{rep_b() / OUT:.4f}")
number("v2is-rep-tpot-ms")(lambda: _comma(rep().tpot_s * 1e3, 1))
number("v2is-rep-share-ms")(lambda: _comma((colocated_step(rep()) - rep().tpot_s) * 1e3, 1))
number("v2is-rep-step-ms")(lambda: _comma(colocated_step(rep()) * 1e3, 1))
number("v2is-b256-step-ms")(lambda: _comma(colocated_step(sweep()[256]) * 1e3, 1))
number("v2is-rep-hand-tok")(lambda: _comma(rep_b() / colocated_step(rep())))
number("v2is-rep-tok")(lambda: _comma(rep_tok()))
number("v2is-rep-rps")(lambda: f"{rep_rps():.2f}")
number("v2is-rep-mtok-h")(lambda: f"{rep_tok() * 3600 / 1e6:.2f}")
number("v2is-rep-cost")(lambda: f"{rep_cost():.2f}")
number("v2is-b1-tok")(lambda: _comma(one().continuous_tokens_per_s))
number("v2is-b1-cost")(lambda: f"{TP * PRICE / (one().continuous_tokens_per_s * 3600) * 1e6:.0f}")

# The load limit
number("v2is-slo-rate")(lambda: f"{slo_rate():.2f}")
number("v2is-slo-load-pct")(lambda: _comma(100 * slo_rate() / rep_rps()))
number("v2is-slo-ttft-p99-ms")(lambda: _comma(queue_runs()[slo_rate()].ttft_p99_s * 1e3))
number("v2is-over-load-pct")(lambda: _comma(100 * over_rate() / rep_rps()))
number("v2is-over-ttft-s")(lambda: f"{queue_runs()[over_rate()].ttft_p99_s:.1f}")
number("v2is-slo-mean-s")(lambda: f"{queue_runs()[slo_rate()].mean_s:.1f}")
number("v2is-slo-little")(lambda: f"{slo_rate() * queue_runs()[slo_rate()].mean_s:.0f}")
number("v2is-slo-batch")(lambda: f"{queue_runs()[slo_rate()].mean_batch:.0f}")
number("v2is-finish-gap-ms")(lambda: _comma(1e3 / rep_rps()))

# Disaggregation at the tight objective
number("v2is-tight")(lambda: str(TIGHT_MS))
number("v2is-tb-c")(lambda: str(colo_goodput(TIGHT_MS / 1e3)[0]))
number("v2is-tg-c")(lambda: f"{colo_goodput(TIGHT_MS / 1e3)[1]:.2f}")
number("v2is-tb-d")(lambda: str(disagg_goodput(TIGHT_MS / 1e3)[0]))
number("v2is-tb-d-tpot-ms")(lambda: _comma(sweep()[disagg_goodput(TIGHT_MS / 1e3)[0]].tpot_s * 1e3, 1))
number("v2is-dec-rps")(lambda: f"{disagg_goodput(TIGHT_MS / 1e3)[0] / (sweep()[disagg_goodput(TIGHT_MS / 1e3)[0]].tpot_s * (OUT - 1)):.1f}")
number("v2is-pre-rps")(lambda: f"{1 / prefill_req_s():.1f}")
number("v2is-t-ratio")(lambda: f"{disagg_goodput(TIGHT_MS / 1e3)[2]:.2f}")
number("v2is-tg-d")(lambda: f"{disagg_goodput(TIGHT_MS / 1e3)[1]:.2f}")
number("v2is-tight-gain")(lambda: f"{disagg_goodput(TIGHT_MS / 1e3)[1] / colo_goodput(TIGHT_MS / 1e3)[1]:.2f}")
number("v2is-loose-c")(lambda: f"{colo_goodput(0.100)[1]:.2f}")
number("v2is-loose-d")(lambda: f"{disagg_goodput(0.100)[1]:.2f}")
number("v2is-kv-req-gb")(lambda: f"{kv_req() / GB:.2f}")
number("v2is-ib-gbs")(lambda: _comma(IB.bandwidth_bytes_per_s / GB))
number("v2is-kv-xfer-ms")(lambda: f"{kv_xfer_s() * 1e3:.2f}")
number("v2is-kv-xfer-pct")(lambda: f"{100 * kv_xfer_s() / prefill_req_s():.1f}")

# Prefix reuse and the KV hierarchy
number("v2is-prefix")(lambda: _comma(PREFIX))
number("v2is-suffix")(lambda: _comma(PROMPT - PREFIX))
number("v2is-ttft-full-ms")(lambda: _comma(one().ttft_s * 1e3, 1))
number("v2is-ttft-suffix-ms")(lambda: _comma(ttft_suffix() * 1e3, 1))
number("v2is-ttft-hand-ms")(lambda: _comma(one().ttft_s * (PROMPT - PREFIX) / PROMPT * 1e3, 1))
number("v2is-prefix-saved-pct")(lambda: _comma(100 * (1 - ttft_suffix() / one().ttft_s)))
number("v2is-prefix-kv-gb")(lambda: f"{prefix_kv() / GB:.2f}")
number("v2is-hbm-fetch-ms")(lambda: f"{prefix_kv() / (TP * H100.memory_bw_bytes_per_s) * 1e3:.2f}")
number("v2is-host-fetch-ms")(lambda: f"{prefix_kv() / (TP * PCIE.bandwidth_bytes_per_s) * 1e3:.2f}")
number("v2is-ib-fetch-ms")(lambda: f"{prefix_kv() / (TP * IB.bandwidth_bytes_per_s) * 1e3:.2f}")
number("v2is-recompute-ms")(lambda: _comma((one().ttft_s - ttft_suffix()) * 1e3, 1))
number("v2is-hbm-tbs")(lambda: f"{H100.memory_bw_bytes_per_s / 1e12:.2f}")
number("v2is-pcie-gbs")(lambda: _comma(PCIE.bandwidth_bytes_per_s / GB))
number("v2is-tb-tokens-m")(lambda: f"{1e12 / M.kv_bytes_per_token('bf16') / 1e6:.1f}")

# The diurnal day and the cold start
number("v2is-peak-rps")(lambda: _comma(PEAK_RPS))
number("v2is-trough-rps")(lambda: _comma(PEAK_RPS / PEAK_TO_TROUGH))
number("v2is-ptt")(lambda: f"{PEAK_TO_TROUGH:g}")
number("v2is-replicas-static")(lambda: str(replicas_static()))
number("v2is-gpus-static")(lambda: _comma(replicas_static() * TP))
number("v2is-replicas-min")(lambda: str(min(replicas_auto())))
number("v2is-replicas-max")(lambda: str(max(replicas_auto())))
number("v2is-gpu-h-static")(lambda: _comma(gpu_h_static()))
number("v2is-gpu-h-auto")(lambda: _comma(gpu_h_auto()))
number("v2is-saving-pct")(lambda: _comma(100 * (1 - gpu_h_auto() / gpu_h_static())))
number("v2is-cpm-static")(lambda: f"{gpu_h_static() * PRICE / TOKENS_DAY * 1e6:.2f}")
number("v2is-cpm-auto")(lambda: f"{gpu_h_auto() * PRICE / TOKENS_DAY * 1e6:.2f}")
number("v2is-freed-gpu-h")(lambda: _comma(gpu_h_static() - gpu_h_auto()))
number("v2is-w-per-gpu-gb")(lambda: f"{M.weight_bytes('bf16') / TP / GB:.1f}")
number("v2is-load-pcie-s")(lambda: f"{M.weight_bytes('bf16') / TP / PCIE.bandwidth_bytes_per_s:.2f}")
number("v2is-startup-min")(lambda: f"{STARTUP_MIN:g}")
number("v2is-ramp")(lambda: _comma(RAMP_RPS_PER_H))
number("v2is-lead-rps")(lambda: f"{LEAD_RPS:.1f}")
number("v2is-lead-replicas")(lambda: str(math.ceil(LEAD_RPS / slo_rate())))

# Speculative decoding
number("v2is-gamma")(lambda: str(GAMMA))
number("v2is-alpha")(lambda: f"{ALPHA:g}")
number("v2is-e-tok")(lambda: f"{expected_tokens(ALPHA, GAMMA):.2f}")
number("v2is-t1-ms")(lambda: f"{serve70(1).tpot_s * 1e3:.2f}")
number("v2is-d1-ms")(lambda: f"{draft_tpot(1) * 1e3:.2f}")
number("v2is-v1-ms")(lambda: f"{forward_s(1, GAMMA + 1, serve70(1)) * 1e3:.2f}")
number("v2is-sp1")(lambda: f"{spec_speedup(1):.2f}")
number("v2is-t64-ms")(lambda: f"{serve70(64).tpot_s * 1e3:.1f}")
number("v2is-v64-ms")(lambda: f"{forward_s(64, GAMMA + 1, serve70(64)) * 1e3:.1f}")
number("v2is-sp64")(lambda: f"{spec_speedup(64):.2f}")

# Cost per million output tokens at the TPOT objective
for _cfg in COST_CFGS:
    _key = f"{_cfg[0].split('-', 1)[1].lower().replace('.', '')}-{_cfg[1].split('-')[0].lower()}-{_cfg[2]}-{_cfg[3]}"
    number(f"v2is-cost-{_key}")(lambda c=_cfg: f"{cost_per_m(c):.2f}")
    number(f"v2is-batch-{_key}")(lambda c=_cfg: str(best_at_slo(*c).batch))

# The check question: 8,000-token prompts, 200-token answers, at the chat replica's batch
number("v2is-rag-prompt")(lambda: _comma(RAG_PROMPT))
number("v2is-rag-out")(lambda: str(RAG_OUT))
number("v2is-rag-per-step")(lambda: f"{rep_b() / RAG_OUT:.2f}")
number("v2is-rag-tpot-ms")(lambda: _comma(rag().tpot_s * 1e3, 1))
number("v2is-rag-share-ms")(lambda: _comma((colocated_step(rag()) - rag().tpot_s) * 1e3, 1))
number("v2is-rag-share-ratio")(lambda: f"{(colocated_step(rag()) - rag().tpot_s) / (colocated_step(rep()) - rep().tpot_s):.0f}")
number("v2is-rag-pre-per-dec")(lambda: f"{rag().prefill_per_token_s * RAG_PROMPT * rep_b() / (rag().tpot_s * (RAG_OUT - 1)):.1f}")


# ------------------------------------------------------------ figures
@figure("fig-v2is-batch")
def _fig_batch():
    plt = _plt()
    runs = sweep()
    bs = list(runs)
    fig, ax = plt.subplots()
    ax.plot(bs, [runs[b].tpot_s * 1e3 for b in bs], "--", color="C0", label="decode step only")
    ax.plot(bs, [colocated_step(runs[b]) * 1e3 for b in bs], "-", color="C0", label="decode + prefill share")
    ax.axhline(TPOT_SLO_S * 1e3, ls=":", color=_ink(), lw=1)
    ax.plot([rep_b()], [colocated_step(rep()) * 1e3], "o", color="C3", ms=8)
    ax.text(bs[-1], TPOT_SLO_S * 1e3 + 2, f"TPOT objective {TPOT_SLO_S * 1e3:.0f} ms", ha="right", fontsize=8,
            color=_ink())
    ax.set_xlabel("concurrent sequences in the batch")
    ax.set_ylabel("time per output token (ms)")
    ax2 = ax.twinx()
    ax2.plot(bs, [runs[b].continuous_tokens_per_s for b in bs], "-", color="C1", label="tokens/s (right)")
    ax2.set_ylabel("output tokens/s per replica")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper left")
    return fig


@figure("fig-v2is-goodput")
def _fig_goodput():
    plt = _plt()
    colo = {s: colo_goodput(s / 1e3)[1] for s in SLOS_MS}
    dis = {s: disagg_goodput(s / 1e3)[1] for s in SLOS_MS}
    fig, ax = plt.subplots()
    xs_c = [s for s in SLOS_MS if colo[s]]
    xs_d = [s for s in SLOS_MS if dis[s]]
    ax.plot(xs_c, [colo[s] for s in xs_c], "o-", color="C0", label="colocated (continuous batching)")
    ax.plot(xs_d, [dis[s] for s in xs_d], "s-", color="C2", label="disaggregated prefill / decode")
    ax.axvline(TIGHT_MS, ls=":", color=_ink(), lw=0.8)
    ax.set_xlabel("TPOT objective (ms)")
    ax.set_ylabel("goodput (requests/s per GPU)")
    ax.legend(fontsize=8, loc="lower right")
    return fig


@figure("fig-v2is-diurnal")
def _fig_diurnal():
    plt = _plt()
    hours = list(range(24))
    fig, ax = plt.subplots()
    ax.bar(hours, replicas_auto(), color="C0", alpha=0.8, label="replicas needed (autoscaled)")
    ax.axhline(replicas_static(), ls="--", color=_ink(), lw=1, label="static fleet sized for the peak")
    ax.set_xlabel("hour of day")
    ax.set_ylabel("replicas (8 H100s each)")
    ax.set_ylim(0, replicas_static() * 1.3)
    ax2 = ax.twinx()
    ax2.plot(hours, DEMAND, "-", color="C1", lw=2, label="demand (requests/s, right)")
    ax2.set_ylabel("requests/s")
    ax2.set_ylim(0, PEAK_RPS * 1.3)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left")
    return fig
