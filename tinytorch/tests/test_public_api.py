"""The PyTorch-mirroring names promised by the course exist where PyTorch users look for them."""
import numpy as np
import pytest

import tinytorch as tt
from tinytorch import data, nn, optim


@pytest.mark.parametrize("namespace, names", [
    (tt, ["Tensor", "no_grad", "manual_seed", "zeros", "ones", "randn", "cat", "stack"]),
    (nn, ["Module", "Parameter", "Linear", "Conv2d", "MaxPool2d", "Embedding", "LayerNorm", "MultiheadAttention",
          "Dropout", "Sequential", "ReLU", "GELU", "MSELoss", "CrossEntropyLoss"]),
    (nn.functional, ["relu", "softmax", "log_softmax", "cross_entropy", "mse_loss", "linear", "conv2d", "layer_norm",
                     "scaled_dot_product_attention"]),
    (optim, ["SGD", "Adam", "AdamW"]),
    (data, ["Dataset", "DataLoader", "TensorDataset"]),
])
def test_names_exist(namespace, names):
    missing = [name for name in names if not hasattr(namespace, name)]
    assert not missing, f"{namespace.__name__} lacks {missing}"


def test_pytorch_style_training_step_reads_the_same():
    tt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    x = tt.randn(16, 4)
    y = np.arange(16) % 3
    losses = []
    for _ in range(20):
        loss = nn.CrossEntropyLoss()(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    w = tt.Tensor([1.0, 2.0], requires_grad=True)
    (w @ w).backward()
    np.testing.assert_allclose(w.grad.data, [2.0, 4.0])
