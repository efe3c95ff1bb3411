"""Milestone 3 (1989): a multilayer perceptron reads handwritten digits.

scikit-learn's bundled 8×8 digits (1,797 images, no download), 25% held out per class. An MLP with two
hidden ReLU layers, dropout and Adam reaches the target on the held-out split.
"""
NAME = "mlp"
YEAR = 1989
TITLE = "MLP on handwritten digits"
TARGET = ">= 97% test accuracy on sklearn digits (quick budget: >= 80%)"
REQUIRES = [1, 2, 3, 4, 5, 6, 7, 8]


def run(quick: bool = False, log=print) -> dict:
    import tinytorch as tt
    from tinytorch import data, nn, optim

    tt.manual_seed(0)
    x_train, y_train, x_test, y_test = data.load_digits()
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    epochs = 3 if quick else 40
    optimizer = optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    train_loader = data.DataLoader(data.TensorDataset(x_train, y_train), batch_size=64, shuffle=True, seed=0)
    test_loader = data.DataLoader(data.TensorDataset(x_test, y_test), batch_size=256)
    schedule = tt.CosineWarmupSchedule(optimizer, total_steps=epochs * len(train_loader))
    trainer = tt.Trainer(model, optimizer, nn.CrossEntropyLoss(), schedule=schedule)
    trainer.fit(train_loader, epochs, log=lambda r: log(f"epoch {r['epoch']:3d} train loss {r['train_loss']:.4f}") if r["epoch"] % 10 == 0 or quick else None)
    test = tt.evaluate(model, test_loader, nn.CrossEntropyLoss())
    log(f"test accuracy {test['accuracy']:.4f} on {len(y_test)} held-out digits")
    return {"test_accuracy": test["accuracy"], "parameters": model.num_parameters(),
            "passed": test["accuracy"] >= (0.80 if quick else 0.97)}
