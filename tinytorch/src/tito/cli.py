"""The `tito` command line: environment check, module progress, export, milestones, benchmark, grading."""
from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from tito.course import CourseError, course_root, list_modules
from tito.export import export_all
from tito.milestones import find_milestone, list_milestones
from tito.student import make_student_source, to_notebook
from tito.workspace import Workspace, grade, single_threaded_blas

console = Console(soft_wrap=True)  # long error messages stay on one line, whole, in logs and tests
workspace_option = click.option(
    "--workspace", "-w", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Learner workspace folder (default: $TITO_WORKSPACE, else the nearest workspace in this folder or a "
         "parent, else ./tinytorch_workspace).",
)
verbose_option = click.option("--verbose", "-v", is_flag=True, help="Show the whole test output, not only its end.")
exitfirst_option = click.option("--exitfirst", "-x", is_flag=True, help="Stop at the first failing test.")

# Without --verbose a failing run shows about this many characters from the end of pytest's output.
TAIL_CHARACTERS = 6000


def output_tail(output: str, limit: int = TAIL_CHARACTERS) -> str:
    """The end of `output`, cut at a line boundary and saying how much was left out."""
    if len(output) <= limit:
        return output
    lines = output.splitlines()
    kept, size = [], 0
    for line in reversed(lines):
        if kept and size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    omitted = len(lines) - len(kept)
    return f"... {omitted} earlier lines left out; --verbose shows everything ...\n" + "\n".join(reversed(kept))


class TitoGroup(click.Group):
    """Turns CourseError into a one-line message and exit status 1 instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CourseError as error:
            console.print(f"[bold red]error:[/] {error}")
            raise SystemExit(1) from error


@click.group(cls=TitoGroup)
def cli():
    """tito: build TinyTorch module by module."""


# ----- setup --------------------------------------------------------------------------------------
@cli.command()
@workspace_option
def setup(workspace):
    """Check the environment and create the workspace."""
    table = Table(title="TinyTorch environment")
    table.add_column("component")
    table.add_column("status")
    table.add_column("needed for")
    ok = sys.version_info >= (3, 10)
    table.add_row("python", f"{'ok' if ok else 'too old'} {platform.python_version()}", "everything (3.10+)")
    required_ok = ok
    for name, purpose, required in (
        ("numpy", "the framework", True), ("click", "tito", True), ("pytest", "module tests", True),
        ("jupytext", "notebooks", True), ("hypothesis", "gradient checks", False),
        ("sklearn", "digits milestones", False), ("torch", "comparisons and benchmarks", False),
    ):
        try:
            importlib.import_module(name)
            distribution = {"sklearn": "scikit-learn"}.get(name, name)
            table.add_row(name, f"ok {importlib.metadata.version(distribution)}", purpose)
        except ImportError:
            table.add_row(name, "missing" + (" (required)" if required else " (optional)"), purpose)
            required_ok &= not required
    console.print(table)
    ws = Workspace(workspace)
    ws.init()
    console.print(f"workspace ready at {ws.root}; next: [bold]tito module start 1[/]")
    if not required_ok:
        console.print("[red]some required packages are missing; fix: pip install 'tinytorch[course]'[/]")
        raise SystemExit(1)


# ----- modules ------------------------------------------------------------------------------------
@cli.group()
def module():
    """List, start, test and complete modules."""


def _status_of(ws: Workspace, number: int, progress: dict) -> str:
    key = f"{number:02d}"
    if key in progress["completed"]:
        return "completed"
    if ws.missing_prerequisites(number):
        return "locked"
    return "in progress" if key in progress["started"] else "available"


@module.command("list")
@workspace_option
def module_list(workspace):
    """Show every module with its prerequisites and your status."""
    ws = Workspace(workspace)
    progress = ws.progress()
    table = Table(title="TinyTorch modules")
    # Export paths are shown relative to `tinytorch.` so that the table fits an 80-column terminal uncut.
    for column in ("#", "module", "exports to tinytorch.", "requires", "status"):
        table.add_column(column)
    for m in ws.modules:
        table.add_row(f"{m.number:02d}", m.title.split(":", 1)[-1].strip(), m.export_target,
                      " ".join(f"{r:02d}" for r in m.requires) or "-", _status_of(ws, m.number, progress))
    console.print(table)


@module.command("status")
@workspace_option
def module_status(workspace):
    """Summarise progress and name the next module to work on."""
    ws = Workspace(workspace)
    ws.require_initialised()
    progress = ws.progress()
    done = sorted(ws.completed())
    console.print(f"completed {len(done)}/{len(ws.modules)} modules: {', '.join(f'{n:02d}' for n in done) or 'none yet'}")
    unfinished = [m for m in ws.modules if m.number not in done and f"{m.number:02d}" in progress["started"]]
    for m in unfinished:
        console.print(f"in progress: module {m.label} — tito module test {m.number}, then tito module complete {m.number}")
    for m in ws.modules:
        if m.number not in done:
            status = _status_of(ws, m.number, progress)
            if status == "locked":
                missing = ", ".join(p.label for p in ws.missing_prerequisites(m.number))
                console.print(f"next: module {m.label} is locked until {missing} are completed")
            elif status == "in progress":
                console.print(f"next: finish module {m.label} — tito module complete {m.number}")
            else:
                console.print(f"next: module {m.label} ({status}) — tito module start {m.number}")
            return
    console.print("all modules completed; try `tito milestone list`")


@module.command("start")
@click.argument("number", type=int)
@workspace_option
def module_start(number, workspace):
    """Create the learner version (.py and .ipynb) of module NUMBER in the workspace."""
    ws = Workspace(workspace)
    source = ws.start(number)
    console.print(f"module {ws.module(number).label}: edit {source} (or the .ipynb next to it), then `tito module test {number}`")


def _traceback_sources(output: str, source: Path) -> str:
    """Map each `tinytorch/<target>.py` a traceback names to the learner's module file it was exported from."""
    workspace_modules = source.parent.parent
    found = []
    for m in list_modules():
        exported = "tinytorch/" + m.export_target.replace(".", "/") + ".py"
        if exported in output.replace(os.sep, "/"):
            found.append(f"{exported} is module {m.label}, {workspace_modules / m.slug / m.source.name}")
    return "; ".join(found) if found else f"the functions they name are in {source}"


def _report(outcome, verbose: bool, source: Path | None = None) -> None:
    if verbose or not outcome.ok:
        console.print(outcome.output if verbose else output_tail(outcome.output), markup=False, highlight=False)
        if source is not None and not outcome.ok:
            # Tests import a temporary package built from the learner's files, so tracebacks name that copy:
            # say which module's file each named package file comes from (it may be an earlier module's bug).
            console.print(f"(tracebacks show a temporary export of your code: {_traceback_sources(outcome.output, source)})",
                          markup=False, highlight=False)
    console.print(f"tests: {outcome.passed} passed, {outcome.failed} failed, {outcome.errors} errors")


@module.command("test")
@click.argument("number", type=int)
@click.option("--reference", is_flag=True, help="Test the reference solution instead of your workspace.")
@verbose_option
@exitfirst_option
@workspace_option
def module_test(number, reference, verbose, exitfirst, workspace):
    """Run module NUMBER's tests against your implementation."""
    ws = Workspace(workspace)
    if reference:
        from tito.workspace import run_pytest

        outcome = run_pytest(ws.module(number).tests, None, exitfirst)
    else:
        outcome = ws.test(number, exitfirst)
    _report(outcome, verbose, None if reference else ws.module_folder(number) / ws.module(number).source.name)
    raise SystemExit(0 if outcome.ok else 1)


@module.command("complete")
@click.argument("number", type=int)
@verbose_option
@exitfirst_option
@workspace_option
def module_complete(number, verbose, exitfirst, workspace):
    """Test module NUMBER; on success export it into your package and record progress."""
    ws = Workspace(workspace)
    outcome = ws.complete(number, exitfirst)
    _report(outcome, verbose, ws.module_folder(number) / ws.module(number).source.name)
    if outcome.ok:
        console.print(f"[green]module {ws.module(number).label} completed[/] and exported to {ws.package_dir}")
    else:
        console.print(f"[red]module {ws.module(number).label} not completed:[/] fix the failing tests and run again")
        raise SystemExit(1)


# ----- maintainers: export and student versions ---------------------------------------------------
@cli.command("export")
@click.option("--check", is_flag=True, help="Only report whether the committed package matches the sources.")
def export_command(check):
    """Regenerate src/tinytorch from the reference module sources."""
    import filecmp
    import tempfile

    target = course_root() / "src"
    if not check:
        paths = export_all(target)
        console.print(f"exported {len(paths)} files into {target / 'tinytorch'}")
        return
    with tempfile.TemporaryDirectory() as scratch:
        export_all(Path(scratch))
        drift = []
        fresh_root = Path(scratch) / "tinytorch"
        for fresh in sorted(fresh_root.rglob("*.py")):
            committed = target / "tinytorch" / fresh.relative_to(fresh_root)
            if not committed.exists() or not filecmp.cmp(fresh, committed, shallow=False):
                drift.append(str(committed))
    if drift:
        console.print("out of date (run `tito export`): " + ", ".join(drift))
        raise SystemExit(1)
    console.print("package is up to date with the module sources")


@cli.command("student")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Destination folder.")
@click.option("--notebooks/--no-notebooks", default=True)
def student_command(out, notebooks):
    """Write learner versions of all modules (.py, optionally .ipynb) plus their tests."""
    for m in list_modules():
        folder = out / m.slug
        folder.mkdir(parents=True, exist_ok=True)
        text = make_student_source(m.source.read_text(), label=m.slug)
        (folder / m.source.name).write_text(text)
        if notebooks:
            (folder / f"{m.name}.ipynb").write_text(to_notebook(text))
        (folder / m.tests.name).write_text(m.tests.read_text())
    console.print(f"wrote learner versions of {len(list_modules())} modules to {out}")


@cli.command("site")
@click.option("--sources", "sources_out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Instead, copy each module's source into this folder (the pages link to "
                   "source/NN_name/name.py; `make site-tinytorch` puts it in build/site/tinytorch/source).")
def site_command(sources_out):
    """Regenerate the site's module pages (site/module-NN-*.qmd) and milestone table from the sources."""
    from tito.site import copy_sources, write_pages

    if sources_out is not None:
        copied = copy_sources(sources_out)
        console.print(f"copied {len(copied)} module sources to {sources_out}")
        return
    pages = write_pages()
    console.print(f"wrote {len(pages) - 1} module pages and the milestone table in {pages[-1].name}")


# ----- milestones ---------------------------------------------------------------------------------
@cli.group()
def milestone():
    """Historical milestones that use what you built."""


@milestone.command("list")
def milestone_list():
    table = Table(title="TinyTorch milestones")
    for column in ("name", "year", "title", "target", "needs modules"):
        table.add_column(column)
    for m in list_milestones():
        table.add_row(m.NAME, str(m.YEAR), m.TITLE, m.TARGET, " ".join(f"{r:02d}" for r in m.REQUIRES))
    console.print(table)


@milestone.command("run")
@click.argument("name")
@click.option("--quick", is_flag=True, help="Reduced budget (seconds, not minutes); asserts only clearly-better-than-chance.")
@click.option("--reference", is_flag=True, help="Use the reference package even if a workspace exists.")
@workspace_option
def milestone_run(name, quick, reference, workspace):
    """Run milestone NAME with your package (or the reference one)."""
    chosen = find_milestone(name)
    ws = Workspace(workspace)
    env = single_threaded_blas(dict(os.environ))
    if not reference and ws.is_initialised():
        missing = [r for r in chosen.REQUIRES if r not in ws.completed()]
        if missing:
            raise CourseError(
                f"milestone {chosen.NAME} needs modules {' '.join(f'{r:02d}' for r in missing)} completed first "
                f"(or pass --reference); fix: {ws.next_step_towards(missing)}"
            )
        env["PYTHONPATH"] = os.pathsep.join([str(ws.package_dir), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        console.print(f"using your package in {ws.package_dir}", markup=False, highlight=False)
    else:
        reason = "--reference" if reference else f"no workspace at {ws.root}, nor in {Path.cwd()} or its parents"
        console.print(f"using the reference package ({reason})", markup=False, highlight=False)
    command = [sys.executable, "-m", "tito.run_milestone", chosen.__file__] + (["--quick"] if quick else [])
    raise SystemExit(subprocess.call(command, env=env))


# ----- benchmark and grading ----------------------------------------------------------------------
@cli.command()
@click.option("--quick", is_flag=True, help="Fewer repetitions.")
def benchmark(quick):
    """Per-step time and peak memory of TinyTorch vs PyTorch CPU (ratio table)."""
    script = course_root() / "bench" / "bench_vs_torch.py"
    command = [sys.executable, str(script)] + (["--quick"] if quick else [])
    raise SystemExit(subprocess.call(command, env=single_threaded_blas(dict(os.environ))))


@cli.command("grade")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@workspace_option
def grade_command(as_json, workspace):
    """Auto-grade a workspace: each started module alone (reference code for the others) and on your own package."""
    ws = Workspace(workspace)
    ws.require_initialised()
    rows = grade(ws)
    completed_modules = sum(1 for r in rows if r["status"] == "passed")
    summary = {"modules": rows, "modules_passed": completed_modules,
               "score_percent": round(100.0 * completed_modules / len(rows), 1)}
    for kind in ("isolated", "own_package"):
        summary[f"tests_passed_{kind}"] = sum(r[kind]["passed"] for r in rows)
        summary[f"tests_total_{kind}"] = sum(r[kind]["total"] for r in rows)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return

    def cell(result: dict) -> str:
        return f"{result['status']} {result['passed']}/{result['total']}" if result["total"] else result["status"]

    table = Table(title=f"TinyTorch grade for {ws.root}")
    for column in ("#", "module", "alone (reference for other modules)", "on your package", "note"):
        table.add_column(column)
    for r in rows:
        table.add_row(f"{r['module']:02d}", r["name"], cell(r["isolated"]), cell(r["own_package"]), r["note"])
    console.print(table)
    console.print(f"score: {completed_modules}/{len(rows)} modules passing both ways ({summary['score_percent']}%); "
                  f"tests alone {summary['tests_passed_isolated']}/{summary['tests_total_isolated']}, "
                  f"on your package {summary['tests_passed_own_package']}/{summary['tests_total_own_package']}")
