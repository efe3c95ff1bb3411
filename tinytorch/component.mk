# TinyTorch: framework, 20-module course, tito CLI, milestones, benchmark vs PyTorch CPU.
TEST_TARGETS      += test-tinytorch
SLOW_TEST_TARGETS += test-tinytorch-slow
BENCH_TARGETS     += bench-tinytorch

# One BLAS thread: these small models are faster single-threaded, and parallel test workers would oversubscribe.
TINYTORCH_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

SITE_TARGETS      += site-tinytorch

.PHONY: test-tinytorch test-tinytorch-slow bench-tinytorch export-tinytorch site-tinytorch

test-tinytorch: venv ## TinyTorch fast suite: module tests, export drift, student versions, gradient checks, quick milestones
	cd tinytorch && $(TINYTORCH_ENV) $(PYTEST) -n 2 tests modules

test-tinytorch-slow: venv ## TinyTorch milestones at full budget (asserts the stated targets)
	cd tinytorch && $(TINYTORCH_ENV) $(PYTEST) tests_slow

bench-tinytorch: venv ## TinyTorch vs PyTorch CPU: per-step time ratio and peak memory
	$(TINYTORCH_ENV) $(PY) tinytorch/bench/bench_vs_torch.py

export-tinytorch: venv ## Regenerate tinytorch/src/tinytorch from the module sources
	$(BIN)/tito export

site-tinytorch: venv ## TinyTorch: copy each module's source into build/site/tinytorch/source/ (the module pages link to it)
	rm -rf $(BUILD)/site/tinytorch
	$(BIN)/tito site --sources $(BUILD)/site/tinytorch/source
