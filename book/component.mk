# Book site platform (issue #2): renderer, site assembly, checker, browser tests, benchmark.
# The site tests build the real site once (cached in .cache/) and small fixture projects for failure modes.
TEST_TARGETS  += test-site
BENCH_TARGETS += bench-site

.PHONY: test-site bench-site site-deps

# Accessibility check (issue #18): axe-core from npm, for tests/test_axe.py only (never shipped in the site).
# `npm ci` installs exactly the version in tools/a11y/package-lock.json into tools/a11y/node_modules/; it runs
# again only when the lock file changes.
.PHONY: a11y-deps
A11Y_DIR := $(ROOT)/tools/a11y

a11y-deps: $(A11Y_DIR)/node_modules/.installed ## Accessibility: install axe-core (npm) for the axe test of test-site

$(A11Y_DIR)/node_modules/.installed: $(A11Y_DIR)/package-lock.json $(A11Y_DIR)/package.json
	@command -v npm >/dev/null || $(APT) npm
	cd $(A11Y_DIR) && npm ci --no-audit --no-fund
	@touch $@

site-deps: venv
	@$(APT) graphviz chromium $(DOWNLOADS_APT)

# The real-site tests need what the other components generate for the site (labs exports, interview
# pages): a `site-<name>` target writes build/site/<name>/ (ARCHITECTURE.md), and it is run here only
# when that folder is missing, so repeated test runs do not re-export every lab (`make site` refreshes).
# The loop (SITE_INPUTS) is expanded in the recipe, where SITE_TARGETS holds every fragment's targets.
SITE_INPUTS = @set -e; for t in $(SITE_TARGETS); do \
	  [ -d "$(BUILD)/site/$${t\#site-}" ] || $(MAKE) --no-print-directory $$t; done
test-site: site-deps a11y-deps ## Site platform: renderer, checker, bad input, browser tests, repo integration tests, accessibility (axe)
	$(SITE_INPUTS)
	$(PYTEST) tools/tests tests -m "not slow"

# Figure text as readers see it (issue #18): every Mermaid diagram of the real site drawn in Chromium at
# 1400 and 390 px, and every book page's text on a phone (tests/test_figure_text.py; minutes, so slow).
.PHONY: test-figures-slow
SLOW_TEST_TARGETS += test-figures-slow
test-figures-slow: site-deps ## Site: every real Mermaid diagram legible at desktop and phone width, phone text sizes
	$(SITE_INPUTS)
	$(PYTEST) tests -m slow

bench-site: site-deps ## Site build times: cold, fully cached, one chapter edited (targets 60 s / 5 s)
	$(PY) -m mlsysbook.site.bench

# Downloads (issue #18): each volume as a PDF (pandoc -> LuaLaTeX) and an EPUB (pandoc), from the same
# staged pages as the site, into build/downloads/; `mlsysbook build` publishes whatever it finds there and
# links it from every page of the volume. An unchanged volume is not rebuilt (fingerprint per file).
DOWNLOADS_APT := latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended \
                 texlive-luatex lmodern fonts-dejavu-core librsvg2-bin chromium epubcheck
.PHONY: pdf epub downloads bench-downloads test-downloads-slow
SLOW_TEST_TARGETS += test-downloads-slow
BENCH_TARGETS     += bench-downloads

pdf: venv ## Book: each volume as a PDF into build/downloads/ (the site links it)
	@$(APT) $(DOWNLOADS_APT) graphviz
	$(BIN)/mlsysbook export --format pdf

epub: venv ## Book: each volume as an EPUB into build/downloads/ (the site links it)
	@$(APT) $(DOWNLOADS_APT) graphviz
	$(BIN)/mlsysbook export --format epub

downloads: venv ## Book: PDF and EPUB of each volume (make site includes this)
	@$(APT) $(DOWNLOADS_APT) graphviz
	$(BIN)/mlsysbook export --format pdf,epub

bench-downloads: venv ## Book: PDF/EPUB build time per volume, as a ratio to plain pandoc on the same pages
	@$(APT) $(DOWNLOADS_APT) graphviz
	$(PY) -m mlsysbook.site.bench_export

test-downloads-slow: downloads ## Book: the real volumes' EPUBs pass epubcheck and their PDFs list every chapter
	$(PYTEST) tools/tests_slow/test_real_exports.py

# Learning companion (issue #19): ts-fsrs, DOMPurify and marked from npm, pinned by tools/companion/package-lock.json
# and copied into the site by the build (tools/mlsysbook/companion/build.py fails naming this target without them);
# `npm ci` runs again only when the lock file changes. The data (passages, glossary, questions) is built with the site.
.PHONY: companion-deps companion-llm bench-companion test-companion-slow
COMPANION_DIR := $(ROOT)/tools/companion
BENCH_TARGETS     += bench-companion
SLOW_TEST_TARGETS += test-companion-slow

companion-deps: $(COMPANION_DIR)/node_modules/.installed ## Learning companion: install its front-end libraries (npm ci)

$(COMPANION_DIR)/node_modules/.installed: $(COMPANION_DIR)/package-lock.json $(COMPANION_DIR)/package.json
	@command -v npm >/dev/null || $(APT) npm
	cd $(COMPANION_DIR) && npm ci --no-audit --no-fund
	@touch $@

test-site site book: companion-deps

bench-companion: site-deps companion-deps ## Learning companion: recall@5, data size, selection-to-panel time, build time added (on _site: make site first)
	$(PY) -m mlsysbook.companion.bench

test-companion-slow: site-deps companion-deps ## Learning companion: Ask against real OpenAI-compatible servers (a llama.cpp model, slow, failing, hostile)
	$(PYTEST) tools/tests_slow/test_companion_ask.py

# llama.cpp's own server for test-companion-slow (the `llm` extra of pyproject.toml): pip compiles llama.cpp,
# about 10 minutes on two cores; GGML_NATIVE=OFF makes a build that runs on any x86-64 CPU, not just this one.
companion-llm: $(VENV)/.installed ## Learning companion: build llama-cpp-python's server for the Ask test (compiles llama.cpp, ~10 min)
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" $(PY) -m pip install -q -e '$(ROOT)[dev,llm]'
