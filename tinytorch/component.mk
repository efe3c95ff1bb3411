# TinyTorch: framework, 20-module course, tito CLI, milestones, benchmark vs PyTorch CPU.
TEST_TARGETS      += test-tinytorch
SLOW_TEST_TARGETS += test-tinytorch-slow
BENCH_TARGETS     += bench-tinytorch

.PHONY: test-tinytorch test-tinytorch-slow bench-tinytorch export-tinytorch

test-tinytorch: venv ## TinyTorch fast suite: module tests, export drift, student versions, gradient checks, quick milestones
	cd tinytorch && $(PYTEST) -n 2 tests modules

test-tinytorch-slow: venv ## TinyTorch milestones at full budget (asserts the stated targets)
	cd tinytorch && $(PYTEST) tests_slow

bench-tinytorch: venv ## TinyTorch vs PyTorch CPU: per-step time ratio and peak memory
	$(PY) tinytorch/bench/bench_vs_torch.py

export-tinytorch: venv ## Regenerate tinytorch/src/tinytorch from the module sources
	$(BIN)/tito export
