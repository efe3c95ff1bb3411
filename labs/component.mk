# labs/: marimo labs, the shared labkit module, their tests, benchmark and site export.
LABS_DIR     := $(ROOT)/labs
LABS_ENV     := PYTHONPATH=$(LABS_DIR)
LABS_OUT     := $(BUILD)/site/labs
# labs/ is its own distribution (labkit + test extras), installed by the root `venv` target
LABS_STAMP   := $(VENV)/.installed

TEST_TARGETS  += test-labs
BENCH_TARGETS += bench-labs
SITE_TARGETS  += site-labs
SLOW_TEST_TARGETS += test-labs-slow

.PHONY: test-labs bench-labs site-labs labs-index

test-labs: venv $(LABS_STAMP) ## Labs: every lab runs headless, passes `marimo check`, and reacts to its controls
	$(LABS_ENV) $(PYTEST) $(LABS_DIR)/tests

site-labs: venv $(LABS_STAMP) ## Labs: export every lab to static HTML in build/site/labs/
	$(LABS_ENV) $(PY) -m labkit.export --out $(LABS_OUT)

labs: site-labs ## Export every lab for the site (same as site-labs)

labs-index: venv $(LABS_STAMP) ## Labs: regenerate labs/site/index.qmd from labs/labs.yml
	$(LABS_ENV) $(PY) -m labkit.siteindex --write $(LABS_DIR)/site/index.qmd

bench-labs: venv $(LABS_STAMP) ## Labs: control-change -> updated-output latency per lab (target <= 100 ms)
	$(LABS_ENV) $(PY) -m labkit.bench

.PHONY: test-labs-slow
test-labs-slow: venv $(LABS_STAMP) ## Labs: load every exported page and every `marimo run` session in headless Chromium
	$(APT) chromium
	$(LABS_ENV) $(PYTEST) $(LABS_DIR)/tests_slow
