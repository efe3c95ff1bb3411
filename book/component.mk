# Book site platform (issue #2): renderer, site assembly, checker, browser tests, benchmark.
# The site tests build the real site once (cached in .cache/) and small fixture projects for failure modes.
TEST_TARGETS  += test-site
BENCH_TARGETS += bench-site

.PHONY: test-site bench-site site-deps

site-deps: venv
	@$(APT) graphviz chromium

test-site: site-deps ## Site platform: renderer, checker, bad input, browser tests, repo integration tests
	$(PYTEST) tools/tests tests

bench-site: site-deps ## Site build times: cold, fully cached, one chapter edited (targets 60 s / 5 s)
	$(PY) -m mlsysbook.site.bench
