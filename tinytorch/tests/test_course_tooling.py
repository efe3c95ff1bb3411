"""The course machinery: export drift, student versions that fail, notebooks, markers, module format."""
import filecmp
import runpy
import shutil
from pathlib import Path

import nbformat
import pytest

from tito.course import list_modules, parse_module, split_cells
from tito.export import export_all, export_source
from tito.student import SolutionMarkerError, make_student_source, solution_region_count, to_notebook
from tito.workspace import run_pytest

MODULES = list_modules()


def test_twenty_numbered_modules_with_tests():
    assert [m.number for m in MODULES] == list(range(1, 21))
    for module in MODULES:
        assert module.source.exists() and module.tests.exists(), module.slug
        assert all(r < module.number for r in module.requires), f"{module.slug} requires a later module"


def test_committed_package_has_no_drift(tmp_path, course_root):
    export_all(tmp_path)
    fresh_root, committed_root = tmp_path / "tinytorch", course_root / "src" / "tinytorch"
    fresh = sorted(p.relative_to(fresh_root) for p in fresh_root.rglob("*.py"))
    committed = sorted(p.relative_to(committed_root) for p in committed_root.rglob("*.py"))
    assert fresh == committed, "run `tito export`: generated files differ from the committed package"
    changed = [str(p) for p in fresh if not filecmp.cmp(fresh_root / p, committed_root / p, shallow=False)]
    assert not changed, f"run `tito export`: {changed} are out of date"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_module_has_prose_solutions_and_a_systems_analysis(module):
    text = module.source.read_text()
    cells = split_cells(text)
    prose = sum(len(" ".join(c.lines).split()) for c in cells if c.kind == "markdown")
    assert prose >= 250, f"{module.slug} has only {prose} words of prose"
    assert solution_region_count(text) >= 1
    assert "Systems lens" in text and "Systems analysis" in text
    assert any("export" in c.directives for c in cells)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_student_version_fails_its_tests(module, tmp_path, course_root):
    shutil.copytree(course_root / "src" / "tinytorch", tmp_path / "tinytorch")
    student = make_student_source(module.source.read_text(), label=module.slug)
    assert "### BEGIN SOLUTION" not in student and "raise NotImplementedError" in student
    compile(student, module.slug, "exec")
    export_source(module.folder, student, tmp_path, MODULES)
    outcome = run_pytest(module.tests, tmp_path, stop_first=True)
    assert not outcome.ok and outcome.failed + outcome.errors >= 1, outcome.output[-2000:]


def test_student_notebook_is_valid_nbformat():
    notebook = nbformat.reads(to_notebook(make_student_source(MODULES[0].source.read_text())), as_version=4)
    nbformat.validate(notebook)
    kinds = {cell.cell_type for cell in notebook.cells}
    assert kinds == {"markdown", "code"}


def test_student_generator_keeps_hints_and_indentation():
    source = "class A:\n    def f(self):\n        ### BEGIN SOLUTION\n        ### HINT: add one\n        return 1\n        ### END SOLUTION\n"
    student = make_student_source(source)
    assert "        # Hint: add one\n        raise NotImplementedError('A.f: your implementation goes here (add one)')" in student
    assert "return 1" not in student


@pytest.mark.parametrize("bad", ["### END SOLUTION\n", "### BEGIN SOLUTION\nx = 1\n", "### BEGIN SOLUTION\n### BEGIN SOLUTION\n"])
def test_marker_errors_name_the_line(bad):
    with pytest.raises(SolutionMarkerError, match="line"):
        make_student_source(bad, label="m")


def test_module_without_export_target_is_rejected(tmp_path):
    folder = tmp_path / "07_thing"
    folder.mkdir()
    with pytest.raises(Exception, match="default_exp"):
        parse_module(folder, "# %%\nx = 1\n")


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_systems_analysis_runs(module, capsys):
    runpy.run_path(str(module.source), run_name="__main__")
    assert capsys.readouterr().out.strip(), f"{module.slug}'s systems analysis printed nothing"


def test_site_module_pages_have_no_drift(tmp_path, course_root):
    import yaml

    from tito.site import page_name, write_pages

    fresh = write_pages(tmp_path)
    for path in fresh:
        committed = course_root / "site" / path.name
        assert committed.exists() and committed.read_text() == path.read_text(), f"run `tito site`: {path.name} is stale"
    section = yaml.safe_load((course_root / "site" / "_section.yml").read_text())
    assert section["pages"][0] == "index.qmd"
    assert all((course_root / "site" / page).exists() for page in section["pages"])
    assert [page_name(m) for m in MODULES] == [p for p in section["pages"] if p.startswith("module-")]


def test_framework_imports_numpy_only():
    import subprocess
    import sys

    code = ("import sys, tinytorch; heavy = {'torch', 'click', 'sklearn', 'scipy', 'pytest', 'jupytext', 'rich'}; "
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"importing tinytorch pulled in {out}"


def test_milestone_years_agree_between_docstring_cli_and_site(course_root):
    import re

    from tito.milestones import list_milestones

    site = (course_root / "site" / "milestones.qmd").read_text()
    for milestone in list_milestones():
        first_line = milestone.__doc__.strip().splitlines()[0]
        assert re.match(rf"Milestone \d \({milestone.YEAR}[,)]", first_line), f"{milestone.NAME}: docstring says {first_line!r}"
        assert f"| `{milestone.NAME}` | {milestone.YEAR} | {milestone.TITLE} |" in site
