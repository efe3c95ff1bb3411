"""Every chapter closes the same way: Summary, the quiz div (no heading of its own), Exercises, Where to go
next; a duplicated "Self-check" heading or the parts out of order fail the content check with file:line and
the fix (issue #18)."""
from __future__ import annotations

from pathlib import Path

from toybook import REPO, SLUG, complete_chapter
from mlsysbook.content import check_book
from mlsysbook.content.closing import check_chapter_text, check_closing

PAGE = Path("book/vol1/toy/toy.qmd")
SUMMARY = f"## Summary {{#sec-{SLUG}-summary}}\n\n- One takeaway.\n"
QUIZ = "::: {.quiz}\n:::\n"
EXERCISES = f"## Exercises {{#sec-{SLUG}-exercises}}\n\n1. **[Easy]** Estimate it.\n"
NEXT = f"## Where to go next {{#sec-{SLUG}-next}}\n\n- **Lab:** [Lab](../../labs/roofline.html)\n"
BODY = f"# Toy {{#sec-{SLUG}}}\n\n## Principles {{#sec-{SLUG}-principles}}\n\nProse.\n"


def chapter(*parts: str) -> str:
    return "\n".join((BODY, *parts))


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def test_model_order_passes():
    assert check_chapter_text(PAGE, chapter(SUMMARY, QUIZ, EXERCISES, NEXT)) == []


def test_draft_with_some_parts_is_checked_only_for_their_order():
    assert check_chapter_text(PAGE, chapter(SUMMARY, EXERCISES)) == []
    assert check_chapter_text(PAGE, chapter(QUIZ, NEXT)) == []


def test_self_check_heading_above_the_quiz_is_a_duplicate():
    text = chapter(SUMMARY, f"## Self-check {{#sec-{SLUG}-quiz}}\n\n" + QUIZ, EXERCISES, NEXT)
    (problem,) = check_chapter_text(PAGE, text)
    assert problem.startswith(f"{PAGE}:{line_of(text, f'## Self-check {{#sec-{SLUG}-quiz}}')}:")
    assert "duplicates the quiz's own \"Self-check\" heading" in problem and "delete this heading" in problem


def test_other_spellings_of_the_self_check_heading_are_caught():
    for heading in ("### Self check", "## Quiz", "## Self-Check Quiz"):
        text = chapter(SUMMARY, heading + "\n\n" + QUIZ, EXERCISES, NEXT)
        (problem,) = check_chapter_text(PAGE, text)
        assert f":{line_of(text, heading)}:" in problem, heading


def test_a_self_check_inside_prose_or_code_is_not_a_heading():
    code = "```python\n## Self-check\nprint('x')\n```\n"
    text = chapter(SUMMARY, QUIZ, EXERCISES, NEXT + "\nEach chapter ends with a self-check.\n\n" + code)
    assert check_chapter_text(PAGE, text) == []


def test_volume_one_legacy_order_is_reported_with_the_fix():
    # the order 8 Volume I chapters had before issue #18: Self-check, Exercises, Summary, Where to go next
    text = chapter(f"## Self-check {{#sec-{SLUG}-quiz}}\n\n" + QUIZ, EXERCISES, SUMMARY, NEXT)
    problems = check_chapter_text(PAGE, text)
    assert len(problems) == 2
    order = next(p for p in problems if "closes with" in p)
    assert order.startswith(f"{PAGE}:{line_of(text, '::: {.quiz}')}:")
    assert ("the chapter closes with the `::: {.quiz}` div, ## Exercises, ## Summary, ## Where to go next; every "
            "chapter closes with ## Summary, the `::: {.quiz}` div, ## Exercises, ## Where to go next") in order
    assert "Move the sections into that order" in order


def test_exercises_before_summary_is_out_of_order():
    text = chapter(EXERCISES, SUMMARY, QUIZ, NEXT)
    (problem,) = check_chapter_text(PAGE, text)
    assert problem.startswith(f"{PAGE}:{line_of(text, f'## Exercises {{#sec-{SLUG}-exercises}}')}:")


def test_parts_are_recognised_by_id_as_well_as_by_title():
    renamed = f"## Further reading and labs {{#sec-{SLUG}-next}}\n\nText.\n"
    assert check_chapter_text(PAGE, chapter(SUMMARY, QUIZ, EXERCISES, renamed)) == []
    (problem,) = check_chapter_text(PAGE, chapter(renamed, SUMMARY, QUIZ, EXERCISES))
    assert "closes with ## Where to go next, ## Summary" in problem


def test_section_between_the_closing_parts_is_reported():
    extra = f"## Further reading {{#sec-{SLUG}-reading}}\n\nBooks.\n"
    text = chapter(SUMMARY, QUIZ, extra, EXERCISES, NEXT)
    (problem,) = check_chapter_text(PAGE, text)
    assert problem.startswith(f"{PAGE}:{line_of(text, f'## Further reading {{#sec-{SLUG}-reading}}')}:")
    assert "Move this section above `## Summary`" in problem


def test_second_quiz_div_is_reported():
    text = chapter(SUMMARY, QUIZ, EXERCISES, QUIZ, NEXT)
    problems = check_chapter_text(PAGE, text)
    assert any("a second `::: {.quiz}` div" in p for p in problems)


def test_content_check_fails_on_toy_chapter_with_duplicate_heading(toy_book):
    assert not check_book(toy_book.root, volumes=("vol1",)).failed
    toy_book.write(complete_chapter(quizdiv=f"## Self-check {{#sec-{SLUG}-quiz}}\n\n::: {{.quiz}}\n:::\n"))
    report = check_book(toy_book.root, volumes=("vol1",))
    assert report.failed
    assert any(e.startswith(f"{toy_book.chapter}:") and "Self-check" in e for e in report.errors)


def test_index_and_appendices_are_not_chapters(toy_book):
    (toy_book.vol / "glossary.qmd").write_text("# Glossary {#sec-glossary .unnumbered}\n\n## Quiz\n\nText.\n")
    assert check_closing(toy_book.root, ("vol1",)) == []


def test_every_chapter_of_both_volumes_closes_in_the_same_order():
    assert check_closing(REPO / "book") == []
