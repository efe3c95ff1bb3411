"""Module 07 tests: training loop, evaluation, clipping, schedules, checkpoints."""
import numpy as np
import pytest

from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear, Parameter, Sequential
from tinytorch.core.losses import cross_entropy
from tinytorch.core.optim import SGD, Adam
from tinytorch.core.tensor import Tensor, manual_seed
from tinytorch.core.training import CosineWarmupSchedule, Trainer, accuracy, clip_grad_norm_, evaluate, load_checkpoint, save_checkpoint


def blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centers = np.array([[2.0, 0.0], [-2.0, 2.0], [0.0, -2.5]], dtype=np.float32)
    x = centers[labels] + 0.5 * rng.standard_normal((n, 2)).astype(np.float32)
    return [(Tensor(x[i:i + 50]), labels[i:i + 50]) for i in range(0, n, 50)]


def test_accuracy():
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5


def test_trainer_learns_blobs_and_records_history():
    manual_seed(0)
    model = Sequential(Linear(2, 16), ReLU(), Linear(16, 3))
    trainer = Trainer(model, Adam(model.parameters(), lr=0.05), cross_entropy, max_grad_norm=5.0)
    batches = blobs()
    history = trainer.fit(batches, epochs=15, val_batches=blobs(seed=1))
    assert len(history) == 15 and history[-1]["train_loss"] < history[0]["train_loss"]
    assert evaluate(model, blobs(seed=2), cross_entropy)["accuracy"] > 0.95
    assert model.training


def test_clip_grad_norm_scales_to_max_norm():
    p = Parameter(np.zeros(2, dtype=np.float32))
    p.grad = Tensor(np.array([3.0, 4.0], dtype=np.float32))
    assert clip_grad_norm_([p], 1.0) == pytest.approx(5.0)
    assert np.linalg.norm(p.grad.data) == pytest.approx(1.0, rel=1e-4)
    p.grad = Tensor(np.array([0.3, 0.4], dtype=np.float32))
    clip_grad_norm_([p], 1.0)
    np.testing.assert_allclose(p.grad.data, [0.3, 0.4])


def test_cosine_warmup_schedule():
    opt = SGD([Parameter(np.zeros(1, dtype=np.float32))], lr=1.0)
    schedule = CosineWarmupSchedule(opt, total_steps=110, warmup_steps=10, min_ratio=0.1)
    lrs = [schedule.step() for _ in range(110)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[60] == pytest.approx(0.1 + 0.9 * 0.5, rel=1e-6)
    assert lrs[-1] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * 99 / 100)), rel=1e-6)
    with pytest.raises(ValueError, match="warmup_steps"):
        CosineWarmupSchedule(opt, total_steps=5, warmup_steps=5)


def test_checkpoint_roundtrip(tmp_path):
    a, b = Linear(3, 2), Linear(3, 2)
    path = tmp_path / "ckpt" / "model.npz"
    save_checkpoint(a, path, epoch=7)
    assert load_checkpoint(b, path) == {"epoch": 7}
    np.testing.assert_allclose(a.weight.data, b.weight.data)
    assert [p.name for p in path.parent.iterdir()] == ["model.npz"]


def test_evaluate_rejects_empty_iterable():
    with pytest.raises(ValueError, match="empty"):
        evaluate(Linear(2, 2), [])
