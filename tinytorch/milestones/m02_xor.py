"""Milestone 2 (1986): a hidden layer solves XOR.

Minsky and Papert showed in 1969 that a single perceptron cannot compute XOR; backpropagation through a
hidden layer (Rumelhart, Hinton and Williams, 1986) solves it. We show both halves: a linear model stays
at or below 75% on the four points (3 of 4 is the most a line can get), while a 2-8-1 tanh network
reaches 100%.
"""
import numpy as np

NAME = "xor"
YEAR = 1986
TITLE = "A hidden layer solves XOR"
TARGET = "hidden-layer net 100% on XOR while a linear model stays <= 75%"
REQUIRES = [1, 2, 3, 4, 5, 6]

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([0, 1, 1, 0], dtype=np.float32)


def train(model, steps: int, lr: float):
    import tinytorch as tt
    from tinytorch import nn, optim

    optimizer = optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = nn.functional.binary_cross_entropy_with_logits(model(tt.Tensor(X)).reshape(-1), tt.Tensor(Y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with tt.no_grad():
        return float(((model(tt.Tensor(X)).data.reshape(-1) > 0) == (Y > 0.5)).mean())


def run(quick: bool = False, log=print) -> dict:
    import tinytorch as tt
    from tinytorch import nn

    tt.manual_seed(1)
    steps = 300 if quick else 1000
    linear_accuracy = train(nn.Linear(2, 1), steps, 0.05)
    hidden_accuracy = train(nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)), steps, 0.05)
    log(f"linear model accuracy {linear_accuracy:.2f}, hidden-layer accuracy {hidden_accuracy:.2f}")
    return {"linear_accuracy": linear_accuracy, "hidden_accuracy": hidden_accuracy,
            "passed": hidden_accuracy == 1.0 and linear_accuracy <= 0.75}
