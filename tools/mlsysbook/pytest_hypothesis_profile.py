"""pytest plugin that every `make` test target loads (`-p mlsysbook.pytest_hypothesis_profile`).

Hypothesis's default per-example deadline is a wall-clock limit: on a loaded 2-core CI machine it fails
property tests for reasons unrelated to correctness. Speed is measured by `make bench`, not by tests, so
the suites run without deadlines; everything else keeps Hypothesis's defaults.
"""
from hypothesis import settings

settings.register_profile("mlsysbook", deadline=None)
settings.load_profile("mlsysbook")
