# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 20: Capstone — optimize a model under a budget
#
# Deployment rarely asks "how accurate can it be?" It asks "how accurate can it be *within 2 ms and
# 50 KB*?" This capstone turns the previous six modules into an optimizer for that question. Given a
# trained model, a way to measure accuracy, and a budget (latency, weight memory, minimum accuracy), it
# builds candidate variants (INT8 weights, structured pruning with a short fine-tune, both), measures
# each with the profiling tools, and picks the most accurate one that fits, reporting every candidate so
# the trade-off is visible, not hidden.
#
# **Systems lens.** Each technique moves a different coordinate: quantization cuts bytes 4× with a
# small accuracy cost but (in NumPy) no speed-up; structured pruning cuts bytes *and* FLOPs by the same
# factor but costs more accuracy, partly recovered by fine-tuning; combined, they compound. The
# *Pareto frontier* of accuracy versus cost is the honest summary; a single "optimized" number is not.

# %%
#| default_exp capstone.optimize
#| requires: 01 03 06 07 08 14 15 16 19
#| public: Budget, BudgetError, optimize_under_budget, prune_mlp, digits_capstone

# %%
#| export
import copy
from dataclasses import dataclass

import numpy as np

from tinytorch.core.layers import Linear, Sequential
from tinytorch.optimization.compression import prune_neurons
from tinytorch.optimization.quantization import model_bytes, quantize_model
from tinytorch.profiling.profiler import time_function


@dataclass(frozen=True)
class Budget:
    max_latency_s: float
    max_weight_bytes: int
    min_accuracy: float


class BudgetError(RuntimeError):
    """No candidate fits the budget; the message lists what each achieved."""


def prune_mlp(model: Sequential, keep_fraction: float) -> Sequential:
    """Copy of an MLP (Sequential of Linear and activations) with each hidden layer narrowed."""
    if not 0 < keep_fraction <= 1:
        raise ValueError(f"prune_mlp: keep_fraction must be in (0, 1], got {keep_fraction}")
    layers = list(copy.deepcopy(model).layers)
    linear_positions = [i for i, layer in enumerate(layers) if isinstance(layer, Linear)]
    ### BEGIN SOLUTION
    ### HINT: for each consecutive pair of Linear positions, call prune_neurons with keep = round(fraction · width)
    for first, second in zip(linear_positions, linear_positions[1:]):
        keep = max(1, int(round(keep_fraction * layers[first].out_features)))
        layers[first], layers[second] = prune_neurons(layers[first], layers[second], keep)
    ### END SOLUTION
    return Sequential(*layers)

# %% [markdown]
# ## The search
#
# Candidates are built from the trained model by composing the transformations; `finetune`, when
# given, retrains pruned variants briefly (quantized ones have no trainable parameters). Latency is the
# median of repeated single-sample calls (SingleStream-style, module 19).

# %%
#| export
def optimize_under_budget(model: Sequential, evaluate, sample: np.ndarray, budget: Budget, finetune=None,
                          keep_fractions=(0.5, 0.25)) -> dict:
    """Return {'chosen': name, 'model': model, 'candidates': [rows]} for the best variant within budget."""
    from tinytorch.core.tensor import Tensor, no_grad

    def build():
        yield "float32 baseline", copy.deepcopy(model)
        quantized = copy.deepcopy(model)
        quantize_model(quantized)
        yield "int8 weights", quantized
        for fraction in keep_fractions:
            pruned = prune_mlp(model, fraction)
            if finetune is not None:
                finetune(pruned)
            yield f"pruned to {fraction:.0%} width", pruned
            both = copy.deepcopy(pruned)
            quantize_model(both)
            yield f"pruned to {fraction:.0%} width + int8", both

    rows, fitting = [], []
    x = Tensor(sample)
    ### BEGIN SOLUTION
    for name, candidate in build():
        candidate.eval()
        with no_grad():
            latency = time_function(lambda: candidate(x), repeats=20)["median_s"]
        row = {"name": name, "accuracy": float(evaluate(candidate)), "latency_s": latency, "weight_bytes": model_bytes(candidate)}
        row["fits"] = (row["latency_s"] <= budget.max_latency_s and row["weight_bytes"] <= budget.max_weight_bytes
                       and row["accuracy"] >= budget.min_accuracy)
        rows.append(row)
        if row["fits"]:
            fitting.append((row["accuracy"], -row["latency_s"], name, candidate))
    if not fitting:
        summary = "; ".join(f"{r['name']}: acc {r['accuracy']:.3f}, {r['latency_s'] * 1e6:.0f} us, {r['weight_bytes']} B" for r in rows)
        raise BudgetError(f"no candidate fits {budget}; candidates: {summary}. Fix: relax the budget or add candidates")
    accuracy, _, name, chosen = max(fitting, key=lambda item: (item[0], item[1]))
    ### END SOLUTION
    return {"chosen": name, "model": chosen, "candidates": rows}

# %% [markdown]
# ## Systems analysis: the frontier on digits
#
# We train the milestone-3 MLP briefly, then search under a weight budget of one third of its float32
# size, and print every candidate with its accuracy, latency and bytes.

# %%
#| export
def digits_capstone(epochs: int = 8) -> dict:
    from tinytorch.core.activations import ReLU
    from tinytorch.core.losses import cross_entropy
    from tinytorch.core.optim import Adam
    from tinytorch.core.tensor import manual_seed
    from tinytorch.core.training import Trainer, accuracy
    from tinytorch.data.loader import DataLoader, TensorDataset, load_digits

    manual_seed(0)
    x_train, y_train, x_test, y_test = load_digits()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True, seed=0)
    model = Sequential(Linear(64, 128), ReLU(), Linear(128, 64), ReLU(), Linear(64, 10))
    Trainer(model, Adam(model.parameters(), lr=3e-3), cross_entropy).fit(loader, epochs)

    def evaluate(candidate):
        from tinytorch.core.tensor import Tensor, no_grad

        with no_grad():
            return accuracy(candidate(Tensor(x_test)), y_test)

    def finetune(candidate):
        Trainer(candidate, Adam(candidate.parameters(), lr=1e-3), cross_entropy).fit(loader, 2)

    budget = Budget(max_latency_s=0.01, max_weight_bytes=model_bytes(model) // 3, min_accuracy=0.9)
    return optimize_under_budget(model, evaluate, x_test[:1], budget, finetune)

# %%
if __name__ == "__main__":
    result = digits_capstone()
    for row in result["candidates"]:
        print(f"{row['name']:28s} acc {row['accuracy']:.4f}  {row['latency_s'] * 1e6:7.1f} us  {row['weight_bytes']:7d} B  {'fits' if row['fits'] else ''}")
    print("chosen:", result["chosen"])
