"""The benchmark compares like with like: same parameter counts and output shapes in both frameworks."""
import importlib.util
import json
import subprocess
import sys

import pytest

from tinytorch import no_grad


@pytest.fixture(scope="module")
def bench(course_root):
    path = course_root / "bench" / "bench_vs_torch.py"
    spec = importlib.util.spec_from_file_location("bench_vs_torch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("workload", ["mlp", "cnn", "transformer"])
def test_same_model_in_both_frameworks(bench, workload):
    tt_model, tt_x, _, _ = bench.build_tinytorch(workload)
    th_model, th_x, _, _ = bench.build_torch(workload)
    assert tt_model.num_parameters() == sum(p.numel() for p in th_model.parameters())
    assert tuple(tt_x.shape) == tuple(th_x.shape)
    with no_grad():
        tt_out = tt_model(tt_x)
    assert tuple(tt_out.shape) == tuple(th_model(th_x).shape)


@pytest.mark.parametrize("framework", ["tinytorch", "torch"])
def test_worker_memory_is_the_models_not_the_runtimes(bench, course_root, framework):
    """The peak covers at least weights, gradients and Adam's two moments (16 bytes per float32 parameter), and
    not the runtime's start-up: PyTorch alone pages in far more than this 0.5M-parameter MLP needs."""
    script = course_root / "bench" / "bench_vs_torch.py"
    out = subprocess.run([sys.executable, str(script), "--worker", framework, "mlp", "2"], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    state_bytes = 16 * bench.build_tinytorch("mlp")[0].num_parameters()
    assert result["median_s"] > 0 and state_bytes <= result["peak_bytes"] < 4 * state_bytes, (result, state_bytes)
