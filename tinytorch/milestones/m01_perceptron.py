"""Milestone 1 (1957): Rosenblatt's perceptron separates two linearly separable clouds.

A single linear unit with a sigmoid output, trained by gradient descent on the logistic loss, finds a
separating line; its weights are the line's normal vector.
"""
import numpy as np

NAME = "perceptron"
YEAR = 1957
TITLE = "The perceptron separates two classes"
TARGET = "100% training accuracy on linearly separable data"
REQUIRES = [1, 2, 3, 4, 5, 6]


def make_data(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    centers = np.where(labels[:, None] == 1, [2.0, 2.0], [-2.0, -1.0])
    return (centers + 0.6 * rng.standard_normal((n, 2))).astype(np.float32), labels.astype(np.float32)


def run(quick: bool = False, log=print) -> dict:
    import tinytorch as tt
    from tinytorch import nn, optim

    tt.manual_seed(0)
    x, y = make_data()
    model = nn.Linear(2, 1)
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    epochs = 30 if quick else 100
    for epoch in range(epochs):
        logits = model(tt.Tensor(x)).reshape(-1)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, tt.Tensor(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with tt.no_grad():
        predictions = (model(tt.Tensor(x)).data.reshape(-1) > 0).astype(np.float32)
    accuracy = float((predictions == y).mean())
    log(f"epochs {epochs}: loss {loss.item():.4f}, accuracy {accuracy:.3f}")
    return {"accuracy": accuracy, "final_loss": float(loss.item()), "passed": accuracy >= (0.95 if quick else 1.0)}
