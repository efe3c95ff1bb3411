# Book content check (issue #6): the checker's own tests, the real book against the bar, every cell runs.
TEST_TARGETS += test-content

.PHONY: test-content
test-content: venv ## Content check: chapter bar, quiz keys, bibliography, chapter cells execute
	$(PYTEST) -n 2 book/tests
