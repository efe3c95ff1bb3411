"""`mlsysbook parity`: the comparison of two renderings (always), and both renderers on the fixture
book when `quarto` is on PATH."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from mlsysbook.site.parity import compare, read_page
from mlsysbook.site.quarto import quarto_binary


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_the_embedded_rendering_reads_back_what_the_book_numbers(built_fixture):
    facts = read_page(built_fixture / "_site/vol1", "alpha/alpha.html")
    assert (facts.chapter_number, facts.chapter_title, facts.chapter_id) == ("1", "Alpha Chapter", "sec-alpha")
    assert facts.sections["sec-alpha-diagrams"] == "1.2"
    assert facts.floats["fig-alpha-graph"] == "Figure 1.3" and facts.floats["tbl-alpha-devices"] == "Table 1.1"
    assert ("Equation 1.1", "alpha/alpha.html#eq-alpha-time") in facts.xrefs
    assert "295" in facts.numbers  # the inline {python} result
    assert [(kind, answer) for kind, answer, _ in facts.quiz] == [("mcq", "1"), ("calc", "295"), ("short", "")]
    glossary = read_page(built_fixture / "_site/vol1", "glossary.html").glossary
    assert glossary == {"Arithmetic intensity": "alpha/alpha.html#term-arithmetic-intensity",
                        "Ridge point": "beta/beta.html#term-ridge-point"}


def test_every_kind_of_difference_is_named(built_fixture, tmp_path):
    left = built_fixture / "_site/vol1"
    right = tmp_path / "vol1"
    shutil.copytree(left, right)
    assert compare(left, right) == []
    alpha, beta = right / "alpha/alpha.html", right / "beta/beta.html"
    _edit(alpha, "Figure\u00a01.3:", "Figure\u00a01.4:")
    _edit(alpha, '<span class="header-section-number">1.2</span>', '<span class="header-section-number">1.3</span>')
    _edit(alpha, "The ridge point sits at 295", "The ridge point sits at 296")
    _edit(alpha, 'data-type="mcq" data-answer="1"', 'data-type="mcq" data-answer="2"')
    _edit(beta, 'class="quarto-xref">Figure\u00a01.1</a>', 'class="quarto-xref">Figure\u00a02.1</a>')
    _edit(right / "glossary.html", "beta/beta.html#term-ridge-point", "beta/beta.html#term-ridge")
    (right / "references.html").unlink()
    found = "\n".join(compare(left, right, names=("a", "b")))
    assert "references.html: page only in a" in found
    assert "alpha/alpha.html: float fig-alpha-graph: a Figure 1.3, b Figure 1.4" in found
    assert "alpha/alpha.html: section sec-alpha-diagrams: a 1.2, b 1.3" in found
    assert "alpha/alpha.html: numbers in the prose differ: only in a [295], only in b [296]" in found
    assert "alpha/alpha.html: quiz question 1: a ('mcq', '1'" in found
    assert "beta/beta.html: cross-reference 'Figure 2.1' -> alpha/alpha.html#fig-alpha-roofline only in b" in found
    assert "glossary.html: glossary term Ridge point: a beta/beta.html#term-ridge-point, b beta/beta.html#term-ridge" in found


@pytest.mark.skipif(quarto_binary() is None, reason="real Quarto is not on PATH (parity needs both renderers)")
def test_quarto_and_the_embedded_renderer_make_the_same_fixture_book(project, tmp_path):
    result = subprocess.run([sys.executable, "-m", "mlsysbook.cli", "parity", "--root", str(project), "--only", "vol1",
                             "--keep", str(tmp_path / "renders")], capture_output=True, text=True,
                            env={**os.environ, "QUARTO_PYTHON": os.environ.get("QUARTO_PYTHON", sys.executable)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "render the same" in result.stdout
    leftovers = [p for p in (project / "book").rglob("*") if p.suffix == ".html" or p.name.endswith("_files")]
    assert leftovers == []
