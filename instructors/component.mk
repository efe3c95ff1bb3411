# instructors/: hub pages (instructors/site), Beamer decks and themes (instructors/slides).
# Decks build with latexmk + pdflatex from Debian's texlive; `mlsysbook slides` drives the builds.
INSTRUCTORS_DIR := $(ROOT)/instructors
SLIDES_APT      := latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended \
                   texlive-pictures lmodern poppler-utils librsvg2-bin
SLIDES_OUT      := $(BUILD)/instructors/slides

TEST_TARGETS += test-instructors
SITE_TARGETS += site-instructors

.PHONY: test-instructors slides site-instructors slides-clean

test-instructors: venv ## Instructors: every deck compiles (crimson); lecture decks meet the 75-minute bar; page images per theme in build/test-artifacts/slides; notes + handout; hub links
	@$(APT) $(SLIDES_APT)
	$(PYTEST) $(INSTRUCTORS_DIR)/tests

slides: venv ## Instructors: every deck in every theme, with speaker-notes and handout PDFs, into build/instructors/slides/<theme>/
	@$(APT) $(SLIDES_APT)
	$(BIN)/mlsysbook slides build --theme all --variant all --out $(SLIDES_OUT)

site-instructors: venv ## Instructors: default-theme deck PDFs into build/site/instructors/slides/ (cached)
	@$(APT) $(SLIDES_APT)
	$(BIN)/mlsysbook slides build --theme crimson --out $(SLIDES_OUT) --publish $(BUILD)/site/instructors/slides

slides-clean: ## Instructors: remove built decks and generated slide assets
	rm -rf $(BUILD)/instructors $(BUILD)/site/instructors/slides
