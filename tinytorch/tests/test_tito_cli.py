"""tito end to end on a temporary workspace: prerequisites, progress, completion, grading."""
import json
import os
import stat

from click.testing import CliRunner

from tito.cli import cli
from tito.course import find_module
from tito.student import to_notebook


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_learner_flow(tmp_path):
    ws = str(tmp_path / "ws")
    assert invoke("setup", "-w", ws).exit_code == 0
    locked = invoke("module", "start", "7", "-w", ws)
    assert locked.exit_code == 1 and "05 (autograd)" in locked.output and "fix: tito module start 1" in locked.output
    assert invoke("module", "start", "1", "-w", ws).exit_code == 0
    # Module 19 needs 01 and 14; 14 needs 09, which needs 03 and 05: the next step is finishing 01, already started.
    assert "fix: tito module complete 1" in invoke("module", "start", "19", "-w", ws).output
    in_progress = invoke("module", "status", "-w", ws).output
    assert "in progress: module 01" in in_progress and "next: finish module 01" in in_progress
    source = tmp_path / "ws" / "modules" / "01_tensor" / "tensor.py"
    before_tests = source.read_text()
    unfinished = invoke("module", "test", "1", "-w", ws)
    assert unfinished.exit_code == 1 and "NotImplementedError: Tensor." in unfinished.output
    assert str(tmp_path / "ws" / "modules" / "01_tensor" / "tensor.py") in unfinished.output
    source = tmp_path / "ws" / "modules" / "01_tensor" / "tensor.py"
    assert (source.parent / "tensor.ipynb").exists() and "NotImplementedError" in source.read_text()
    failing = invoke("module", "complete", "1", "-w", ws)
    assert failing.exit_code == 1 and "not completed" in failing.output
    assert source.read_text() == before_tests  # testing an untouched module rewrites nothing, whatever the file times
    assert not source.with_name("tensor.py.bak").exists()
    notebook = source.with_suffix(".ipynb")
    notebook.write_text(to_notebook(find_module(1).source.read_text()))  # the learner solves it in the notebook
    os.utime(notebook, (source.stat().st_mtime - 50, source.stat().st_mtime - 50))  # content decides, not file times
    done = invoke("module", "complete", "1", "-w", ws)
    assert done.exit_code == 0, done.output
    assert "NotImplementedError: Tensor" not in source.read_text()  # the notebook's code became the script
    progress = json.loads((tmp_path / "ws" / ".tito" / "progress.json").read_text())
    assert list(progress["completed"]) == ["01"]
    assert (tmp_path / "ws" / "package" / "tinytorch" / "core" / "tensor.py").exists()
    status = invoke("module", "status", "-w", ws)
    assert "completed 1/20" in status.output and "module 02" in status.output
    graded = json.loads(invoke("grade", "--json", "-w", ws).output)
    first = graded["modules"][0]
    tests_in_module_1 = first["isolated"]["total"]
    assert tests_in_module_1 > 10 and first["status"] == "passed" and first["note"] == ""
    assert first["isolated"] == first["own_package"] == {"status": "passed", "passed": tests_in_module_1, "total": tests_in_module_1}
    assert graded["modules"][1]["status"] == "not started" and graded["modules_passed"] == 1
    assert "locked" in invoke("module", "list", "-w", ws).output
    assert "def __add__" in source.read_text() and "NotImplementedError" not in source.read_text().split("def __add__")[1][:200]
    blocked = invoke("milestone", "run", "mlp", "-w", ws)
    assert blocked.exit_code == 1 and "02 03 04 05 06 07 08" in blocked.output
    assert "fix: tito module start 2" in blocked.output


def test_student_command_writes_all_modules(tmp_path):
    assert invoke("student", "--out", str(tmp_path)).exit_code == 0
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert len(folders) == 20 and folders[0] == "01_tensor"
    assert (tmp_path / "13_transformer" / "transformer.ipynb").exists()
    assert "NotImplementedError" in (tmp_path / "05_autograd" / "autograd.py").read_text()


def test_corrupt_progress_file_is_explained(tmp_path):
    ws = tmp_path / "ws"
    assert invoke("setup", "-w", str(ws)).exit_code == 0
    (ws / ".tito" / "progress.json").write_text("{not json")
    result = invoke("module", "status", "-w", str(ws))
    assert result.exit_code == 1 and "delete it" in result.output


def test_unknown_module_and_milestone(tmp_path):
    assert "no module 42" in invoke("module", "start", "42", "-w", str(tmp_path)).output
    assert "unknown milestone" in invoke("milestone", "run", "nope").output


def test_export_check_and_milestone_list():
    assert invoke("export", "--check").exit_code == 0
    listing = invoke("milestone", "list").output
    for name in ("perceptron", "xor", "mlp", "cnn", "transformer", "optimization"):
        assert name in listing


def test_milestone_says_which_package_it_runs_on(tmp_path):
    ran = invoke("milestone", "run", "perceptron", "--quick", "--reference", "-w", str(tmp_path))
    assert ran.exit_code == 0 and "using the reference package (--reference)" in ran.output


def test_grade_reports_a_module_that_passes_alone_but_fails_on_the_learners_package(tmp_path):
    """Module 2 is right, but the learner's exported module 1 has a bug that module 2 trips over: grade must say both."""
    ws = tmp_path / "ws"
    assert invoke("setup", "-w", str(ws)).exit_code == 0
    assert invoke("module", "start", "1", "-w", str(ws)).exit_code == 0
    tensor = ws / "modules" / "01_tensor" / "tensor.py"
    tensor.write_text(find_module(1).source.read_text())
    assert invoke("module", "complete", "1", "-w", str(ws)).exit_code == 0
    assert invoke("module", "start", "2", "-w", str(ws)).exit_code == 0
    (ws / "modules" / "02_activations" / "activations.py").write_text(find_module(2).source.read_text())
    # a bug in the learner's package that module 1's tests did not reach: the dim=/axis= helper softmax uses
    exported = ws / "package" / "tinytorch" / "core" / "tensor.py"
    helper = "def _reduce_args(op: str, axis, keepdims, dim=None, keepdim=None):\n"
    assert helper in exported.read_text()
    exported.write_text(exported.read_text().replace(helper, helper + '    raise TypeError("broken by the learner")\n', 1))
    graded = json.loads(invoke("grade", "--json", "-w", str(ws)).output)
    second = graded["modules"][1]
    assert second["isolated"]["status"] == "passed"
    assert second["own_package"]["status"] == "failed" and second["status"] == "failed"
    assert "passes with the reference modules but fails on your package" in second["note"]


def test_grade_table_shows_both_results_and_the_note(tmp_path, monkeypatch):
    import tito.cli

    ws = tmp_path / "ws"
    assert invoke("setup", "-w", str(ws)).exit_code == 0
    row = {"module": 2, "name": "activations", "status": "failed", "isolated": {"status": "passed", "passed": 9, "total": 9},
           "own_package": {"status": "failed", "passed": 3, "total": 9}, "note": "an earlier module of yours breaks it"}
    monkeypatch.setattr(tito.cli, "grade", lambda workspace: [row])
    table = invoke("grade", "-w", str(ws)).output
    for text in ("alone", "on your package", "passed 9/9", "failed 3/9", "earlier module", "alone 9/9, on your package 3/9"):
        assert text in table, text


def test_workspace_is_found_from_a_subfolder_and_files_are_group_readable(tmp_path, monkeypatch):
    ws = tmp_path / "course"
    monkeypatch.delenv("TITO_WORKSPACE", raising=False)
    old_umask = os.umask(0o022)
    try:
        assert invoke("setup", "-w", str(ws)).exit_code == 0
        assert invoke("module", "start", "1", "-w", str(ws)).exit_code == 0
    finally:
        os.umask(old_umask)
    source = ws / "modules" / "01_tensor" / "tensor.py"
    for path in (source, source.with_suffix(".ipynb"), ws / ".tito" / "progress.json"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044, f"{path} is not readable by group and others"
    monkeypatch.chdir(source.parent)
    status = invoke("module", "status")
    assert status.exit_code == 0 and "in progress: module 01" in status.output
    ran = invoke("milestone", "run", "perceptron", "--quick")
    assert ran.exit_code == 1 and "needs modules" in ran.output  # it found the workspace, so it did not fall back
    monkeypatch.chdir(tmp_path)
    assert "nor in" in invoke("milestone", "run", "perceptron", "--quick").output  # no workspace here or above


def test_editing_both_the_script_and_the_notebook_is_refused_not_guessed(tmp_path):
    ws = tmp_path / "ws"
    assert invoke("setup", "-w", str(ws)).exit_code == 0
    assert invoke("module", "start", "1", "-w", str(ws)).exit_code == 0
    source = ws / "modules" / "01_tensor" / "tensor.py"
    source.write_text(source.read_text() + "\n# script edit\n")
    source.with_suffix(".ipynb").write_text(to_notebook(source.read_text() + "\n# notebook edit\n"))
    result = invoke("module", "test", "1", "-w", str(ws))
    assert result.exit_code == 1 and "both tensor.py and tensor.ipynb" in result.output and "fix:" in result.output
    source.with_suffix(".ipynb").unlink()
    rerun = invoke("module", "test", "1", "-w", str(ws))
    assert "last synced" not in rerun.output and source.with_suffix(".ipynb").exists()  # the notebook is written afresh


def test_verbose_shows_everything_and_exitfirst_stops_early(tmp_path):
    ws = tmp_path / "ws"
    assert invoke("setup", "-w", str(ws)).exit_code == 0
    assert invoke("module", "start", "1", "-w", str(ws)).exit_code == 0
    from tito.cli import TAIL_CHARACTERS, output_tail

    everything = invoke("module", "test", "1", "--verbose", "-w", str(ws))
    first_only = invoke("module", "test", "1", "-x", "-w", str(ws))
    # a stub module 1 fails at length: without --verbose it would be cut (test_output_tail_cuts_at_line_boundaries)
    assert len(everything.output) > TAIL_CHARACTERS and "earlier lines left out" not in everything.output
    first_failure = everything.output.split("FAILED ", 1)[1].split(" - ", 1)[0]
    assert first_failure not in output_tail(everything.output)  # what only --verbose shows
    assert ", 1 failed, 0 errors" in first_only.output  # it stopped at the first failure


def test_output_tail_cuts_at_line_boundaries():
    from tito.cli import output_tail

    text = "\n".join(f"line {i:04d} " + "x" * 50 for i in range(1000))
    tail = output_tail(text, limit=600)
    first, *rest = tail.splitlines()
    assert "earlier lines left out" in first and rest[0].startswith("line ") and rest[-1].startswith("line 0999")


def test_a_traceback_into_an_earlier_module_names_that_modules_file(tmp_path):
    from tito.cli import _traceback_sources

    source = tmp_path / "ws" / "modules" / "05_autograd" / "autograd.py"
    output = 'File "/tmp/x/tinytorch/core/tensor.py", line 3, in sum\nFile "/tmp/x/tinytorch/core/autograd.py", line 9'
    named = _traceback_sources(output, source)
    assert f"tinytorch/core/tensor.py is module 01 (tensor), {tmp_path / 'ws' / 'modules' / '01_tensor' / 'tensor.py'}" in named
    assert "tinytorch/core/autograd.py is module 05 (autograd)" in named
