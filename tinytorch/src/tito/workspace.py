"""A learner's workspace: student module files, the package exported from them, and progress.

Layout::

    <workspace>/modules/NN_name/{name.py, name.ipynb, test_name.py}
    <workspace>/package/tinytorch/...            exported from completed modules
    <workspace>/.tito/progress.json              written atomically (survives interruption)
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from tito.course import CourseError, CourseModule, list_modules
from tito.export import export_all, export_source
from tito.student import from_notebook, make_student_source, to_notebook

DEFAULT_WORKSPACE = "tinytorch_workspace"


def default_workspace() -> Path:
    return Path(os.environ.get("TITO_WORKSPACE", DEFAULT_WORKSPACE)).resolve()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


@dataclass
class TestOutcome:
    passed: int
    failed: int
    errors: int
    returncode: int
    output: str

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.total > 0


def single_threaded_blas(env: dict) -> dict:
    """Small NumPy models run fastest with one BLAS thread, and threads oversubscribe parallel test workers."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(variable, "1")
    return env


def run_pytest(test_file: Path, package_dir: Path | None, stop_first: bool = False, timeout: float = 600) -> TestOutcome:
    """Run one module's tests in a fresh interpreter, with package_dir (if given) shadowing tinytorch."""
    env = single_threaded_blas(dict(os.environ))
    env["COLUMNS"] = "200"  # pytest cuts the reason off summary lines to fit the (captured, 80-column) terminal
    if package_dir is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(package_dir), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.xml"
        # Short tracebacks and a summary line per failure ("FAILED test - NotImplementedError: Tensor.sum ...")
        # keep the reason for every failure inside the tail that `tito module test` prints.
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
                   "--tb=short", "-rfE", "--rootdir", str(test_file.parent), f"--junitxml={report}", str(test_file)]
        if stop_first:
            command.append("-x")
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=scratch)
        passed = failed = errors = 0
        if report.exists():
            for suite in ET.parse(report).getroot().iter("testsuite"):
                tests = int(suite.get("tests", 0))
                failed += int(suite.get("failures", 0))
                errors += int(suite.get("errors", 0))
                passed += tests - int(suite.get("failures", 0)) - int(suite.get("errors", 0)) - int(suite.get("skipped", 0))
    return TestOutcome(passed, failed, errors, completed.returncode, completed.stdout + completed.stderr)


class Workspace:
    def __init__(self, root: Path | None = None):
        self.root = Path(root).resolve() if root else default_workspace()
        self.modules = list_modules()

    # ----- progress ---------------------------------------------------------------------------
    @property
    def progress_file(self) -> Path:
        return self.root / ".tito" / "progress.json"

    @property
    def package_dir(self) -> Path:
        return self.root / "package"

    def progress(self) -> dict:
        if not self.progress_file.exists():
            return {"version": 1, "started": {}, "completed": {}}
        try:
            return json.loads(self.progress_file.read_text())
        except json.JSONDecodeError as error:
            raise CourseError(
                f"{self.progress_file} is not valid JSON ({error}); fix: delete it and re-run "
                "`tito module complete N` for the modules you finished"
            ) from error

    def save_progress(self, progress: dict) -> None:
        write_atomically(self.progress_file, json.dumps(progress, indent=2, sort_keys=True) + "\n")

    def is_initialised(self) -> bool:
        return self.progress_file.exists()

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "modules").mkdir(exist_ok=True)
        self.package_dir.mkdir(exist_ok=True)
        if not self.progress_file.exists():
            self.save_progress(self.progress())

    def completed(self) -> set[int]:
        return {int(k) for k in self.progress()["completed"]}

    def module(self, number: int) -> CourseModule:
        for module in self.modules:
            if module.number == number:
                return module
        raise CourseError(f"there is no module {number}; modules run from 1 to {len(self.modules)} (see `tito module list`)")

    def missing_prerequisites(self, number: int) -> list[CourseModule]:
        done = self.completed()
        return [self.module(r) for r in self.module(number).requires if r not in done]

    def is_started(self, number: int) -> bool:
        return (self.module_folder(number) / self.module(number).source.name).exists()

    def next_step_towards(self, numbers) -> str:
        """The command that makes progress towards completing modules NUMBERS: start or complete the
        lowest-numbered module among them and their prerequisites that is unlocked but not completed."""
        done, pending, needed = self.completed(), list(numbers), set()
        while pending:
            number = pending.pop()
            if number not in done and number not in needed:
                needed.add(number)
                pending.extend(self.module(number).requires)
        unlocked = min(n for n in needed if not self.missing_prerequisites(n))
        return f"tito module {'complete' if self.is_started(unlocked) else 'start'} {unlocked}"

    def require_prerequisites(self, number: int) -> None:
        missing = self.missing_prerequisites(number)
        if missing:
            names = ", ".join(m.label for m in missing)
            raise CourseError(
                f"module {self.module(number).label} needs module(s) {names} completed first; "
                f"fix: {self.next_step_towards(m.number for m in missing)}"
            )

    def require_initialised(self) -> None:
        if not self.is_initialised():
            raise CourseError(f"no TinyTorch workspace at {self.root}; fix: run `tito setup` (or pass --workspace DIR)")

    # ----- module files -----------------------------------------------------------------------
    def module_folder(self, number: int) -> Path:
        return self.root / "modules" / self.module(number).slug

    def start(self, number: int) -> Path:
        self.module(number)
        self.require_initialised()
        self.require_prerequisites(number)
        module = self.module(number)
        folder = self.module_folder(number)
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / module.source.name
        if not source.exists():
            student = make_student_source(module.source.read_text(), label=module.slug)
            write_atomically(source, student)
            write_atomically(folder / f"{module.name}.ipynb", to_notebook(student))
        shutil.copyfile(module.tests, folder / module.tests.name)
        progress = self.progress()
        progress["started"].setdefault(f"{number:02d}", now())
        self.save_progress(progress)
        return source

    def learner_source(self, number: int) -> str:
        """The learner's current source; a notebook edited more recently than the .py wins."""
        module = self.module(number)
        folder = self.module_folder(number)
        script, notebook = folder / module.source.name, folder / f"{module.name}.ipynb"
        if not script.exists():
            raise CourseError(f"module {module.label} is not started in {self.root}; fix: tito module start {number}")
        if notebook.exists() and notebook.stat().st_mtime > script.stat().st_mtime:
            converted = from_notebook(notebook.read_text())
            if converted != script.read_text():
                # A notebook saved after the script (an editor's autosave, say) must not silently eat script edits.
                shutil.copyfile(script, script.with_name(script.name + ".bak"))
                write_atomically(script, converted)
        return script.read_text()

    def test(self, number: int, stop_first: bool = False) -> TestOutcome:
        """Test the learner's module on top of the package exported from completed modules."""
        self.require_initialised()
        self.require_prerequisites(number)
        source = self.learner_source(number)
        with tempfile.TemporaryDirectory() as overlay:
            overlay_dir = Path(overlay)
            if (self.package_dir / "tinytorch").exists():
                shutil.copytree(self.package_dir / "tinytorch", overlay_dir / "tinytorch")
            export_source(self.module_folder(number), source, overlay_dir, self.modules)
            return run_pytest(self.module_folder(number) / self.module(number).tests.name, overlay_dir, stop_first)

    def complete(self, number: int) -> TestOutcome:
        outcome = self.test(number)
        if outcome.ok:
            export_source(self.module_folder(number), self.learner_source(number), self.package_dir, self.modules)
            progress = self.progress()
            progress["completed"][f"{number:02d}"] = {"at": now(), "tests_passed": outcome.passed}
            self.save_progress(progress)
        return outcome


def grade(workspace: Workspace) -> list[dict]:
    """Score every started module: its tests run against the reference package plus the learner's module."""
    rows = []
    with tempfile.TemporaryDirectory() as reference:
        reference_dir = Path(reference) / "reference"
        export_all(reference_dir)
        for module in workspace.modules:
            folder = workspace.module_folder(module.number)
            if not (folder / module.source.name).exists():
                rows.append({"module": module.number, "name": module.name, "status": "not started", "passed": 0, "total": 0})
                continue
            with tempfile.TemporaryDirectory() as overlay:
                overlay_dir = Path(overlay)
                shutil.copytree(reference_dir / "tinytorch", overlay_dir / "tinytorch")
                export_source(folder, workspace.learner_source(module.number), overlay_dir, workspace.modules)
                outcome = run_pytest(module.tests, overlay_dir)
            status = "passed" if outcome.ok else ("error" if outcome.total == 0 else "failed")
            rows.append({"module": module.number, "name": module.name, "status": status,
                         "passed": outcome.passed, "total": outcome.total})
    return rows
