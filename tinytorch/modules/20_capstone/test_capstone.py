"""Module 20 tests: structured MLP pruning and the budgeted search."""
import numpy as np
import pytest

from tinytorch.capstone.optimize import Budget, BudgetError, digits_capstone, optimize_under_budget, prune_mlp
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.tensor import Tensor, manual_seed, randn


def mlp():
    manual_seed(0)
    return Sequential(Linear(8, 32), ReLU(), Linear(32, 16), ReLU(), Linear(16, 4))


def test_prune_mlp_narrows_hidden_layers_only():
    pruned = prune_mlp(mlp(), 0.5)
    shapes = [layer.weight.shape for layer in pruned.layers if isinstance(layer, Linear)]
    assert shapes == [(16, 8), (8, 16), (4, 8)]
    assert pruned(randn(3, 8)).shape == (3, 4)
    with pytest.raises(ValueError, match="keep_fraction"):
        prune_mlp(mlp(), 0.0)


def test_search_picks_most_accurate_fitting_candidate():
    model = mlp()
    x = randn(50, 8)
    labels = model(x).data.argmax(axis=1)

    def evaluate(candidate):
        return float((candidate(x).data.argmax(axis=1) == labels).mean())

    full_bytes = sum(p.nbytes for p in model.parameters())
    result = optimize_under_budget(model, evaluate, x.data[:1], Budget(1.0, full_bytes // 3, 0.5))
    names = [row["name"] for row in result["candidates"]]
    assert names[0] == "float32 baseline" and len(names) == 6
    chosen = next(row for row in result["candidates"] if row["name"] == result["chosen"])
    assert chosen["fits"] and chosen["weight_bytes"] <= full_bytes // 3
    assert chosen["accuracy"] == max(row["accuracy"] for row in result["candidates"] if row["fits"])
    assert not result["candidates"][0]["fits"]


def test_impossible_budget_explains_every_candidate():
    model = mlp()
    with pytest.raises(BudgetError, match="float32 baseline.*relax the budget"):
        optimize_under_budget(model, lambda m: 1.0, np.zeros((1, 8), dtype=np.float32), Budget(1.0, 10, 0.5))


def test_digits_capstone_fits_a_third_of_the_bytes_with_high_accuracy():
    result = digits_capstone(epochs=4)
    chosen = next(row for row in result["candidates"] if row["name"] == result["chosen"])
    assert chosen["accuracy"] >= 0.9 and "int8" in result["chosen"]
