# MLSys·im: analytical modeling engine (see mlsysim/README.md).
TEST_TARGETS      += test-mlsysim
SLOW_TEST_TARGETS += test-mlsysim-slow
BENCH_TARGETS     += bench-mlsysim

.PHONY: test-mlsysim test-mlsysim-slow bench-mlsysim validate-mlsysim validate-mlsysim-peer

test-mlsysim: venv ## MLSys·im fast tests (catalogs, physics, properties, validation suite)
	$(PYTEST) mlsysim/tests -m "not slow"

test-mlsysim-slow: venv ## MLSys·im long property runs and queue simulations
	$(PYTEST) mlsysim/tests -m slow

bench-mlsysim: venv ## MLSys·im sweep throughput and single-call latency (ratios vs. a NumPy reference)
	$(PY) mlsysim/bench/bench.py

validate-mlsysim: venv ## MLSys·im: print the validation table against published measurements
	$(BIN)/mlsysim validate

MLSYSIM_PEER := build/mlsysim-peer

validate-mlsysim-peer: venv ## MLSys·im: the training/time-to-train validation cases side by side with llm-analysis (PyPI)
	@test -d $(MLSYSIM_PEER)/llm_analysis || $(PY) -m pip install -q --no-deps --target $(MLSYSIM_PEER) \
		llm-analysis==0.2.2 fire==0.5.0 termcolor six
	PYTHONPATH=$(MLSYSIM_PEER) $(PY) mlsysim/bench/peer_llm_analysis.py
