# Accessibility check (issue #18): axe-core from npm, for tests/test_axe.py only (never shipped in the site).
# `npm ci` installs exactly the version in package-lock.json into tools/a11y/node_modules/; it runs again only
# when the lock file changes.
.PHONY: a11y-deps

A11Y_DIR := $(ROOT)/tools/a11y

a11y-deps: $(A11Y_DIR)/node_modules/.installed ## Accessibility: install axe-core (npm) for the axe test of test-site

$(A11Y_DIR)/node_modules/.installed: $(A11Y_DIR)/package-lock.json $(A11Y_DIR)/package.json
	@command -v npm >/dev/null || $(APT) npm
	cd $(A11Y_DIR) && npm ci --no-audit --no-fund
	@touch $@
