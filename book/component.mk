# Book site platform (issue #2): renderer, site assembly, checker, browser tests, benchmark.
# The site tests build the real site once (cached in .cache/) and small fixture projects for failure modes.
TEST_TARGETS  += test-site
BENCH_TARGETS += bench-site

.PHONY: test-site bench-site site-deps

site-deps: venv
	@$(APT) graphviz chromium

# The real-site tests need what the other components generate for the site (labs exports, interview
# pages): a `site-<name>` target writes build/site/<name>/ (ARCHITECTURE.md), and it is run here only
# when that folder is missing, so repeated test runs do not re-export every lab (`make site` refreshes).
# The loop is in the recipe, where SITE_TARGETS holds every fragment's targets.
test-site: site-deps ## Site platform: renderer, checker, bad input, browser tests, repo integration tests
	@set -e; for t in $(SITE_TARGETS); do \
	  [ -d "$(BUILD)/site/$${t#site-}" ] || $(MAKE) --no-print-directory $$t; done
	$(PYTEST) tools/tests tests

bench-site: site-deps ## Site build times: cold, fully cached, one chapter edited (targets 60 s / 5 s)
	$(PY) -m mlsysbook.site.bench
