"""Volume II, Edge Intelligence: a federated round of MobileNetV2 on phones, split computing, training memory, OTA.

The scenario is the chapter's (book/vol2/edge_intelligence/edge_intelligence.qmd). The catalog has no phone SoC, so
the Raspberry Pi 5 stands in for a phone CPU, the Pi 4 for an older phone and the Jetson Orin Nano for a phone with a
neural accelerator, as in the chapter. Links are the median LTE throughput the chapter cites (13 Mbit/s down, 6 up);
the radio power, the poor uplink and the round trip are the chapter's illustrative inputs. Every quantity is computed
with the same engine calls and formulas as the chapter's cell (ms.edge_fit, ms.energy, the catalog's layer tables).
"""
from __future__ import annotations

import functools
import math

import mlsysim as ms
from mlsysim import assumptions as A

from ..assets import _comma, _ink, _plt, _sig, figure, hw, mdl, number

MB = 1e6
PHONE, OLD_PHONE, NPU_PHONE = "RPi5", "RPi4", "Jetson-Orin-Nano"
MODEL = "MobileNetV2"
DOWN_BPS, UP_BPS = 13e6, 6e6       # median LTE (Huang et al. 2012), as in the chapter
SLOW_UP_BPS = 1e6                  # a poor uplink, illustrative
FAST_UP_BPS = 50e6                 # a fast uplink for the split comparison, illustrative
RADIO_W = 2.0                      # radio power while transferring, illustrative
N_LOCAL, EPOCHS = 100, 2           # local examples and epochs per round
SAMPLES = N_LOCAL * EPOCHS
TRAIN_FACTOR = 3                   # forward + backward ~ 3 x forward FLOPs, as ms.training_flop assumes
TOPK = 0.01                        # top-1% sparsified update: int8 value + 32-bit index per kept entry
K, ROUNDS = 100, 2000              # clients per round, rounds per run
Q_SLOW = 0.10                      # fraction of devices that are stragglers
KS = (10, 20, 50, 100, 200, 500, 1000)
BATTERY_WH = 15.0
RTT_S = 0.05                       # round trip to the server, illustrative
FLEET = 100e6                      # devices receiving an over-the-air update
LORA_RANK = 16
SECAGG_EXPANSION = 1.73            # Bonawitz et al. (2017): 2^10 users, 2^20-entry vectors of 16-bit values

NET = mdl(MODEL)
P = NET.params
H_PHONE, H_OLD = hw(PHONE), hw(OLD_PHONE)


@functools.cache
def fit(name: str, device: str, dtype: str):
    return ms.edge_fit(name, device, dtype)


def model_bytes() -> float:
    return fit(MODEL, PHONE, "fp32").weights_bytes


def int8_bytes() -> float:
    return fit(MODEL, PHONE, "int8").weights_bytes


TOPK_BYTES = P * TOPK * (1 + 4)


def train_s(device: str = PHONE, dtype: str = "fp32") -> float:
    return TRAIN_FACTOR * fit(MODEL, device, dtype).latency_s * SAMPLES


def client_round(train: float, up_bytes: float, down_bytes: float | None = None, up: float = UP_BPS) -> dict:
    down_bytes = model_bytes() if down_bytes is None else down_bytes
    return {"download": down_bytes * 8 / DOWN_BPS, "train": train, "upload": up_bytes * 8 / up}


def r32() -> dict:
    return client_round(train_s(), model_bytes())


def r8() -> dict:
    return client_round(train_s(), int8_bytes())


def rtk() -> dict:
    return client_round(train_s(), TOPK_BYTES)


def rslow() -> dict:
    return client_round(train_s(OLD_PHONE), model_bytes(), up=SLOW_UP_BPS)


def tot(r: dict) -> float:
    return sum(r.values())


def client_energy(r: dict, train_w: float) -> dict:
    return {"compute": train_w * r["train"], "radio": RADIO_W * (r["download"] + r["upload"])}


def sync_round(k: int) -> float:
    return tot(r32()) + (tot(rslow()) - tot(r32())) * (1 - (1 - Q_SLOW) ** k)


# ------------------------------------------------------------ the whole run against a data centre
def run_energy_j() -> float:
    return ROUNDS * K * sum(client_energy(r32(), H_PHONE.tdp_w).values())


RUN_FLOP = ROUNDS * K * TRAIN_FACTOR * NET.flops_per_sample * SAMPLES
H100 = hw("H100-SXM")


def dc_s() -> float:
    return RUN_FLOP / (H100.peak_flops("bf16") * A.DEFAULT_MFU)


def dc_kwh() -> float:
    return ms.energy(H100.tdp_w * A.AVERAGE_POWER_FRACTION_OF_TDP, dc_s()) / 3.6e6


# ------------------------------------------------------------ split computing: ResNet-50, older phone + server GPU
SPLIT = mdl("ResNet-50")
LAYERS = SPLIT.cnn_layers
SERVER = hw("A100-80GB")
SUST_SERVER = SERVER.peak_flops("fp16") * A.SERVING_MATMUL_EFFICIENCY["datacenter"]
SUST_DEV = H_OLD.peak_flops("int8") * A.MATMUL_EFFICIENCY["edge"]
INPUT_BYTES = LAYERS[0].input_elements
TOTAL_MACS = sum(layer.macs for layer in LAYERS)


@functools.cache
def split_costs(up: float) -> list[dict]:
    """Latency and device energy when LAYERS[:i] run on the device (int8) and the rest on a server."""
    rows = []
    for i in range(len(LAYERS) + 1):
        dev_macs = sum(layer.macs for layer in LAYERS[:i])
        sent = INPUT_BYTES if i == 0 else (LAYERS[i - 1].output_elements if i < len(LAYERS) else 0)
        t_dev = 2 * dev_macs / SUST_DEV
        t_net = sent * 8 / up + (RTT_S if i < len(LAYERS) else 0.0)
        t_srv = 2 * (TOTAL_MACS - dev_macs) / SUST_SERVER
        rows.append({"split": i, "latency": t_dev + t_net + t_srv,
                     "energy": H_OLD.tdp_w * t_dev + RADIO_W * sent * 8 / up})
    return rows


def best_where(up: float) -> str:
    best = min(split_costs(up), key=lambda r: r["latency"])["split"]
    return "on the device" if best == len(LAYERS) else ("in the cloud" if best == 0 else f"after layer {best}")


# ------------------------------------------------------------ training memory on a device
def train_memory(model, weight_bytes: int = 4, act_bytes: int = 4, batch: int = 1) -> dict:
    """fp32 momentum SGD: weights, gradients, one optimizer state, and every layer's stored output."""
    w = model.params * weight_bytes
    acts = sum(layer.output_elements for layer in model.cnn_layers) * act_bytes * batch
    return {"weights": w, "gradients": w, "optimizer": w, "activations": acts}


KWS = mdl("DS-CNN-KWS")
MCU = hw("nRF52840")


def kws_train() -> float:
    return sum(train_memory(KWS).values())


def kws_infer() -> float:
    return fit("DS-CNN-KWS", "nRF52840", "int8").sram_bytes


# ------------------------------------------------------------ over-the-air updates
LLM = mdl("Llama-3.1-8B")
LORA_PARAMS = LLM.layers * LORA_RANK * ((LLM.hidden + LLM.q_dim) + (LLM.hidden + LLM.kv_dim))


# ------------------------------------------------------------ numbers
number("v2ei-params-m")(lambda: f"{P / 1e6:.2f}")
number("v2ei-fwd-gflop")(lambda: f"{NET.flops_per_sample / 1e9:.2f}")
number("v2ei-peak-spread")(lambda: _comma(round(hw(NPU_PHONE).peak_flops("int8") / MCU.peak_flops("int8"), -3)))
number("v2ei-mem-spread")(lambda: _comma(round(hw(NPU_PHONE).memory_bytes / MCU.memory_bytes, -3)))
number("v2ei-down-mbps")(lambda: f"{DOWN_BPS / 1e6:g}")
number("v2ei-up-mbps")(lambda: f"{UP_BPS / 1e6:g}")
number("v2ei-slow-up-mbps")(lambda: f"{SLOW_UP_BPS / 1e6:g}")
number("v2ei-fast-up-mbps")(lambda: f"{FAST_UP_BPS / 1e6:g}")
number("v2ei-radio-w")(lambda: f"{RADIO_W:g}")
number("v2ei-n-local")(lambda: str(N_LOCAL))
number("v2ei-epochs")(lambda: str(EPOCHS))
number("v2ei-samples")(lambda: str(SAMPLES))
number("v2ei-k")(lambda: str(K))
number("v2ei-rounds")(lambda: _comma(ROUNDS))

# Bytes of a round
number("v2ei-hand-model-mb")(lambda: f"{P * 4 / MB:.1f}")
number("v2ei-model-mb")(lambda: f"{model_bytes() / MB:.1f}")
number("v2ei-int8-mb")(lambda: f"{int8_bytes() / MB:.2f}")
number("v2ei-topk-pct")(lambda: f"{100 * TOPK:g}")
number("v2ei-topk-kb")(lambda: f"{TOPK_BYTES / 1e3:.0f}")
number("v2ei-server-round-gb")(lambda: f"{K * model_bytes() / 1e9:.1f}")
number("v2ei-run-ingress-tb")(lambda: f"{ROUNDS * K * model_bytes() / 1e12:.1f}")

# Seconds of a round
number("v2ei-peak-phone-g")(lambda: f"{H_PHONE.peak_flops('fp32') / 1e9:.1f}")
number("v2ei-eff-edge")(lambda: f"{A.MATMUL_EFFICIENCY['edge']:g}")
number("v2ei-hand-train-s")(lambda: f"{TRAIN_FACTOR * NET.flops_per_sample * SAMPLES / (H_PHONE.peak_flops('fp32') * A.MATMUL_EFFICIENCY['edge']):.1f}")
number("v2ei-fwd-ms")(lambda: f"{fit(MODEL, PHONE, 'fp32').latency_s * 1e3:.2f}")
number("v2ei-train-s")(lambda: f"{train_s():.1f}")
number("v2ei-train-old-s")(lambda: f"{train_s(OLD_PHONE):.1f}")
number("v2ei-train-npu-s")(lambda: f"{train_s(NPU_PHONE, 'fp16'):.2f}")
number("v2ei-dl-s")(lambda: f"{r32()['download']:.1f}")
number("v2ei-ul-s")(lambda: f"{r32()['upload']:.1f}")
number("v2ei-ul8-s")(lambda: f"{r8()['upload']:.1f}")
number("v2ei-round32-s")(lambda: f"{tot(r32()):.1f}")
number("v2ei-round8-s")(lambda: f"{tot(r8()):.1f}")
number("v2ei-roundtk-s")(lambda: f"{tot(rtk()):.1f}")
number("v2ei-ul-share")(lambda: f"{100 * r32()['upload'] / tot(r32()):.0f}")
number("v2ei-roundslow-s")(lambda: f"{tot(rslow()):.0f}")
number("v2ei-slow-ratio")(lambda: f"{tot(rslow()) / tot(r32()):.1f}")

# Stragglers
number("v2ei-q-pct")(lambda: f"{100 * Q_SLOW:.0f}")
number("v2ei-p-slow-10")(lambda: f"{100 * (1 - (1 - Q_SLOW) ** 10):.0f}")
number("v2ei-p-slow-k")(lambda: f"{100 * (1 - (1 - Q_SLOW) ** K):.3f}")
number("v2ei-over-select")(lambda: str(math.ceil(K / (1 - Q_SLOW) * 1.1)))
number("v2ei-wall-sync-days")(lambda: f"{tot(rslow()) * ROUNDS / 86400:.1f}")
number("v2ei-wall-quorum-days")(lambda: f"{tot(r32()) * ROUNDS / 86400:.1f}")

# Energy
number("v2ei-phone-tdp")(lambda: f"{H_PHONE.tdp_w:g}")
number("v2ei-e32-compute")(lambda: f"{client_energy(r32(), H_PHONE.tdp_w)['compute']:.0f}")
number("v2ei-e32-radio")(lambda: f"{client_energy(r32(), H_PHONE.tdp_w)['radio']:.0f}")
number("v2ei-e32-total")(lambda: f"{sum(client_energy(r32(), H_PHONE.tdp_w).values()):.0f}")
number("v2ei-e8-total")(lambda: f"{sum(client_energy(r8(), H_PHONE.tdp_w).values()):.0f}")
number("v2ei-battery-wh")(lambda: f"{BATTERY_WH:g}")
number("v2ei-battery-pct")(lambda: f"{100 * sum(client_energy(r32(), H_PHONE.tdp_w).values()) / (BATTERY_WH * 3600):.2f}")
number("v2ei-run-kwh")(lambda: f"{run_energy_j() / 3.6e6:.1f}")
number("v2ei-dc-min")(lambda: f"{dc_s() / 60:.1f}")
number("v2ei-dc-kwh")(lambda: f"{dc_kwh():.3f}")
number("v2ei-fl-vs-dc")(lambda: _comma(run_energy_j() / 3.6e6 / dc_kwh()))
number("v2ei-mfu")(lambda: f"{A.DEFAULT_MFU:g}")

# Split computing
number("v2ei-sm-gop")(lambda: f"{2 * TOTAL_MACS / 1e9:.1f}")
number("v2ei-old-int8-g")(lambda: f"{H_OLD.peak_flops('int8') / 1e9:g}")
number("v2ei-dev-only-hand-ms")(lambda: f"{2 * TOTAL_MACS / SUST_DEV * 1e3:.0f}")
number("v2ei-dev-only-ms")(lambda: f"{fit('ResNet-50', OLD_PHONE, 'int8').latency_s * 1e3:.0f}")
number("v2ei-input-kb")(lambda: f"{INPUT_BYTES / 1e3:.0f}")
number("v2ei-up-cloud-ms")(lambda: f"{INPUT_BYTES * 8 / UP_BPS * 1e3:.0f}")
number("v2ei-up-cloud-fast-ms")(lambda: f"{INPUT_BYTES * 8 / FAST_UP_BPS * 1e3:.0f}")
number("v2ei-rtt-ms")(lambda: f"{RTT_S * 1e3:.0f}")
number("v2ei-srv-ms")(lambda: f"{2 * TOTAL_MACS / SUST_SERVER * 1e3:.2f}")
number("v2ei-cloud-slow-ms")(lambda: f"{split_costs(UP_BPS)[0]['latency'] * 1e3:.0f}")
number("v2ei-cloud-fast-ms")(lambda: f"{split_costs(FAST_UP_BPS)[0]['latency'] * 1e3:.0f}")
number("v2ei-first-out-kb")(lambda: f"{LAYERS[0].output_elements / 1e3:.0f}")
number("v2ei-grow-factor")(lambda: f"{LAYERS[0].output_elements / INPUT_BYTES:.1f}")
number("v2ei-best-slow")(lambda: best_where(UP_BPS))
number("v2ei-best-fast")(lambda: best_where(FAST_UP_BPS))
number("v2ei-dev-energy-mj")(lambda: _comma(split_costs(UP_BPS)[-1]["energy"] * 1e3))
number("v2ei-cloud-energy-mj")(lambda: _comma(split_costs(UP_BPS)[0]["energy"] * 1e3))

# Training memory
number("v2ei-kws-params")(lambda: _comma(KWS.params))
number("v2ei-kws-infer-kb")(lambda: f"{kws_infer() / 1e3:.0f}")
number("v2ei-kws-wgo-kb")(lambda: f"{3 * KWS.params * 4 / 1e3:.0f}")
number("v2ei-kws-acts-kb")(lambda: f"{train_memory(KWS)['activations'] / 1e3:.0f}")
number("v2ei-kws-train-kb")(lambda: f"{kws_train() / 1e3:.0f}")
number("v2ei-kws-ratio")(lambda: f"{kws_train() / kws_infer():.1f}")
number("v2ei-mcu-sram-kb")(lambda: f"{MCU.sram_bytes / 1024:.0f}")

# Privacy and over-the-air updates
number("v2ei-secagg-in-mb")(lambda: f"{P * 2 / MB:.1f}")
number("v2ei-secagg-out-mb")(lambda: f"{P * 2 * SECAGG_EXPANSION / MB:.1f}")
number("v2ei-ota-int8-tb")(lambda: f"{FLEET * int8_bytes() / 1e12:.0f}")
number("v2ei-llm-b")(lambda: f"{LLM.params / 1e9:.2f}")
number("v2ei-llm-int4-gb")(lambda: f"{LLM.params * 0.5 / 1e9:.1f}")
number("v2ei-ota-llm-pb")(lambda: f"{FLEET * LLM.params * 0.5 / 1e15:.0f}")
number("v2ei-lora-mb")(lambda: f"{LORA_PARAMS * 2 / MB:.1f}")
number("v2ei-ota-lora-pb")(lambda: f"{FLEET * LORA_PARAMS * 2 / 1e15:.1f}")
number("v2ei-fleet-m")(lambda: _sig(FLEET / 1e6))


# The check question: a phone with a neural accelerator sending int8 updates
def r_npu8() -> dict:
    return client_round(train_s(NPU_PHONE, "fp16"), int8_bytes())


number("v2ei-round-npu8-s")(lambda: f"{tot(r_npu8()):.1f}")
number("v2ei-npu8-dl-share")(lambda: f"{100 * r_npu8()['download'] / tot(r_npu8()):.0f}")
number("v2ei-dl8-s")(lambda: f"{int8_bytes() * 8 / DOWN_BPS:.1f}")
number("v2ei-round-npu8-dl8-s")(lambda: f"{tot(client_round(train_s(NPU_PHONE, 'fp16'), int8_bytes(), int8_bytes())):.1f}")


# ------------------------------------------------------------ figures
@figure("fig-v2ei-round")
def _fig_round():
    plt = _plt()
    cases = [("fp32", r32(), H_PHONE.tdp_w), ("int8", r8(), H_PHONE.tdp_w),
             (f"top-{100 * TOPK:g}%", rtk(), H_PHONE.tdp_w), ("straggler fp32", rslow(), H_OLD.tdp_w)]
    fig, (ax1, ax2) = plt.subplots(1, 2)
    for idx, (label, r, watts) in enumerate(cases):
        left = 0.0
        for part, color in (("download", "C0"), ("train", "C2"), ("upload", "C1")):
            ax1.barh(idx, r[part], left=left, color=color, label=part if idx == 0 else None)
            left += r[part]
        e = client_energy(r, watts)
        left = 0.0
        for part, color in (("compute", "C2"), ("radio", "C0")):
            ax2.barh(idx, e[part], left=left, color=color, label=part if idx == 0 else None)
            left += e[part]
    for ax in (ax1, ax2):
        ax.set_yticks(range(len(cases)))
        ax.set_yticklabels([c[0] for c in cases], fontsize=8)
        ax.invert_yaxis()
        ax.legend(fontsize=7, loc="lower right")
    ax1.set_xlabel("seconds per round")
    ax2.set_xlabel("joules per round")
    ax2.set_yticklabels([])
    return fig


@figure("fig-v2ei-stragglers")
def _fig_stragglers():
    plt = _plt()
    fig, ax = plt.subplots()
    ax.plot(KS, [sync_round(k) for k in KS], "o-", color="C1", label="wait for every selected client")
    ax.plot(KS, [tot(r32()) for _ in KS], "s-", color="C2", label="quorum of K from K' > K (over-selection)")
    ax.set_xscale("log")
    ax.set_xlabel("clients per round K")
    ax.set_ylabel("round duration (s)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    return fig


@figure("fig-v2ei-split")
def _fig_split():
    plt = _plt()
    fig, ax = plt.subplots()
    for up, style in ((UP_BPS, "-"), (FAST_UP_BPS, "--")):
        rows = split_costs(up)
        ax.plot([r["split"] for r in rows], [r["latency"] * 1e3 for r in rows], style, color=_ink() if up == UP_BPS else "C0",
                label=f"uplink {up / 1e6:g} Mbit/s")
    ax.set_yscale("log")
    ax.set_xlabel("layers run on the device (0 = send the image, right end = all on device)")
    ax.set_ylabel("end-to-end latency (ms)")
    ax.legend(fontsize=8)
    return fig

