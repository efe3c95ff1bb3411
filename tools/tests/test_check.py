"""`mlsysbook check` finds each kind of problem in a built site, and passes a clean one."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlsysbook.site.check import check_links, check_site


@pytest.fixture
def site_copy(tmp_path, built_fixture) -> Path:
    root = tmp_path / "project"
    shutil.copytree(built_fixture, root, symlinks=True)
    return root


def _inject(root: Path, rel: str, html: str) -> None:
    path = root / "_site" / rel
    text = path.read_text()
    path.write_text(text.replace("</article>", html + "</article>", 1))


@pytest.mark.parametrize("html, expected", [
    ('<a href="../beta/nowhere.html">x</a>', "broken link ../beta/nowhere.html"),
    ('<a href="../beta/beta.html#sec-missing">x</a>', 'broken anchor ../beta/beta.html#sec-missing (no id "sec-missing"'),
    ('<a href="#nope">x</a>', "broken anchor #nope"),
    ('<img src="figures/none.png">', "broken link figures/none.png"),
    ('<script src="https://cdn.example.org/lib.js"></script>', "external request at page load"),
    ('<a href="/vol1/index.html">x</a>', "absolute link"),
    ("<p><strong>?@fig-ghost</strong></p>", "unresolved cross-reference @fig-ghost"),
    ('<span class="citation" data-cites="ghost2020"><strong>ghost2020?</strong></span>', "citation `ghost2020` not found"),
    ('<pre class="cell-output cell-output-error"><code>ZeroDivisionError</code></pre>', "a cell raised an error"),
])
def test_check_reports_each_problem(site_copy, html, expected):
    _inject(site_copy, "vol1/alpha/alpha.html", html)
    problems = check_site(site_copy, site_copy / "_site")
    assert any(expected in p and p.startswith("vol1/alpha/alpha.html") for p in problems), problems


def test_external_links_are_fine_but_not_external_page_loads(site_copy):
    _inject(site_copy, "vol1/alpha/alpha.html", '<a href="https://doi.org/10.1145/1498765.1498785">doi</a>')
    assert check_site(site_copy, site_copy / "_site") == []


def test_chapter_missing_from_toc(site_copy):
    stray = site_copy / "book/vol1/gamma/gamma.qmd"
    stray.parent.mkdir()
    stray.write_text("# Gamma {#sec-gamma}\n")
    problems = check_site(site_copy, site_copy / "_site")
    assert any("gamma.qmd: chapter is not in the table of contents" in p for p in problems), problems


def test_toc_chapter_missing_from_site(site_copy):
    (site_copy / "_site/vol1/beta/beta.html").unlink()
    problems = check_site(site_copy, site_copy / "_site")
    assert any("beta.qmd: listed in the TOC but vol1/beta/beta.html is missing" in p for p in problems), problems


def test_check_links_counts_directory_links_as_index(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub/index.html").write_text('<h1 id="top">x</h1>')
    (tmp_path / "index.html").write_text('<a href="sub/">a</a><a href="sub/#top">b</a><a href="sub/#gone">c</a>')
    problems = check_links(tmp_path)
    assert [p[1] for p in problems] == ["sub/#gone"]


def test_cli_exit_codes(site_copy):
    command = [sys.executable, "-m", "mlsysbook.cli", "check", "--root", str(site_copy)]
    clean = subprocess.run(command, capture_output=True, text=True)
    assert clean.returncode == 0 and "is clean" in clean.stdout
    _inject(site_copy, "vol1/alpha/alpha.html", '<a href="../missing.html">x</a>')
    broken = subprocess.run(command, capture_output=True, text=True)
    assert broken.returncode == 1 and "broken link ../missing.html" in broken.stdout
    empty = subprocess.run(command[:-1] + [str(site_copy / "nowhere")], capture_output=True, text=True)
    assert empty.returncode == 1 and "build the site first" in empty.stdout


def test_demonstrated_errors_are_not_findings(site_copy):
    # `#| error: true` cells show their traceback on purpose; the renderer marks them so
    _inject(site_copy, "vol1/alpha/alpha.html",
            '<pre class="cell-output cell-output-error cell-error-allowed"><code>ValueError</code></pre>')
    assert check_site(site_copy, site_copy / "_site") == []


def test_missing_quiz_questions_script_and_glossary_terms_are_found(site_copy):
    alpha = site_copy / "_site/vol1/alpha/alpha.html"
    text = alpha.read_text()
    alpha.write_text(text.replace('class="quiz-question"', 'class="quiz-q"', 1).replace("quiz.js", "other.js"))
    glossary = site_copy / "_site/vol1/glossary.html"
    glossary.write_text(glossary.read_text().replace('class="glossary-entry"', 'class="entry"', 1))
    problems = "\n".join(check_site(site_copy, site_copy / "_site"))
    assert "vol1/alpha/alpha.html: the quiz shows 2 of the 3 questions in alpha_quiz.yml" in problems
    assert "vol1/alpha/alpha.html: has a quiz but does not load quiz.js" in problems
    assert "vol1/glossary.html: the glossary lists 1 terms but the chapters of vol1 define 2" in problems
