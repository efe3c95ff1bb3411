"""Broken sources fail the build with file:line, and the previous good _site stays in place."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from site_helpers import run_build


def _snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*.html"))}


def _replace(path: Path, old: str, new: str) -> int:
    """Edit a fixture file; returns the 1-based line of the edit."""
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
    return text[:text.index(old)].count("\n") + 1


def _assert_failed_cleanly(root: Path, result, before: dict[str, bytes], expected: str):
    assert result.returncode == 1, result.stderr
    assert re.search(expected, result.stderr), result.stderr
    assert "the previous site was left in place" in result.stderr
    assert _snapshot(root / "_site") == before
    assert not [p for p in root.iterdir() if p.name.startswith("._site")], "a temporary site was left behind"


def test_malformed_front_matter(project, shared_cache):
    before = _snapshot(project / "_site")
    chapter = project / "book/vol1/alpha/alpha.qmd"
    _replace(chapter, "lab: demo", "lab: [demo")
    result = run_build(project, cache=shared_cache)
    _assert_failed_cleanly(project, result, before, r"book/vol1/alpha/alpha\.qmd:[23]: malformed YAML front matter")


def test_unknown_cross_reference(project, shared_cache):
    before = _snapshot(project / "_site")
    chapter = project / "book/vol1/beta/beta.qmd"
    line = _replace(chapter, "@tbl-alpha-devices", "@tbl-alpha-missing")
    result = run_build(project, cache=shared_cache)
    _assert_failed_cleanly(project, result, before,
                           rf"book/vol1/beta/beta\.qmd:{line}: unknown cross-reference @tbl-alpha-missing")


def test_raising_cell(project, shared_cache):
    before = _snapshot(project / "_site")
    chapter = project / "book/vol1/alpha/alpha.qmd"
    text = chapter.read_text()
    fence_line = text[:text.index("#| label: fig-alpha-roofline")].count("\n")  # the ```{python} line above it
    _replace(chapter, "plt.xlabel(\"FLOP per byte\")", "plt.xlabel(1 / 0)")
    result = run_build(project, cache=shared_cache)
    _assert_failed_cleanly(project, result, before,
                           rf"book/vol1/alpha/alpha\.qmd:{fence_line}: cell raised ZeroDivisionError")


def test_missing_citation(project, shared_cache):
    before = _snapshot(project / "_site")
    line = _replace(project / "book/vol1/beta/beta.qmd", "[@jouppi2017tpu]", "[@nobody2099]")
    result = run_build(project, cache=shared_cache)
    _assert_failed_cleanly(project, result, before,
                           rf"book/vol1/beta/beta\.qmd:{line}: citation key `nobody2099` is not in .*references\.bib")


def test_chapter_listed_but_missing(project, shared_cache):
    before = _snapshot(project / "_site")
    line = _replace(project / "book/vol1/_quarto.yml", "beta/beta.qmd", "gamma/gamma.qmd")
    result = run_build(project, cache=shared_cache)
    _assert_failed_cleanly(project, result, before, rf"_quarto\.yml:{line}: chapter gamma/gamma\.qmd is listed")


def test_broken_link_fails_before_the_swap(project, shared_cache):
    before = _snapshot(project / "_site")
    line = _replace(project / "labs/site/demo.qmd", "alpha.html#sec-alpha-rooflines", "alpha.html#sec-nowhere")
    result = run_build(project, cache=shared_cache)
    _assert_failed_cleanly(project, result, before, rf"labs/site/demo\.qmd:{line}: broken anchor")


def test_invalid_quiz_key(project, shared_cache):
    before = _snapshot(project / "_site")
    _replace(project / "book/vol1/alpha/alpha_quiz.yml", "answer: 1\n", "answer: 7\n")
    result = run_build(project, cache=shared_cache)
    _assert_failed_cleanly(project, result, before, r"alpha_quiz\.yml: question 1")


def test_duplicate_label_across_chapters(project, shared_cache):
    before = _snapshot(project / "_site")
    line = _replace(project / "book/vol1/beta/beta.qmd", "{#sec-beta-back}", "{#sec-alpha-rooflines}")
    result = run_build(project, cache=shared_cache)
    _assert_failed_cleanly(project, result, before,
                           rf"beta\.qmd:{line}: label `sec-alpha-rooflines` is also defined in vol1/alpha/alpha\.html")


def test_all_problems_are_reported_together(project, shared_cache):
    _replace(project / "book/vol1/beta/beta.qmd", "@fig-alpha-roofline", "@fig-gone")
    _replace(project / "book/vol1/beta/beta.qmd", "@tbl-alpha-devices", "@tbl-gone")
    result = run_build(project, cache=shared_cache)
    assert result.returncode == 1
    assert "(2 problem(s))" in result.stderr
    assert "@fig-gone" in result.stderr and "@tbl-gone" in result.stderr


def test_unknown_part_in_only(project, shared_cache):
    result = run_build(project, "--only", "vol9", cache=shared_cache)
    assert result.returncode == 1
    assert "--only vol9: no such part; the site has vol1, labs, tinytorch" in result.stderr


# What real Quarto renders wrongly or not at all is an error in the embedded renderer too
# (conventions in book/README.md), so a chapter that builds here also builds with Quarto.
QUARTO_BREAKERS = [
    ("alpha/alpha.qmd", "%%| label: fig-alpha-flow", "//| label: fig-alpha-flow",
     r"alpha\.qmd:{line}: \{{mermaid\}} cell options are written `%%\| key: value`"),
    ("beta/beta.qmd", "# Beta Chapter", "---\ntitle: Beta\n---\n\n# Beta Chapter",
     r"beta\.qmd:2: a book page has both a front-matter `title:` and a `# Title` heading"),
    ("beta/beta.qmd", "come from @sec-alpha-rooflines;", "come from @sec-alpha-rooflines [@jouppi2017tpu];",
     r"beta\.qmd:{line}: `@sec-alpha-rooflines @jouppi2017tpu` is read as one citation"),
    ("beta/beta.qmd", "::: {.callout-warning}", "::: {.callout-warning #def-warning}",
     r"beta\.qmd:{line}: callout id #def-warning: Quarto accepts only `#wrn-…`"),
]


@pytest.mark.parametrize("rel,old,new,expected", QUARTO_BREAKERS, ids=["mermaid-slash-options", "doubled-title",
                                                                        "xref-with-citation", "callout-id"])
def test_what_breaks_quarto_fails_the_embedded_build(project, shared_cache, rel, old, new, expected):
    before = _snapshot(project / "_site")
    line = _replace(project / "book/vol1" / rel, old, new)
    result = run_build(project, cache=shared_cache)
    _assert_failed_cleanly(project, result, before, expected.format(line=line))


def test_filter_stage_quarto_runs_later_is_rejected(project, shared_cache):
    common = project / "book/_common.yml"
    _replace(common, "  - ../_filters/quiz.lua\n", "  - path: ../_filters/quiz.lua\n    at: post-render\n")
    result = run_build(project, cache=shared_cache)
    assert result.returncode == 1 and "`at: post-render` runs after Quarto's own filters" in result.stderr
