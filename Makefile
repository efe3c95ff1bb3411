# MLSysBook: one Makefile for the whole course.
# Components plug in through `<component>/component.mk` fragments (see ARCHITECTURE.md):
# each fragment defines its own targets and appends them to TEST_TARGETS, BENCH_TARGETS,
# SITE_TARGETS (steps that produce files the site needs) and SLOW_TEST_TARGETS.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT      := $(abspath .)
VENV      := $(ROOT)/.venv
PY        := $(VENV)/bin/python
BIN       := $(VENV)/bin
SITE      := $(ROOT)/_site
BUILD     := $(ROOT)/build
PORT      ?= 8000
PYTEST    := $(PY) -m pytest -q -p no:cacheprovider -p mlsysbook.pytest_hypothesis_profile
APT       := $(ROOT)/tools/ensure-apt.sh

# Editable installs: the repo tooling (with dev extras) and every component distribution.
PACKAGES  := -e '.[dev]' -e './mlsysim[test]' -e ./tinytorch -e ./interviews -e ./kits -e './labs[dev]'
PKG_FILES := pyproject.toml mlsysim/pyproject.toml tinytorch/pyproject.toml interviews/pyproject.toml kits/pyproject.toml labs/pyproject.toml

TEST_TARGETS      :=
SLOW_TEST_TARGETS :=
BENCH_TARGETS     :=
SITE_TARGETS      :=

.PHONY: help venv serve site book labs check test test-slow bench clean content-report

help: ## List the targets
	@echo "MLSysBook — quick start:  make serve   (build + serve http://127.0.0.1:$(PORT))   |   make test"
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN{FS=":.*## "}{printf "  %-22s %s\n", $$1, $$2}'

$(VENV)/.installed: $(wildcard $(PKG_FILES))
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q $(PACKAGES)
	@touch $@

venv: $(VENV)/.installed ## Create .venv and install every package (idempotent)

include $(sort $(wildcard */component.mk */*/component.mk))

site: venv $(SITE_TARGETS) downloads ## Build the whole site into _site/ (book volumes with their PDF/EPUB, labs, hubs)
	@$(APT) graphviz
	$(BIN)/mlsysbook build

# Chapters link to labs, TinyTorch and kit pages, so a volumes-only render needs those parts in _site/
# already (it keeps them); the first time, build everything once.
book: venv ## Render both book volumes (quarto when on PATH, else the embedded renderer)
	@$(APT) graphviz
	@if [ -d "$(SITE)/labs" ] && [ -d "$(SITE)/tinytorch" ] && [ -d "$(SITE)/kits" ]; then \
	  $(BIN)/mlsysbook build --only vol1,vol2; \
	else echo "book: no full site yet, so building everything once (links into labs/kits/tinytorch must resolve)"; \
	  $(MAKE) --no-print-directory site; fi

serve: site ## Build everything, then serve it on http://127.0.0.1:$(PORT)
	$(BIN)/mlsysbook serve --port $(PORT)

check: site ## Check the built site: links, anchors, cross-refs, citations, TOC, cells
	$(BIN)/mlsysbook check

content-report: venv ## Per-chapter content report (words, figures, quizzes, citations)
	$(BIN)/mlsysbook content-report

test: venv ## Run every test (fast suites; CI runs this)
	@set -e; start=$$(date +%s); for t in $(TEST_TARGETS); do echo "==> $$t"; s=$$(date +%s); \
	  $(MAKE) --no-print-directory $$t; echo "<== $$t passed in $$(( $$(date +%s) - s )) s"; done; \
	echo "make test: all suites passed ($(words $(TEST_TARGETS)) suites) in $$(( $$(date +%s) - start )) s"

test-slow: venv ## Run the slow suites kept out of `make test`
	@set -e; for t in $(SLOW_TEST_TARGETS); do echo "==> $$t"; $(MAKE) --no-print-directory $$t; done

bench: venv ## Run every benchmark and print ratio tables (not a test)
	@set -e; for t in $(BENCH_TARGETS); do echo "==> $$t"; $(MAKE) --no-print-directory $$t; done

clean: ## Remove build outputs (keeps .venv and the execution cache)
	rm -rf $(SITE) $(BUILD)
