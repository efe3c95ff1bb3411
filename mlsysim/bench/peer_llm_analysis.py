"""Side-by-side: the validation cases through a peer analytical model, llm-analysis (PyPI, v0.2.2).

llm-analysis (https://github.com/cli99/llm-analysis) estimates training latency from the same kind of
inputs (layers, hidden size, heads, GPU peak, parallel layout, ZeRO stage, recomputation). It is run
with ``flops_efficiency=0.5``, the value its own constants file gives for Megatron-LM training, and its
defaults otherwise. Only cases it can express are compared: GPU training (Megatron-LM Table 1, MPT on
H100) and time-to-train (LLaMA, Llama 2); it has no TPU/B200 entries, no uneven pipelines, no
collectives-only estimate and no continuous-batching serving mode.

Run with ``make validate-mlsysim-peer`` (installs llm-analysis into build/mlsysim-peer without its
Hugging Face dependencies, which are only needed to download model configurations).
"""
from __future__ import annotations

import json
import logging
import statistics
import sys
import tempfile
from pathlib import Path

from mlsysim.validation import CASES, run_validation

RECOMPUTE = {"none": 0, "selective": 1, "full": 2}
FLOPS_EFFICIENCY = 0.5  # llm_analysis/constant.py: "FLOPS efficiency achieved by Megatron-LM is ~0.5"


def _model_json(peer: dict, folder: Path) -> str:
    if "build" in peer:
        m = peer["build"]()
        spec = dict(layers=m.layers, hidden=m.hidden, heads=m.heads, kv_heads=m.kv_heads, vocab=m.vocab,
                    ffn=m.ffn_hidden, gated=m.ffn == "swiglu")
    else:
        spec = peer
    path = folder / f"model_{abs(hash(json.dumps({k: spec[k] for k in ('layers', 'hidden', 'heads', 'vocab', 'ffn')})))}.json"
    path.write_text(json.dumps({"name": path.stem, "num_layers": spec["layers"], "n_head": spec["heads"],
                                "hidden_dim": spec["hidden"], "vocab_size": spec["vocab"],
                                "max_seq_len": peer["seq_len"], "num_key_value_heads": spec["kv_heads"],
                                "ffn_embed_dim": spec["ffn"],
                                "expansion_ratio": spec["ffn"] / spec["hidden"], "model_type": "llama" if spec["gated"] else "gpt"}))
    return str(path), spec["gated"]


def _megatron_flop_per_step(peer: dict) -> float:
    """Narayanan et al. (SC21) eq. 3: 96 B s l h^2 (1 + s / 6h + V / 16 l h), with full recomputation."""
    b, s, l, h, v = peer["global_batch"], peer["seq_len"], peer["layers"], peer["hidden"], peer["vocab"]
    return 96 * b * s * l * h * h * (1 + s / (6 * h) + v / (16 * l * h))


def peer_prediction(peer: dict, folder: Path) -> float:
    from llm_analysis.analysis import train

    model_path, gated = _model_json(peer, folder)
    dp = peer["gpus"] // (peer["tp"] * peer["pp"])
    result = train(model_name=model_path, gpu_name=peer["gpu"], dtype_name="w16a16e16", log_level="ERROR",
                   batch_size_per_gpu=peer["micro_batch"], global_batch_size=peer["global_batch"],
                   seq_len=peer["seq_len"], total_num_tokens=peer.get("tokens"),
                   activation_recomputation=RECOMPUTE[peer["recompute"]], ds_zero=peer["zero"], dp_size=dp,
                   tp_size=peer["tp"], pp_size=peer["pp"], total_num_gpus=peer["gpus"], flash_attn=peer["flash"],
                   mlp_gated_linear_units=gated, flops_efficiency=FLOPS_EFFICIENCY, output_dir=None)
    step = result["latency_per_iter"]
    if peer["metric"] == "gpu_hours":
        return result["gpu_hours"]
    if peer["metric"] == "tokens_per_gpu":
        return peer["global_batch"] * peer["seq_len"] / step / peer["gpus"]
    return _megatron_flop_per_step(peer) / step / peer["gpus"] / 1e12


def main() -> int:
    logging.disable(logging.WARNING)
    cases = [c for c in CASES if c.peer]
    ours = {o.name: o for o in run_validation(cases)}
    rows, peer_errors, our_errors = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            try:
                predicted = peer_prediction(dict(case.peer), Path(tmp))
                peer_error = predicted / case.measured - 1
            except Exception as error:  # the peer cannot express this case: say so in the table
                rows.append((case, ours[case.name].error, None, f"{type(error).__name__}: {error}"[:60]))
                continue
            rows.append((case, ours[case.name].error, peer_error, ""))
            peer_errors.append(abs(peer_error))
            our_errors.append(abs(ours[case.name].error))
    print("| case | split | measured | MLSys·im error | llm-analysis error |")
    print("|---|---|---|---|---|")
    for case, our, peer, note in rows:
        print(f"| {case.name} | {case.split} | {case.measured:,.4g} {case.metric} | {our:+.1%} | "
              + (f"{peer:+.1%} |" if peer is not None else f"not expressible ({note}) |"))
    if peer_errors:
        print(f"\nOver the {len(peer_errors)} cases both models express: MLSys·im median |error| "
              f"{statistics.median(our_errors):.1%}, worst {max(our_errors):.1%}; llm-analysis (flops_efficiency="
              f"{FLOPS_EFFICIENCY}) median {statistics.median(peer_errors):.1%}, worst {max(peer_errors):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
