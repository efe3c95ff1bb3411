"""MLSys·im without NumPy (the browser/Pyodide case): the scalar suite, the sweep error, the wheel.

Each test starts a fresh interpreter in which ``import numpy`` fails (tests/block_numpy.py), because
NumPy cannot be un-imported from this one.
"""
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent

pytestmark = pytest.mark.skipif(os.environ.get("MLSYSIM_NUMPY_BLOCKED") == "1",
                                reason="already running inside the NumPy-blocked subprocess")


def _run(args, extra_env=None, cwd=None, timeout=300):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
    env.update(extra_env or {})
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


def test_whole_scalar_suite_passes_with_numpy_blocked():
    import importlib.util
    # the monorepo's Hypothesis profile (no wall-clock deadlines), when this runs inside it
    profile = ["-p", "mlsysbook.pytest_hypothesis_profile"] if importlib.util.find_spec("mlsysbook") else []
    done = _run(["-m", "pytest", "-q", "-p", "block_numpy", *profile, "-m", "not slow", "-rs", "-p", "no:cacheprovider",
                 str(HERE)])
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert "passed" in summary and not re.search(r"\b\d+ failed", summary), summary
    # only tests that need NumPy themselves (sweeps; SciPy as an independent reference) and this file skip
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert any("test_sweep.py" in line for line in skipped), skipped
    assert all("numpy" in line.lower() or "test_no_numpy.py" in line for line in skipped), skipped


def test_sweep_without_numpy_names_the_fix():
    code = ("import sys, mlsysim as ms\n"
            "assert 'numpy' not in sys.modules\n"
            "try:\n    ms.sweep.train_step\n"
            "except ms.MissingDependencyError as error:\n    print(error)\n"
            "else:\n    raise SystemExit('sweep imported without NumPy')\n")
    done = _run(["-c", "import block_numpy\n" + code])
    assert done.returncode == 0, done.stderr
    assert "pip install numpy" in done.stdout and "scalar" in done.stdout


def test_cli_runs_with_numpy_blocked():
    code = ("import block_numpy, sys\nfrom mlsysim.cli import main\n"
            "sys.argv = ['mlsysim', 'train', '--model', 'Llama-3-8B', '--system', 'DGX-H100', '--devices', '8', "
            "'--global-batch', '64', '--tp', '2', '--json']\nmain()\n")
    done = _run(["-c", code])
    assert done.returncode == 0, done.stderr
    assert '"mfu"' in done.stdout


def test_wheel_carries_the_catalogs_and_imports_without_numpy_or_the_yaml_c_extension(tmp_path):
    """Build the wheel the browser labs install, install it alone, and load every catalog from it."""
    build = _run(["-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"),
                  str(PACKAGE_ROOT)])
    assert build.returncode == 0, build.stderr[-3000:]
    wheel, = (tmp_path / "dist").glob("mlsysim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    catalogs = sorted(p.name for p in (PACKAGE_ROOT / "src" / "mlsysim" / "data").glob("*.yaml"))
    assert catalogs and all(f"mlsysim/data/{name}" in names for name in catalogs), names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    required = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert not any("numpy" in line.lower() for line in required), required
    target = tmp_path / "site"
    install = _run(["-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)])
    assert install.returncode == 0, install.stderr[-3000:]
    code = ("import block_numpy, sys\n"
            f"sys.path.insert(0, {str(target)!r})\n"
            "import mlsysim as ms, yaml\n"
            f"assert ms.__file__.startswith({str(target)!r}), ms.__file__\n"
            "assert not getattr(yaml, '__with_libyaml__', False)\n"
            "counts = [len(ms.list_hardware()), len(ms.list_models()), len(ms.list_interconnects()), len(ms.list_nodes()),"
            " len(ms.list_regions())]\n"
            "assert all(counts), counts\n"
            "assert ms.cloud_price('H100-SXM') > 0\n"
            "print(ms.train_step('Llama-3-8B', 'DGX-H100', 8, 64, 4096, tp=2).mfu)\n"
            "assert 'numpy' not in sys.modules\n")
    done = _run(["-c", code], extra_env={"MLSYSIM_BLOCK_YAML_C": "1"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert 0 < float(done.stdout.strip()) < 1
