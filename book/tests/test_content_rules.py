"""Each rule of the content check, exercised on a toy book that starts complete and is then broken."""
from __future__ import annotations

from click.testing import CliRunner

from toybook import SLUG, bib_entries, complete_chapter, quiz
from mlsysbook.content import BAR, check_book, parse_chapter
from mlsysbook.content.cli import content_report


def only_chapter(book):
    report = check_book(book.root, volumes=("vol1",))
    (chapter,) = report.chapters
    return report, chapter


def test_complete_toy_chapter_passes_and_counts(toy_book):
    report, ch = only_chapter(toy_book)
    assert not report.failed, ch.failures + report.bib.errors
    assert ch.words >= BAR.words_min
    assert len(ch.figures) == 3 and ch.computed_figures == 1
    assert {f.kind for f in ch.figures} == {"computed", "diagram"}
    assert sorted(ch.tables) == ["tbl-one", "tbl-two"]
    assert ch.worked_examples == 2 and len(ch.definitions) == 3
    assert ch.quiz.counts == {"mcq": 3, "short": 3, "calc": 2}
    assert ch.exercises == 5 and ch.exercise_levels == {"Easy", "Medium", "Hard"}
    assert len(ch.citations) == 10 and ch.objectives == 6
    assert ch.inline_exprs == ["width"] and ch.has_setup_cell


def test_word_count_excludes_code_quiz_tables_and_citations(toy_book):
    base = parse_chapter(toy_book.chapter, SLUG).words
    noisy = complete_chapter(
        quizdiv="::: {.quiz}\nmany words inside the quiz div do not count at all\n:::\n",
        tables="| lots | of | table | words |\n|---|---|---|---|\n| a b c | d e f | g | h |\n\n: T {#tbl-one}\n\n"
               "| c | d |\n|---|---|\n| 3 | 4 |\n\n: Second table {#tbl-two}\n",
        computed="```{python}\n#| label: fig-computed\n#| fig-cap: \"A computed figure.\"\n"
                 "# a long comment with many many words in it that is code\nms.hardware('H100-SXM')\n```\n")
    toy_book.write(noisy)
    assert parse_chapter(toy_book.chapter, SLUG).words == base


def test_word_count_tracks_prose(toy_book):
    toy_book.write(complete_chapter(words=4000))
    _, ch = only_chapter(toy_book)
    assert any("teaching prose" in s for s in ch.shortfalls)
    assert ch.words < BAR.words_min


def test_short_chapter_marked_complete_fails_but_draft_passes(toy_book):
    toy_book.write(complete_chapter(words=1000))
    report, ch = only_chapter(toy_book)
    assert report.failed and any("teaching prose" in f for f in ch.failures)
    draft = complete_chapter(words=1000, front='---\ncontent-status: draft\n---\n')
    toy_book.write(draft)
    report, ch = only_chapter(toy_book)
    assert not report.failed and ch.shortfalls


def test_figure_needs_engine_call_and_reference(toy_book):
    toy_book.write(complete_chapter(
        computed="```{python}\n#| label: fig-computed\n#| fig-cap: \"Plot.\"\nimport numpy as np\nnp.arange(3)\n```\n",
        refs="See @fig-flow, @fig-graph, @tbl-one and @tbl-two.\n"))
    _, ch = only_chapter(toy_book)
    msgs = "\n".join(ch.failures)
    assert "computed by an mlsysim/tinytorch cell: 0" in msgs
    assert "fig-computed is never referenced" in msgs


def test_helper_function_that_calls_the_engine_counts(toy_book):
    toy_book.write(complete_chapter(
        setup="```{python}\n#| echo: false\nimport mlsysim as ms\nwidth = 3\n"
              "def peak(name):\n    return ms.hardware(name).peak_flops('bf16')\n```\n",
        computed="```{python}\n#| label: fig-computed\n#| fig-cap: \"Plot.\"\npeak('H100-SXM')\n```\n"))
    _, ch = only_chapter(toy_book)
    assert ch.computed_figures == 1 and not ch.failures


def test_missing_and_raster_diagrams_are_errors(toy_book):
    toy_book.write(complete_chapter(diagrams="![A photo.](images/photo.png){#fig-flow}\n\n"
                                             "![No caption file.](images/none.svg){#fig-graph}\n"))
    _, ch = only_chapter(toy_book)
    msgs = "\n".join(ch.errors)
    assert "not a source diagram" in msgs and "does not exist" in msgs


def test_exercise_tags_and_count(toy_book):
    toy_book.write(complete_chapter(exercises=f"## Exercises {{#sec-{SLUG}-exercises}}\n\n"
                                              "1. **[Easy]** One.\n2. Two without a tag.\n3. **[Trivial]** Three.\n"))
    _, ch = only_chapter(toy_book)
    assert ch.exercises == 3 and ch.untagged_exercises == 2
    msgs = "\n".join(ch.failures)
    assert "do not start with **[Easy]**" in msgs and "exercises: 3 (need 5" in msgs


def test_where_to_go_next_needs_lab_tinytorch_and_kit(toy_book):
    toy_book.write(complete_chapter(next=f"## Where to go next {{#sec-{SLUG}-next}}\n\n[Lab](../../labs/x.html)\n"))
    _, ch = only_chapter(toy_book)
    msgs = "\n".join(ch.failures)
    assert "../../tinytorch/" in msgs and "../../kits/" in msgs and "../../labs/" not in msgs


def test_citations_need_bib_entries_and_count_distinct(toy_book):
    toy_book.write(complete_chapter(citations=9) + "\nAgain [@ref0] and [@nobody2020].\n")
    report, ch = only_chapter(toy_book)
    msgs = "\n".join(ch.failures)
    assert "citations: 9 distinct" in msgs and "no entry `nobody2020`" in msgs
    assert "`ref9` is cited nowhere" in "\n".join(report.bib.errors)


def test_every_chapter_needs_title_objectives_outline(toy_book):
    toy_book.write("---\ncontent-status: outline\n---\n\nJust a paragraph.\n")
    report, ch = only_chapter(toy_book)
    msgs = "\n".join(ch.errors)
    assert "no title" in msgs and "learning objectives" in msgs and "section outline" in msgs
    toy_book.chapter.unlink()
    report, ch = only_chapter(toy_book)
    assert "does not exist" in ch.errors[0]


def test_title_is_the_first_heading(toy_book):
    toy_book.write(complete_chapter(heading="# Toy chapter {#sec-toy}\n"))
    _, ch = only_chapter(toy_book)
    assert ch.title == "Toy chapter" and not ch.failures


def test_quiz_errors_are_reported(toy_book):
    toy_book.write(quiz_data=quiz(answer=4))
    _, ch = only_chapter(toy_book)
    assert any("answer index 4 is out of range" in e for e in ch.errors)
    toy_book.write(quiz_data=quiz(explanation="Option C is right because bandwidth binds."))
    _, ch = only_chapter(toy_book)
    assert any("names option C but the key is B" in e for e in ch.errors)
    toy_book.write(quiz_data=quiz(n_calc=1))
    _, ch = only_chapter(toy_book)
    assert any("quiz calc questions: 1 (need 2)" in f for f in ch.failures)


def test_cli_exit_code_and_report(toy_book):
    runner = CliRunner()
    ok = runner.invoke(content_report, ["--book-dir", str(toy_book.root), "--volume", "vol1"])
    assert ok.exit_code == 0, ok.output
    assert "vol1/toy" in ok.output and "content check passed" in ok.output
    toy_book.write(complete_chapter(words=100))
    bad = runner.invoke(content_report, ["--book-dir", str(toy_book.root), "--volume", "vol1"])
    assert bad.exit_code == 1 and "teaching prose" in bad.output
    js = runner.invoke(content_report, ["--book-dir", str(toy_book.root), "--volume", "vol1", "--json"])
    assert '"failed": true' in js.output


def test_cli_rejects_wrong_book_dir(tmp_path):
    result = CliRunner().invoke(content_report, ["--book-dir", str(tmp_path)])
    assert result.exit_code == 2 and "--book-dir" in result.output


def test_bib_entries_are_checked(toy_book):
    bad = bib_entries(10) + (
        "@article{nolocator,\n  author = {A, B},\n  title = {T},\n  journal = {J},\n  year = {2020},\n}\n"
        "@inproceedings{thin,\n  title = {T},\n  url = {https://example.org},\n}\n"
        "@article{ref0,\n  author = {A},\n  title = {Dup},\n  journal = {J},\n  year = {2021},\n  doi = {10.1/x},\n}\n")
    toy_book.write(complete_chapter() + "\n[@nolocator] [@thin]\n", bib_text=bad)
    report, _ = only_chapter(toy_book)
    msgs = "\n".join(report.bib.errors)
    assert "`nolocator`: add a doi, eprint" in msgs
    assert "`thin`: @inproceedings is missing author, booktitle, year" in msgs
    assert "key `ref0` is defined 2 times" in msgs


def test_bib_syntax_error_is_reported(toy_book):
    toy_book.write(bib_text=bib_entries(10) + "@article{broken, title = {unclosed, year = 2020,\n\n@misc{x, title={y}}\n")
    report, _ = only_chapter(toy_book)
    assert any("BibTeX syntax error" in e for e in report.bib.errors)


def test_example_list_lines_are_reported(toy_book):
    toy_book.write(complete_chapter(refs="See the tables below and\n@tbl-one. Also @fig-computed, @fig-flow, "
                                         "@fig-graph and @tbl-two.\n\n(@tbl-two) starts a block.\n"))
    _, ch = only_chapter(toy_book)
    assert any("example list" in e for e in ch.errors)


def test_inline_numbers_inside_tables_are_collected(toy_book):
    toy_book.write(complete_chapter(tables="| a | b |\n|---|---|\n| `{python} width` | 2 |\n\n: First {#tbl-one}\n\n"
                                           "| c | d |\n|---|---|\n| 3 | 4 |\n\n: Second {#tbl-two}\n"))
    _, ch = only_chapter(toy_book)
    assert ch.inline_exprs.count("width") == 2


def test_execution_reports_failing_cells_and_inline_numbers(toy_book):
    from mlsysbook.content.execute import run_chapter
    ok = run_chapter(parse_chapter(toy_book.chapter, SLUG))
    assert ok.ok and ok.inline_values == ["3"]
    toy_book.write(complete_chapter(overview=f"## Overview {{#sec-{SLUG}-overview}}\n\nBad `{{python}} missing_name`.\n"))
    bad = run_chapter(parse_chapter(toy_book.chapter, SLUG))
    assert not bad.ok and "missing_name" in bad.output
    toy_book.write(complete_chapter(setup="```{python}\n#| echo: false\nimport mlsysim as ms\nwidth = ''\n1 / 0\n```\n"))
    crash = run_chapter(parse_chapter(toy_book.chapter, SLUG))
    assert not crash.ok and "ZeroDivisionError" in crash.output


def test_cli_execute_flag_fails_on_broken_cell(toy_book):
    toy_book.write(complete_chapter(setup="```{python}\n#| echo: false\nimport mlsysim as ms\nwidth = undefined_value\n```\n"))
    result = CliRunner().invoke(content_report, ["--book-dir", str(toy_book.root), "--volume", "vol1", "--execute"])
    assert result.exit_code == 1 and "undefined_value" in result.output
