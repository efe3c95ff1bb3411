# Book site platform (issue #2): renderer, site assembly, checker, browser tests, benchmark.
# The site tests build the real site once (cached in .cache/) and small fixture projects for failure modes.
TEST_TARGETS  += test-site
BENCH_TARGETS += bench-site

.PHONY: test-site bench-site site-deps

site-deps: venv
	@$(APT) graphviz chromium

# The real-site tests need what the other components generate for the site (labs exports, interview
# pages): run the SITE_TARGETS first. Expanded in the recipe, when every fragment has been read.
test-site: site-deps ## Site platform: renderer, checker, bad input, browser tests, repo integration tests
	@$(MAKE) --no-print-directory $(SITE_TARGETS)
	$(PYTEST) tools/tests tests

bench-site: site-deps ## Site build times: cold, fully cached, one chapter edited (targets 60 s / 5 s)
	$(PY) -m mlsysbook.site.bench
