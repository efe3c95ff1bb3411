"""tito end to end on a temporary workspace: prerequisites, progress, completion, grading."""
import json
import os

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
    unfinished = invoke("module", "test", "1", "-w", ws)
    assert unfinished.exit_code == 1 and "NotImplementedError: Tensor." in unfinished.output
    assert str(tmp_path / "ws" / "modules" / "01_tensor" / "tensor.py") in unfinished.output
    source = tmp_path / "ws" / "modules" / "01_tensor" / "tensor.py"
    assert (source.parent / "tensor.ipynb").exists() and "NotImplementedError" in source.read_text()
    failing = invoke("module", "complete", "1", "-w", ws)
    assert failing.exit_code == 1 and "not completed" in failing.output
    notebook = source.with_suffix(".ipynb")
    notebook.write_text(to_notebook(find_module(1).source.read_text()))
    os.utime(notebook, (source.stat().st_mtime + 5, source.stat().st_mtime + 5))  # the notebook was edited last
    done = invoke("module", "complete", "1", "-w", ws)
    assert done.exit_code == 0, done.output
    assert "NotImplementedError" in source.with_name("tensor.py.bak").read_text()  # the overwritten script is kept
    progress = json.loads((tmp_path / "ws" / ".tito" / "progress.json").read_text())
    assert list(progress["completed"]) == ["01"]
    assert (tmp_path / "ws" / "package" / "tinytorch" / "core" / "tensor.py").exists()
    status = invoke("module", "status", "-w", ws)
    assert "completed 1/20" in status.output and "module 02" in status.output
    graded = json.loads(invoke("grade", "--json", "-w", ws).output)
    assert graded["modules"][0] == {"module": 1, "name": "tensor", "status": "passed", "passed": 10, "total": 10}
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
