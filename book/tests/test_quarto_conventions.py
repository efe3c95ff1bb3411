"""The content check rejects what real Quarto renders wrongly or not at all (book/README.md,
"Conventions for both renderers"): each rule on a toy book that passes before the edit."""
from __future__ import annotations

import shutil

import pytest
import yaml

from toybook import REPO, complete_chapter
from mlsysbook.content import check_book
from mlsysbook.content.conventions import check_conventions


def errors_after(toy_book, **overrides) -> list[str]:
    toy_book.write(complete_chapter(**overrides))
    return check_book(toy_book.root, volumes=("vol1",)).errors


def test_toy_book_follows_the_conventions(toy_book):
    assert errors_after(toy_book) == []


def test_front_matter_title_is_rejected(toy_book):
    errors = errors_after(toy_book, front='---\ntitle: "Toy"\ncontent-status: complete\nlab: roofline\n---\n')
    assert any(":2: front-matter `title:` on a book page" in e for e in errors), errors


def test_titled_or_numbered_volume_index_is_rejected(toy_book):
    (toy_book.vol / "index.qmd").write_text("---\ntitle: Volume\n---\n\n# Volume {#sec-index}\n")
    errors = check_book(toy_book.root, volumes=("vol1",)).errors
    assert any("index.qmd:2: front-matter `title:`" in e for e in errors)
    assert any("index.qmd:5: the volume index heading must be `.unnumbered`" in e for e in errors)


def test_appendix_without_heading_is_rejected(toy_book):
    (toy_book.vol / "glossary.qmd").write_text("::: {.glossary}\n:::\n")
    errors = check_book(toy_book.root, volumes=("vol1",)).errors
    assert any("glossary.qmd:1: no `# Title {#sec-...}` heading" in e for e in errors)


def test_mermaid_options_must_be_percent_pipes(toy_book):
    mermaid = "```{mermaid}\n//| label: fig-flow2\n%%| fig-cap: \"Flow.\"\nflowchart LR\n  A --> B\n```\n"
    errors = errors_after(toy_book, extra=mermaid)
    assert any("{mermaid} cell options are written `%%| key: value`; Quarto leaves `//|`" in e for e in errors), errors
    dot = "```{dot}\n%%| label: fig-graph2\ndigraph { a -> b }\n```\n"
    assert any("{dot} cell options are written `//| key: value`" in e for e in errors_after(toy_book, extra=dot))


def test_cross_reference_followed_by_bracketed_citation_is_rejected(toy_book):
    errors = errors_after(toy_book, refs="See @fig-computed, @fig-flow, @fig-graph, @tbl-one [@ref0] and @tbl-two.\n")
    assert any("`@tbl-one [@ref0]` is read as one citation" in e for e in errors), errors
    fine = errors_after(toy_book, refs="See @fig-computed, @fig-flow, @fig-graph, @tbl-one, see [@ref0], and @tbl-two.\n")
    assert fine == []


@pytest.mark.parametrize("attrs,ok", [("{.callout-note #def-x}", False), ("{#x-y .callout-tip}", False),
                                      ("{.callout-note #nte-x}", True), ("{.callout-warning #wrn-disk}", True),
                                      ("{.callout-note .definition title=\"T\"}", True)])
def test_callout_ids_must_be_quartos_own_prefix(toy_book, attrs, ok):
    errors = errors_after(toy_book, extra=f"::: {attrs}\nText.\n:::\n")
    assert (errors == []) == ok, errors


@pytest.fixture
def filters_copy(tmp_path):
    """A copy of the book's _common.yml and _filters/ (no chapters) to break one Lua rule at a time."""
    book = tmp_path / "book"
    shutil.copytree(REPO / "book" / "_filters", book / "_filters")
    shutil.copy2(REPO / "book" / "_common.yml", book / "_common.yml")
    return book


def test_real_filters_follow_the_lua_rules(filters_copy):
    assert check_conventions(filters_copy, volumes=()) == []


def test_dependency_path_outside_the_filter_folder_is_rejected(filters_copy):
    quiz = filters_copy / "_filters" / "quiz.lua"
    quiz.write_text(quiz.read_text().replace('scripts = { "quiz.js" }',
                                             'scripts = { pandoc.path.join({ "..", "_filters", "quiz.js" }) }'))
    errors = check_conventions(filters_copy, volumes=())
    assert any("quiz.lua" in e and "add_html_dependency scripts entry" in e for e in errors), errors


def test_globals_and_modules_without_a_table_are_rejected(filters_copy):
    glossary = filters_copy / "_filters" / "glossary.lua"
    glossary.write_text("_AS_LIBRARY = true\n" + glossary.read_text())
    terms = filters_copy / "_filters" / "terms.lua"
    terms.write_text(terms.read_text().replace("return M\n", "return M.slug\n"))
    errors = check_conventions(filters_copy, volumes=())
    assert any("glossary.lua:1: `_AS_LIBRARY = …` sets a global" in e for e in errors), errors
    assert any("terms.lua: a helper module" in e for e in errors), errors


def test_missing_filter_and_unknown_stage_are_rejected(filters_copy):
    common = filters_copy / "_common.yml"
    config = yaml.safe_load(common.read_text())
    config["filters"] += ["../_filters/nothere.lua", {"path": "../_filters/quiz.lua", "at": "sometime"}]
    common.write_text(yaml.safe_dump(config))
    errors = check_conventions(filters_copy, volumes=())
    assert any("nothere.lua does not exist" in e for e in errors) and any("`at: sometime`" in e for e in errors)
