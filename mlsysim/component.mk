# MLSys·im: analytical modeling engine (see mlsysim/README.md).
TEST_TARGETS      += test-mlsysim
SLOW_TEST_TARGETS += test-mlsysim-slow
BENCH_TARGETS     += bench-mlsysim

.PHONY: test-mlsysim test-mlsysim-slow bench-mlsysim validate-mlsysim

test-mlsysim: venv ## MLSys·im fast tests (catalogs, physics, properties, validation suite)
	$(PYTEST) mlsysim/tests -m "not slow"

test-mlsysim-slow: venv ## MLSys·im long property runs and queue simulations
	$(PYTEST) mlsysim/tests -m slow

bench-mlsysim: venv ## MLSys·im sweep throughput and single-call latency (ratios vs. a NumPy reference)
	$(PY) mlsysim/bench/bench.py

validate-mlsysim: venv ## MLSys·im: print the validation table against published measurements
	$(BIN)/mlsysim validate
