"""Make ``import numpy`` fail, as it does in a Pyodide browser lab where no NumPy build exists.

Used as a pytest plugin (``python -m pytest -p block_numpy`` with this folder on PYTHONPATH) by
tests/test_no_numpy.py, and imported by bench/bench.py before it times the scalar API. With
``MLSYSIM_BLOCK_YAML_C=1`` the PyYAML C extension is blocked too, so catalogs load through PyYAML's
pure-Python parser as they do in a wheel built from the PyYAML sdist.
"""
import os
import sys

BLOCKED = ("numpy",) + (("yaml._yaml", "_yaml") if os.environ.get("MLSYSIM_BLOCK_YAML_C") == "1" else ())


class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if any(name == blocked or name.startswith(blocked + ".") for blocked in BLOCKED):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by mlsysim/tests/block_numpy.py)", name=name)
        return None


already = [name for name in BLOCKED if name in sys.modules]
if already:
    raise RuntimeError(f"{', '.join(already)} was imported before block_numpy could block it")
sys.meta_path.insert(0, _Blocker())
os.environ["MLSYSIM_NUMPY_BLOCKED"] = "1"
