"""A chapter names another chapter of its volume by `@sec-<slug>` ("Chapter N"), never by a typed
"Chapter [Title](...)" ("Chapter Introduction") or "Chapter @sec-x" ("Chapter Chapter 1") (issue #18)."""
from __future__ import annotations

from pathlib import Path

from toybook import REPO, complete_chapter
from mlsysbook.content import check_book
from mlsysbook.content.chapter_refs import check_chapter_refs, check_text

PAGE = Path("book/vol1/toy/toy.qmd")


def test_cross_references_and_other_links_pass():
    text = ("As @sec-introduction showed, and @sec-training derives, the Chapter ends here.\n\n"
            "**Next chapter:** [Data Engineering](../data_engineering/data_engineering.qmd)\n\n"
            "Volume I's [Serving chapter](../../vol1/serving/serving.html) covers one replica.\n\n"
            "```python\n# Chapter [Code](../code/code.qmd) inside code is not prose\n```\n")
    assert check_text(PAGE, text) == []


def test_typed_chapter_link_is_reported_with_the_reference_to_write():
    text = "Intro.\n\nThe scaling laws of Chapter [Introduction](../introduction/introduction.qmd) hold.\n"
    (problem,) = check_text(PAGE, text)
    assert problem.startswith(f"{PAGE}:3: `Chapter [Introduction](...)` reads \"Chapter Introduction\"")
    assert "write `@sec-introduction`" in problem


def test_reference_wrapped_after_the_word_is_found_once_on_its_first_line():
    text = "Line one.\nintroduced in Chapter\n[Training](../training/training.qmd), then more.\n"
    (problem,) = check_text(PAGE, text)
    assert problem.startswith(f"{PAGE}:2:") and "`@sec-training`" in problem


def test_plural_and_lowercase_and_anchor_forms():
    text = ("the problems of Chapters [Data Engineering](../data_engineering/data_engineering.qmd) and more;\n"
            "see chapter [Frameworks](../frameworks/frameworks.qmd#sec-frameworks-graphs).\n")
    problems = check_text(PAGE, text)
    assert [p.split(":")[1] for p in problems] == ["1", "2"]
    assert "`@sec-data_engineering`" in problems[0] and "`@sec-frameworks`" in problems[1]


def test_word_chapter_before_a_cross_reference_is_doubled():
    (problem,) = check_text(PAGE, "As Chapter @sec-training shows.\n")
    assert "reads \"Chapter Chapter N\"" in problem and "write `@sec-training`" in problem
    assert check_text(PAGE, "As @sec-training shows, this chapter (@sec-toy) is short.\n") == []


def test_content_check_fails_on_a_typed_reference(toy_book):
    toy_book.write(complete_chapter(refs="See @fig-computed, @fig-flow, @fig-graph, @tbl-one and @tbl-two, and "
                                         "Chapter [Roofline](../roofline/roofline.qmd).\n"))
    report = check_book(toy_book.root, volumes=("vol1",))
    assert report.failed and any("`@sec-roofline`" in e for e in report.errors)


def test_the_book_has_no_typed_chapter_references():
    assert check_chapter_refs(REPO / "book") == []
