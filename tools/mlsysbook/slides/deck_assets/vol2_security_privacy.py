"""Volume II, Security and Privacy: the price of each defence for one private fine-tune.

The scenario is the chapter's (book/vol2/security_privacy/security_privacy.qmd): Llama 3.1 8B fine-tuned on
2 million private 512-token records on one DGX H100 with DP-SGD (expected batch 4,096, 3 epochs, sigma 1,
delta 1e-8). Step times come from ms.time_to_train and epsilon from mlsysim.privacy, the accountant the chapter
and the lab call (Renyi DP of the sampled Gaussian mechanism at integer orders, Mironov, Talwar and Zhang 2019;
conversion by Mironov 2017, Prop. 3), and the ghost-clipping and confidential-computing terms use the
chapter's formulas and published overheads, so slide and chapter print the same values.
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms
from mlsysim import assumptions as A
from mlsysim.privacy import dp_epsilon, dp_epsilon_tight, noise_for_epsilon

from ..assets import _ink, _plt, _sci, _sig, figure, hw, mdl, number

# ------------------------------------------------------------ the scenario (the chapter's inputs)
LLM = mdl("Llama-3.1-8B")
NODE, N_GPU = "DGX-H100", 8
N_RECORDS, SEQ, EPOCHS = 2_000_000, 512, 3
BATCH, SIGMA, DELTA = 4096, 1.0, 1e-8
Q = BATCH / N_RECORDS
STEPS = EPOCHS * N_RECORDS / BATCH
RHO_GHOST = (2 + 4 + 4) / 6         # forward 2 + backward 4 + the ghost-norm backward 4, per parameter and token
PEAK = hw("H100-SXM").peak_flops("bf16")
PRICE = A.GPU_HOUR_PRICE_USD
EPS_TARGET, FIXED_STEPS = 2.0, 1000  # the batch-size trade-off: a privacy target and an optimiser's step count
BATCH_SWEEP = (512, 1024, 2048, 4096, 8192, 16384, 32768)
CC_TRAIN = (0.18, 0.32)              # training throughput lost in confidential mode (Tinfoil 2026, as the chapter)
CC_INFER = 0.07                      # inference overhead below 7% on H100 for most LLM queries (Zhu et al. 2024)
PGD_K = 7                            # PGD steps per adversarial-training step (Madry et al. 2018), the chapter's k
VICTIM_TOKENS, STOLEN_TOKENS = 15e12, 1e9   # Llama 3.1 8B's pre-training tokens; the attacker's distillation set


def _eps() -> tuple[float, int]:
    return dp_epsilon(Q, SIGMA, STEPS, DELTA)


def _train(tokens: float, batch: int, seq: int = SEQ, n_gpu: int = N_GPU, zero: int = 3):
    return ms.time_to_train(LLM, tokens, NODE, n_devices=n_gpu, global_batch=batch, seq_len=seq, zero_stage=zero)


@functools.cache
def fine_tune():
    return _train(EPOCHS * N_RECORDS * SEQ, BATCH)


def dp_step_s(step, rho: float) -> float:
    """Step time with per-example clipping: compute scaled by rho, plus one more elementwise pass for the noise."""
    return step.compute_s * rho + step.exposed_comm_s + step.bubble_s + 2 * step.optimizer_s


def _gpu_hours() -> float:
    return fine_tune().seconds / 3600 * N_GPU


def _dp_gpu_hours() -> float:
    return fine_tune().steps * dp_step_s(fine_tune().step, RHO_GHOST) / 3600 * N_GPU


# Napkin: the k = 2 term of the sum at the accountant's best order, by hand.
def _first_term() -> float:
    alpha = _eps()[1]
    return math.comb(alpha, 2) * Q * Q * (math.exp(1 / SIGMA ** 2) - 1)


def _rdp_hand() -> float:
    return math.log1p(_first_term()) / (_eps()[1] - 1)


def _eps_hand_compose() -> float:
    return STEPS * _rdp_hand()


def _eps_hand_convert() -> float:
    return math.log(1 / DELTA) / (_eps()[1] - 1)


@functools.cache
def batch_row(b: int) -> dict:
    """One point of the batch trade-off at EPS_TARGET and FIXED_STEPS: the sigma it needs and what it costs."""
    sig = noise_for_epsilon(EPS_TARGET, b / N_RECORDS, FIXED_STEPS, DELTA)
    run = _train(FIXED_STEPS * b * SEQ, b)
    gh = FIXED_STEPS * dp_step_s(run.step, RHO_GHOST) / 3600 * N_GPU
    return dict(batch=b, sigma=sig, noise=sig / b, epochs=FIXED_STEPS * b / N_RECORDS, gpu_hours=gh, cost=gh * PRICE)


LO, HI = 1024, 8192


@functools.cache
def big_batch() -> dict:
    """The fine-tune with 8x the batch at the same steps and the same epsilon: less noise in every update."""
    b = 8 * BATCH
    sig = noise_for_epsilon(_eps()[0], b / N_RECORDS, STEPS, DELTA)
    run = _train(STEPS * b * SEQ, b)
    gh = run.steps * dp_step_s(run.step, RHO_GHOST) / 3600 * N_GPU
    return dict(batch=b, sigma=sig, gpu_hours=gh, noise_ratio=(SIGMA / BATCH) / (sig / b))


def _cc_gpu_hours(f: float) -> float:
    return _dp_gpu_hours() / (1 - f)


# Extraction economics: a billion distillation tokens against the victim's pre-training.
@functools.cache
def victim():
    return _train(VICTIM_TOKENS, 1024, seq=8192, n_gpu=1024, zero=1)


@functools.cache
def victim_serving():
    return ms.serve(LLM, "H100-SXM", batch=64, prompt_len=200, output_len=500)


@functools.cache
def distill():
    return _train(STOLEN_TOKENS, 256, seq=700)


def _serve_gh() -> float:
    return STOLEN_TOKENS / victim_serving().tokens_per_s / 3600


def _victim_fpt() -> float:
    return ms.training_flop(LLM, 1.0, seq_len=8192)


def _usd(x: float) -> str:
    return f"{x:,.0f}".replace(",", "{,}")


# ------------------------------------------------------------ numbers
number("v2sp-records")(lambda: _usd(N_RECORDS))
number("v2sp-seq")(lambda: str(SEQ))
number("v2sp-epochs")(lambda: str(EPOCHS))
number("v2sp-batch")(lambda: _usd(BATCH))
number("v2sp-sigma")(lambda: f"{SIGMA:.1f}")
number("v2sp-q")(lambda: f"{Q:.5f}")
number("v2sp-steps")(lambda: _usd(STEPS))
number("v2sp-eps")(lambda: f"{_eps()[0]:.2f}")
number("v2sp-alpha")(lambda: str(_eps()[1]))
number("v2sp-binom")(lambda: str(math.comb(_eps()[1], 2)))
number("v2sp-e-term")(lambda: f"{math.exp(1 / SIGMA ** 2) - 1:.3f}")
number("v2sp-first-term")(lambda: _sci(_first_term(), 2))
number("v2sp-rdp-hand")(lambda: _sci(_rdp_hand(), 2))
number("v2sp-eps-compose")(lambda: f"{_eps_hand_compose():.3f}")
number("v2sp-ln-inv-delta")(lambda: f"{math.log(1 / DELTA):.2f}")
number("v2sp-eps-convert")(lambda: f"{_eps_hand_convert():.2f}")
number("v2sp-eps-hand")(lambda: f"{_eps_hand_compose() + _eps_hand_convert():.2f}")
number("v2sp-convert-share")(lambda: f"{100 * _eps_hand_convert() / (_eps_hand_compose() + _eps_hand_convert()):.0f}")
number("v2sp-eps-tight")(lambda: f"{dp_epsilon_tight(Q, SIGMA, STEPS, DELTA):.2f}")
number("v2sp-eps-2b")(lambda: f"{dp_epsilon(2 * Q, SIGMA, STEPS / 2, DELTA)[0]:.2f}")
number("v2sp-eps-2b-ratio")(lambda: f"{dp_epsilon(2 * Q, SIGMA, STEPS / 2, DELTA)[0] / _eps()[0]:.2f}")
number("v2sp-eps-30ep")(lambda: f"{dp_epsilon(Q, SIGMA, 10 * STEPS, DELTA)[0]:.2f}")

# The GPU bill of the private fine-tune
number("v2sp-tokens-g")(lambda: f"{EPOCHS * N_RECORDS * SEQ / 1e9:.2f}")
number("v2sp-params-b")(lambda: f"{LLM.params / 1e9:.2f}")
number("v2sp-flop-tok-g")(lambda: f"{ms.training_flop(LLM, 1.0, seq_len=SEQ) / 1e9:.1f}")
number("v2sp-peak")(lambda: f"{PEAK / 1e12:.0f}")
number("v2sp-mfu")(lambda: f"{100 * fine_tune().step.mfu:.1f}")
number("v2sp-hand-hours")(lambda: f"{EPOCHS * N_RECORDS * SEQ * ms.training_flop(LLM, 1.0, seq_len=SEQ) / (N_GPU * PEAK * fine_tune().step.mfu) / 3600:.1f}")
number("v2sp-eng-hours")(lambda: f"{fine_tune().seconds / 3600:.1f}")
number("v2sp-comm-share")(lambda: f"{100 * fine_tune().step.exposed_comm_s / fine_tune().step.step_time_s:.0f}")
number("v2sp-rho")(lambda: f"{RHO_GHOST:.2f}")
number("v2sp-dp-hours")(lambda: f"{_dp_gpu_hours() / N_GPU:.1f}")
number("v2sp-gpu-hours")(lambda: _usd(_gpu_hours()))
number("v2sp-dp-gpu-hours")(lambda: _usd(_dp_gpu_hours()))
number("v2sp-cost")(lambda: _usd(_gpu_hours() * PRICE))
number("v2sp-dp-cost")(lambda: _usd(_dp_gpu_hours() * PRICE))
number("v2sp-dp-ratio")(lambda: f"{_dp_gpu_hours() / _gpu_hours():.2f}")
number("v2sp-price")(lambda: f"{PRICE:.2f}")
number("v2sp-price-date")(lambda: str(A.GPU_HOUR_PRICE_AS_OF))
number("v2sp-pgd-k")(lambda: str(PGD_K))
number("v2sp-pgd-gpu-hours")(lambda: _usd((PGD_K + 1) * _gpu_hours()))
number("v2sp-lira-gpu-hours")(lambda: _usd(64 * _gpu_hours()))

# Batch size, noise and compute at a fixed epsilon and step count
number("v2sp-eps-target")(lambda: f"{EPS_TARGET:.0f}")
number("v2sp-fixed-steps")(lambda: _usd(FIXED_STEPS))
for _tag, _b in (("lo", LO), ("hi", HI)):
    number(f"v2sp-b-{_tag}")(lambda b=_b: _usd(b))
    number(f"v2sp-sig-{_tag}")(lambda b=_b: f"{batch_row(b)['sigma']:.2f}")
    number(f"v2sp-ep-{_tag}")(lambda b=_b: f"{batch_row(b)['epochs']:.2f}")
    number(f"v2sp-gh-{_tag}")(lambda b=_b: _usd(batch_row(b)["gpu_hours"]))
number("v2sp-noise-ratio")(lambda: f"{batch_row(LO)['noise'] / batch_row(HI)['noise']:.1f}")
number("v2sp-gh-ratio")(lambda: f"{batch_row(HI)['gpu_hours'] / batch_row(LO)['gpu_hours']:.1f}")
number("v2sp-batch-ratio")(lambda: f"{HI / LO:.0f}")
number("v2sp-big-noise-ratio")(lambda: f"{big_batch()['noise_ratio']:.1f}")
number("v2sp-big-sigma")(lambda: f"{big_batch()['sigma']:.2f}")
number("v2sp-big-cost")(lambda: _usd(big_batch()["gpu_hours"] * PRICE))

# Confidential computing: published throughput losses applied to the engine's time
number("v2sp-cc-lo")(lambda: f"{100 * CC_TRAIN[0]:.0f}")
number("v2sp-cc-hi")(lambda: f"{100 * CC_TRAIN[1]:.0f}")
number("v2sp-cc-infer")(lambda: f"{100 * CC_INFER:.0f}")
number("v2sp-cc-mult-lo")(lambda: f"{1 / (1 - CC_TRAIN[0]):.2f}")
number("v2sp-cc-mult-hi")(lambda: f"{1 / (1 - CC_TRAIN[1]):.2f}")
number("v2sp-cc-extra-lo")(lambda: _usd((_cc_gpu_hours(CC_TRAIN[0]) - _dp_gpu_hours()) * PRICE))
number("v2sp-cc-extra-hi")(lambda: _usd((_cc_gpu_hours(CC_TRAIN[1]) - _dp_gpu_hours()) * PRICE))

# Extraction economics
number("v2sp-victim-fpt")(lambda: f"{_victim_fpt() / 1e9:.1f}")
number("v2sp-victim-mfu")(lambda: f"{victim().step.mfu:.2f}")
number("v2sp-victim-hand-gh")(lambda: _usd(VICTIM_TOKENS * _victim_fpt() / (PEAK * victim().step.mfu) / 3600))
number("v2sp-victim-gh")(lambda: _usd(victim().gpu_hours))
number("v2sp-victim-cost-m")(lambda: f"{victim().gpu_hours * PRICE / 1e6:.1f}")
number("v2sp-serve-tps")(lambda: _usd(victim_serving().tokens_per_s))
number("v2sp-serve-cost")(lambda: _usd(_serve_gh() * PRICE))
number("v2sp-distill-gh")(lambda: _usd(distill().gpu_hours))
number("v2sp-distill-cost")(lambda: _usd(distill().gpu_hours * PRICE))
number("v2sp-steal-ratio")(lambda: _usd(victim().gpu_hours / (_serve_gh() + distill().gpu_hours)))


# ------------------------------------------------------------ figures
@figure("fig-v2sp-epsilon")
def _fig_epsilon():
    plt = _plt()
    fig, ax = plt.subplots()
    epochs = (0.25, 0.5, 1, 2, 3, 5, 8, 12, 20, 30)
    for sig in (0.6, 0.8, 1.0, 1.5):
        ax.plot(epochs, [dp_epsilon(Q, sig, e * N_RECORDS / BATCH, DELTA)[0] for e in epochs], "-o", ms=3,
                label=f"$\\sigma$ = {sig}")
    ax.axhline(8, ls=":", color=_ink(), lw=1)
    ax.axvline(EPOCHS, ls="--", color=_ink(), lw=0.8, label="the scenario: 3 epochs")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("epochs of DP-SGD (batch 4,096 of 2 million records)")
    ax.set_ylabel("privacy loss $\\varepsilon$ at $\\delta = 10^{-8}$")
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2sp-batch")
def _fig_batch():
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8.5, 3.6))
    rows = [batch_row(b) for b in BATCH_SWEEP]
    bs = [r["batch"] for r in rows]
    ax1.loglog(bs, [r["noise"] for r in rows], "-o", ms=3, color="C0", label="noise in the update, $\\sigma/B$")
    ax1.set_xscale("log", base=2)
    ax1.set_xlabel("expected batch size B")
    ax1.set_ylabel("$\\sigma / B$ (units of the clip norm C)")
    ax1b = ax1.twinx()
    ax1b.plot(bs, [r["sigma"] for r in rows], "--s", ms=3, color="C1", label="noise multiplier $\\sigma$")
    ax1b.set_ylabel("noise multiplier $\\sigma$")
    h1, l1 = ax1.get_legend_handles_labels()
    h2, l2 = ax1b.get_legend_handles_labels()
    ax1.legend(h1 + h2, l1 + l2, fontsize=7, loc="lower left")
    ax2.loglog(bs, [r["gpu_hours"] for r in rows], "-o", ms=3, color="C3")
    ax2.set_xscale("log", base=2)
    ax2.set_xlabel("expected batch size B")
    ax2.set_ylabel("GPU-hours (DGX H100, ghost clipping)")
    return fig


@figure("fig-v2sp-price")
def _fig_price():
    plt = _plt()
    fig, ax = plt.subplots()
    cc_mid = _cc_gpu_hours(sum(CC_TRAIN) / 2)
    labels = ("non-private", "DP-SGD\n(ghost clipping)", "DP-SGD +\nconfidential\ncomputing", "DP-SGD, 8x batch\n(same steps, same ε)")
    values = [_gpu_hours() * PRICE, _dp_gpu_hours() * PRICE, cc_mid * PRICE, big_batch()["gpu_hours"] * PRICE]
    bars = ax.bar(labels, values, color=["C4", "C1", "C3", "C0"])
    lo, hi = _cc_gpu_hours(CC_TRAIN[0]) * PRICE, _cc_gpu_hours(CC_TRAIN[1]) * PRICE
    ax.errorbar([2], [values[2]], yerr=[[values[2] - lo], [hi - values[2]]], fmt="none", ecolor=_ink(), capsize=4)
    for bar, v, top in zip(bars, values, (values[0], values[1], hi, values[3])):
        ax.text(bar.get_x() + bar.get_width() / 2, top, f"{v:,.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_ylabel(f"on-demand USD at {PRICE:.2f} per GPU-hour")
    ax.tick_params(axis="x", labelsize=7)
    return fig
