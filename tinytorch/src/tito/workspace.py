"""A learner's workspace: student module files, the package exported from them, and progress.

Layout::

    <workspace>/modules/NN_name/{name.py, name.ipynb, test_name.py}
    <workspace>/package/tinytorch/...            exported from completed modules
    <workspace>/.tito/progress.json              written atomically (survives interruption)
    <workspace>/.tito/sync.json                  fingerprints of each module's .py and .ipynb at the last sync

The workspace is found like git finds a repository: $TITO_WORKSPACE, else the current folder or the
nearest parent that holds `.tito/progress.json` (or a `tinytorch_workspace/` that does), else
`./tinytorch_workspace` (where `tito setup` creates one).
"""
from __future__ import annotations

import hashlib
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


def find_workspace(start: Path | None = None) -> Path | None:
    """The initialised workspace at or above `start` (the current folder), or None."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for candidate in (folder, folder / DEFAULT_WORKSPACE):
            if (candidate / ".tito" / "progress.json").is_file():
                return candidate
    return None


def default_workspace() -> Path:
    if "TITO_WORKSPACE" in os.environ:
        return Path(os.environ["TITO_WORKSPACE"]).resolve()
    return find_workspace() or Path(DEFAULT_WORKSPACE).resolve()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _default_file_mode() -> int:
    """The mode open() would give a new file: 0o666 less the process umask (mkstemp always uses 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    # Learner files must be readable like any file they create themselves (by a group of students or a grader).
    os.chmod(temporary, _default_file_mode())
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

    def _files(self, number: int) -> tuple[Path, Path]:
        module, folder = self.module(number), self.module_folder(number)
        return folder / module.source.name, folder / f"{module.name}.ipynb"

    def start(self, number: int) -> Path:
        self.module(number)
        self.require_initialised()
        self.require_prerequisites(number)
        module = self.module(number)
        folder = self.module_folder(number)
        folder.mkdir(parents=True, exist_ok=True)
        source, notebook = self._files(number)
        if not source.exists():
            student = make_student_source(module.source.read_text(), label=module.slug)
            write_atomically(source, student)
            write_atomically(notebook, to_notebook(student))
            self._record_sync(number)
        shutil.copyfile(module.tests, folder / module.tests.name)
        progress = self.progress()
        progress["started"].setdefault(f"{number:02d}", now())
        self.save_progress(progress)
        return source

    # ----- keeping name.py and name.ipynb in step, by content -------------------------------------
    @property
    def sync_file(self) -> Path:
        return self.root / ".tito" / "sync.json"

    @staticmethod
    def _fingerprint(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def _fingerprints(self, number: int) -> dict:
        script, notebook = self._files(number)
        return {"script": self._fingerprint(script.read_text()),
                "notebook": self._fingerprint(from_notebook(notebook.read_text())) if notebook.exists() else None}

    def _record_sync(self, number: int) -> None:
        records = json.loads(self.sync_file.read_text()) if self.sync_file.exists() else {}
        records[f"{number:02d}"] = self._fingerprints(number)
        write_atomically(self.sync_file, json.dumps(records, indent=2, sort_keys=True) + "\n")

    def learner_source(self, number: int) -> str:
        """The learner's current source: the .py, or the notebook's code if only the notebook was edited.

        Which file was edited is decided by content (fingerprints taken at the last sync), never by file
        times: writing both files at `tito module start`, an editor's autosave or a copy can all reorder those.
        """
        module = self.module(number)
        script, notebook = self._files(number)
        if not script.exists():
            raise CourseError(f"module {module.label} is not started in {self.root}; fix: tito module start {number}")
        if not notebook.exists():
            return script.read_text()
        records = json.loads(self.sync_file.read_text()) if self.sync_file.exists() else {}
        last, current = records.get(f"{number:02d}"), self._fingerprints(number)
        if last is None:  # a workspace from an older tito: take the script as it stands as the synced state
            self._record_sync(number)
            return script.read_text()
        script_edited, notebook_edited = current["script"] != last["script"], current["notebook"] != last["notebook"]
        if notebook_edited and script_edited:
            raise CourseError(
                f"both {script.name} and {notebook.name} of module {module.label} were edited since tito last synced "
                f"them, so tito cannot tell which one to test; fix: keep one version, e.g. delete {notebook} to test the "
                f"script (tito writes a fresh notebook), or copy your notebook code into {script}"
            )
        if notebook_edited:
            write_atomically(script, from_notebook(notebook.read_text()))
            self._record_sync(number)
        elif script_edited:
            pass  # the script is what gets tested; the notebook keeps the learner's outputs until they edit it
        return script.read_text()

    def ensure_notebook(self, number: int) -> None:
        """Recreate a deleted notebook from the script (the documented way out of a both-edited conflict)."""
        script, notebook = self._files(number)
        if script.exists() and not notebook.exists():
            write_atomically(notebook, to_notebook(script.read_text()))
            self._record_sync(number)

    # ----- testing ------------------------------------------------------------------------------
    def _overlay(self, number: int, base_package: Path | None, overlay_dir: Path) -> None:
        """A package in overlay_dir: base_package's tinytorch (if any) plus this module's current source."""
        if base_package is not None and (base_package / "tinytorch").exists():
            shutil.copytree(base_package / "tinytorch", overlay_dir / "tinytorch")
        export_source(self.module_folder(number), self.learner_source(number), overlay_dir, self.modules)

    def test(self, number: int, stop_first: bool = False, check_prerequisites: bool = True) -> TestOutcome:
        """Test the learner's module on top of the package exported from their completed modules."""
        self.require_initialised()
        if check_prerequisites:
            self.require_prerequisites(number)
        with tempfile.TemporaryDirectory() as overlay:
            self._overlay(number, self.package_dir, Path(overlay))
            outcome = run_pytest(self.module_folder(number) / self.module(number).tests.name, Path(overlay), stop_first)
        self.ensure_notebook(number)
        return outcome

    def test_in_isolation(self, number: int, reference_package: Path, stop_first: bool = False) -> TestOutcome:
        """Test the learner's module with the reference solution for every other module."""
        with tempfile.TemporaryDirectory() as overlay:
            self._overlay(number, reference_package, Path(overlay))
            return run_pytest(self.module(number).tests, Path(overlay), stop_first)

    def complete(self, number: int, stop_first: bool = False) -> TestOutcome:
        outcome = self.test(number, stop_first)
        if outcome.ok:
            export_source(self.module_folder(number), self.learner_source(number), self.package_dir, self.modules)
            progress = self.progress()
            progress["completed"][f"{number:02d}"] = {"at": now(), "tests_passed": outcome.passed}
            self.save_progress(progress)
        return outcome


def _status(outcome: TestOutcome) -> dict:
    return {"status": "passed" if outcome.ok else ("error" if outcome.total == 0 else "failed"),
            "passed": outcome.passed, "total": outcome.total}


def grade(workspace: Workspace) -> list[dict]:
    """Score every started module twice, so that the two can never disagree silently:

    - "isolated": its tests with the reference solution for every other module (is this module right?);
    - "own_package": its tests on the learner's own package, exactly as `tito module test` runs them
      (does it work with the learner's earlier modules?).
    A module counts as passed only when both pass; `note` explains a disagreement.
    """
    rows = []
    with tempfile.TemporaryDirectory() as reference:
        reference_dir = Path(reference) / "reference"
        export_all(reference_dir)
        for module in workspace.modules:
            row = {"module": module.number, "name": module.name}
            if not workspace.is_started(module.number):
                empty = {"status": "not started", "passed": 0, "total": 0}
                rows.append({**row, "status": "not started", "isolated": empty, "own_package": empty, "note": ""})
                continue
            isolated = _status(workspace.test_in_isolation(module.number, reference_dir))
            missing = workspace.missing_prerequisites(module.number)
            if missing:
                own = {"status": "blocked", "passed": 0, "total": 0}
                note = f"needs module(s) {', '.join(m.label for m in missing)} completed before it runs on your package"
            else:
                own = _status(workspace.test(module.number))
                note = ""
                if isolated["status"] == "passed" and own["status"] != "passed":
                    note = ("passes with the reference modules but fails on your package: an earlier module of yours "
                            f"breaks it; run `tito module test {module.number}` to see which function")
                elif own["status"] == "passed" and isolated["status"] != "passed":
                    note = "passes on your package but not with the reference modules: it relies on a quirk of your earlier modules"
            both = isolated["status"] == "passed" and own["status"] == "passed"
            rows.append({**row, "status": "passed" if both else "failed", "isolated": isolated, "own_package": own,
                         "note": note})
    return rows
