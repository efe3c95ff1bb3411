# StaffML interview playbook: question bank, `staffml` CLI, generated playbook pages.
TEST_TARGETS += test-interviews
SITE_TARGETS += site-interviews

.PHONY: test-interviews site-interviews check-interviews

test-interviews: venv ## Interview bank schema + napkin-math checks, CLI, storage, practice-mode browser test
	$(APT) chromium
	$(PYTEST) -n 2 interviews/tests

check-interviews: venv ## Recompute every napkin-math check of the interview bank
	$(BIN)/staffml check

site-interviews: venv ## Generate the interview playbook pages into build/site/interviews/
	rm -rf $(BUILD)/site/interviews
	$(BIN)/staffml site --out $(BUILD)/site/interviews

BENCH_TARGETS += bench-interviews
.PHONY: bench-interviews
bench-interviews: venv ## Interview bank: validation, check recomputation, site generation, store transactions (ratios)
	$(PY) -m staffml.bench
