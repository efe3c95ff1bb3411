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


def test_worker_reports_time_and_memory(course_root):
    script = course_root / "bench" / "bench_vs_torch.py"
    out = subprocess.run([sys.executable, str(script), "--worker", "tinytorch", "mlp", "2"], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["median_s"] > 0 and result["peak_bytes"] > 1_000_000, result
