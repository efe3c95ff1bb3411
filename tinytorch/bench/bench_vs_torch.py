"""TinyTorch vs PyTorch CPU: time per training step (forward, backward, Adam step) and peak memory.

Both frameworks run the same architectures, batch sizes and optimizer, single-threaded (one BLAS/OpenMP
thread each), in separate worker processes that alternate round by round so that background load
affects both alike. Peak memory is the *model's* memory: parameters, gradients, optimizer state and
activations. Each worker first runs one training step of a tiny model that uses the same operations, so
that the runtime's start-up (library code paged in, thread pools, allocator arenas, PyTorch's autograd
engine) is paid before measuring; it then resets the kernel's resident-set high-water mark (Linux
/proc/self/clear_refs) and reports how far the peak rises above the resident set while the real model is
built and trained. Budgets (ratio TinyTorch/PyTorch): MLP <= 3x, CNN <= 5x, transformer block <= 5x.

Usage: python tinytorch/bench/bench_vs_torch.py [--quick]
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402  (after the thread settings, which NumPy reads at import)

WORKLOADS = {
    "mlp": {"label": "MLP 784-512-256-10, batch 128", "budget": 3.0},
    "cnn": {"label": "CNN (LeNet-5 style), 1x28x28, batch 64", "budget": 5.0},
    "transformer": {"label": "Transformer block d=128 h=4, 16x64 tokens", "budget": 5.0},
}


def build_tinytorch(workload: str):
    import tinytorch as tt
    from tinytorch import nn, optim

    tt.manual_seed(0)
    rng = np.random.default_rng(0)
    if workload == "mlp":
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
        x, y = tt.Tensor(rng.standard_normal((128, 784)).astype(np.float32)), rng.integers(0, 10, 128)
        loss_fn = nn.functional.cross_entropy
    elif workload == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84),
                              nn.ReLU(), nn.Linear(84, 10))
        x, y = tt.Tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32)), rng.integers(0, 10, 64)
        loss_fn = nn.functional.cross_entropy
    else:
        model = nn.TransformerBlock(128, 4)
        x, y = tt.Tensor(rng.standard_normal((16, 64, 128)).astype(np.float32)), tt.Tensor(rng.standard_normal((16, 64, 128)).astype(np.float32))
        loss_fn = nn.functional.mse_loss
    return model, x, y, loss_fn


def tinytorch_step(workload: str):
    from tinytorch import optim

    model, x, y, loss_fn = build_tinytorch(workload)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def step():
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def build_torch(workload: str):
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    if workload == "mlp":
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
        x, y = torch.tensor(rng.standard_normal((128, 784)).astype(np.float32)), torch.tensor(rng.integers(0, 10, 128))
        loss_fn = nn.functional.cross_entropy
    elif workload == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84),
                              nn.ReLU(), nn.Linear(84, 10))
        x, y = torch.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32)), torch.tensor(rng.integers(0, 10, 64))
        loss_fn = nn.functional.cross_entropy
    else:
        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.ln1, self.ln2 = nn.LayerNorm(128), nn.LayerNorm(128)
                self.attn = nn.MultiheadAttention(128, 4, batch_first=True)
                self.mlp = nn.Sequential(nn.Linear(128, 512), nn.GELU(approximate="tanh"), nn.Linear(512, 128))
                self.register_buffer("mask", torch.triu(torch.ones(64, 64, dtype=torch.bool), 1))

            def forward(self, x):
                h = self.ln1(x)
                x = x + self.attn(h, h, h, attn_mask=self.mask, need_weights=False)[0]
                return x + self.mlp(self.ln2(x))

        model = Block()
        x, y = torch.tensor(rng.standard_normal((16, 64, 128)).astype(np.float32)), torch.tensor(rng.standard_normal((16, 64, 128)).astype(np.float32))
        loss_fn = nn.functional.mse_loss
    return model, x, y, loss_fn


def torch_step(workload: str):
    import torch

    model, x, y, loss_fn = build_torch(workload)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def warm_up_tinytorch() -> None:
    """One step of a tiny model with every operation the workloads use (runtime start-up, not model memory)."""
    import tinytorch as tt
    from tinytorch import nn, optim

    conv = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
    block = nn.TransformerBlock(8, 2)
    optimizer = optim.Adam(conv.parameters() + block.parameters(), lr=1e-3)
    x, tokens = tt.randn(2, 1, 4, 4), tt.randn(2, 3, 8)
    loss = nn.functional.cross_entropy(conv(x), np.array([0, 2])) + nn.functional.mse_loss(block(tokens), tokens)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def warm_up_torch() -> None:
    import torch
    from torch import nn

    torch.set_num_threads(1)
    conv = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
    norm, attn = nn.LayerNorm(8), nn.MultiheadAttention(8, 2, batch_first=True)
    mlp = nn.Sequential(nn.Linear(8, 32), nn.GELU(approximate="tanh"), nn.Linear(32, 8))
    params = [*conv.parameters(), *norm.parameters(), *attn.parameters(), *mlp.parameters()]
    optimizer = torch.optim.Adam(params, lr=1e-3)
    x, tokens = torch.randn(2, 1, 4, 4), torch.randn(2, 3, 8)
    h = norm(tokens)
    mask = torch.triu(torch.ones(3, 3, dtype=torch.bool), 1)
    out = tokens + attn(h, h, h, attn_mask=mask, need_weights=False)[0]
    out = out + mlp(out)
    loss = nn.functional.cross_entropy(conv(x), torch.tensor([0, 2])) + nn.functional.mse_loss(out, tokens)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def reset_peak_rss() -> bool:
    """Make the high-water mark equal the current resident set (Linux >= 4.0); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def rss_bytes(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"/proc/self/status has no {field}")


def peak_rss_bytes() -> int:
    """This process's resident-set high-water mark. Linux's VmHWM belongs to the current address space;
    ru_maxrss would also carry the high-water mark of the process we were forked from."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def worker(framework: str, workload: str, steps: int) -> dict:
    import gc

    (warm_up_torch if framework == "torch" else warm_up_tinytorch)()
    gc.collect()
    if reset_peak_rss():
        baseline = rss_bytes("VmRSS")
    else:  # no way to reset the peak: measure growth of the peak, which the warm-up already raised a little
        baseline = peak_rss_bytes()
    step = (torch_step if framework == "torch" else tinytorch_step)(workload)
    for _ in range(3):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "peak_bytes": peak_rss_bytes() - baseline}


def run_worker(framework: str, workload: str, steps: int) -> dict:
    output = subprocess.run([sys.executable, __file__, "--worker", framework, workload, str(steps)],
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv) -> int:
    if argv and argv[0] == "--worker":
        print(json.dumps(worker(argv[1], argv[2], int(argv[3]))))
        return 0
    quick = "--quick" in argv
    rounds, steps = (1, 5) if quick else (3, 20)
    print(f"TinyTorch vs PyTorch CPU, one thread each, median of {steps} steps per round, {rounds} alternating rounds")
    print("peak MiB: model memory (weights, gradients, Adam state, activations) above the warmed-up runtime")
    header = f"{'workload':44s} {'tinytorch ms':>12s} {'torch ms':>9s} {'ratio':>6s} {'budget':>6s} {'':4s} {'tt peak MiB':>11s} {'torch peak MiB':>14s}"
    print(header)
    print("-" * len(header))
    all_within = True
    for workload, spec in WORKLOADS.items():
        results = {"tinytorch": [], "torch": []}
        for _ in range(rounds):
            for framework in ("tinytorch", "torch"):
                results[framework].append(run_worker(framework, workload, steps))
        tt_s = statistics.median(r["median_s"] for r in results["tinytorch"])
        th_s = statistics.median(r["median_s"] for r in results["torch"])
        ratio = tt_s / th_s
        within = ratio <= spec["budget"]
        all_within &= within
        tt_mem = max(r["peak_bytes"] for r in results["tinytorch"]) / 2**20
        th_mem = max(r["peak_bytes"] for r in results["torch"]) / 2**20
        print(f"{spec['label']:44s} {tt_s * 1e3:12.2f} {th_s * 1e3:9.2f} {ratio:6.2f} {spec['budget']:5.1f}x {'ok' if within else 'OVER':4s} {tt_mem:11.1f} {th_mem:14.1f}")
    print("all ratios within budget" if all_within else "some ratios exceed their budget")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
