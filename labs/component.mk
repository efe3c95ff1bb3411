# labs/: marimo labs, the shared labkit module, their tests, benchmarks and the in-browser site build.
LABS_DIR     := $(ROOT)/labs
LABS_ENV     := PYTHONPATH=$(LABS_DIR)
LABS_OUT     := $(BUILD)/site/labs
# labs/ is its own distribution (labkit + test extras), installed by the root `venv` target
LABS_STAMP   := $(VENV)/.installed
LAB          ?= roofline

TEST_TARGETS  += test-labs test-labs-browser
BENCH_TARGETS += bench-labs bench-labs-browser
SITE_TARGETS  += site-labs
SLOW_TEST_TARGETS += test-labs-slow

.PHONY: test-labs test-labs-browser test-labs-slow bench-labs bench-labs-browser site-labs labs-index labs-serve

test-labs: venv $(LABS_STAMP) ## Labs: every lab runs headless, passes `marimo check`, reacts to its controls and reveals its prediction
	$(LABS_ENV) $(PYTEST) $(LABS_DIR)/tests

test-labs-browser: venv $(LABS_STAMP) ## Labs: build the in-browser labs and boot a representative subset in offline headless Chromium
	$(APT) chromium
	$(LABS_ENV) $(PYTEST) $(LABS_DIR)/tests_slow/test_browser.py

test-labs-slow: venv $(LABS_STAMP) ## Labs: boot EVERY lab in offline headless Chromium, and every `marimo run` session
	$(APT) chromium
	LABS_BROWSER_ALL=1 $(LABS_ENV) $(PYTEST) $(LABS_DIR)/tests_slow

site-labs: venv $(LABS_STAMP) ## Labs: build build/site/labs/ (shared Pyodide runtime + package index, one page per lab)
	$(LABS_ENV) $(PY) -m labkit.wasm --out $(LABS_OUT)

labs: site-labs ## Build the in-browser labs for the site (same as site-labs)

labs-serve: venv $(LABS_STAMP) ## Labs: run one lab with a local Python kernel (make labs-serve LAB=kv_cache_serving)
	$(LABS_ENV) $(BIN)/marimo run $(LABS_DIR)/$(LAB).py

labs-index: venv $(LABS_STAMP) ## Labs: regenerate labs/site/index.qmd from labs/labs.yml
	$(LABS_ENV) $(PY) -m labkit.siteindex --write $(LABS_DIR)/site/index.qmd

bench-labs: venv $(LABS_STAMP) ## Labs: control-change -> updated-output latency per lab in the Python kernel (target <= 100 ms)
	$(LABS_ENV) $(PY) -m labkit.bench

bench-labs-browser: venv $(LABS_STAMP) ## Labs: in-browser boot time, control-change latency, first/repeat-visit bytes
	$(APT) chromium
	$(LABS_ENV) $(PY) -m labkit.bench_browser
