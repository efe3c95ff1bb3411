"""Milestone 4 (1998): a LeNet-style convolutional network on the same digits.

Two convolution + max-pool stages feed a small classifier. The convolutions share each 3×3 filter
across all positions, so the network has fewer weights than the milestone-3 MLP yet generalises better.
"""

NAME = "cnn"
YEAR = 1998
TITLE = "LeNet-style CNN on handwritten digits"
TARGET = ">= 98% test accuracy on sklearn digits (quick budget: >= 80%)"
REQUIRES = [1, 2, 3, 4, 5, 6, 7, 8, 9]


def build():
    from tinytorch import nn

    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 2 * 2, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 10),
    )


def run(quick: bool = False, log=print) -> dict:
    import tinytorch as tt
    from tinytorch import data, nn, optim

    tt.manual_seed(0)
    x_train, y_train, x_test, y_test = data.load_digits(images=True)
    model = build()
    epochs = 4 if quick else 30
    optimizer = optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    train_loader = data.DataLoader(data.TensorDataset(x_train, y_train), batch_size=32, shuffle=True, seed=0)
    test_loader = data.DataLoader(data.TensorDataset(x_test, y_test), batch_size=256)
    schedule = tt.CosineWarmupSchedule(optimizer, total_steps=epochs * len(train_loader))
    trainer = tt.Trainer(model, optimizer, nn.CrossEntropyLoss(), schedule=schedule)
    trainer.fit(train_loader, epochs, log=lambda r: log(f"epoch {r['epoch']:3d} train loss {r['train_loss']:.4f} ({r['seconds']:.1f}s)") if r["epoch"] % 5 == 0 or quick else None)
    test = tt.evaluate(model, test_loader, nn.CrossEntropyLoss())
    log(f"test accuracy {test['accuracy']:.4f} on {len(y_test)} held-out digits")
    return {"test_accuracy": test["accuracy"], "parameters": model.num_parameters(),
            "passed": test["accuracy"] >= (0.80 if quick else 0.98)}
