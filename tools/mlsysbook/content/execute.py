"""Run a chapter's Python cells and inline `{python}` expressions, as the renderer would.

The renderer executes cells through Jupyter; this is the quick check that every cell and every inline
number of a chapter evaluates and renders as non-empty text. Chapters run in the calling interpreter,
each in a fresh namespace from its own folder, so that heavy imports (mlsysim, matplotlib) are paid
once per process rather than once per chapter.
"""
from __future__ import annotations

import contextlib
import io
import os
import traceback
from dataclasses import dataclass, field

from mlsysbook.content.chapter import ChapterStats

os.environ.setdefault("MPLBACKEND", "Agg")


@dataclass
class ExecutionResult:
    ok: bool
    output: str
    inline_values: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _in_directory(path):
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def _close_figures():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is a declared dependency
        return
    plt.close("all")


def run_chapter(stats: ChapterStats) -> ExecutionResult:
    namespace: dict = {"__name__": "__main__"}
    python_cells = [c for c in stats.cells if c.lang == "python"]
    stdout = io.StringIO()
    with _in_directory(stats.path.parent), contextlib.redirect_stdout(stdout):
        try:
            for i, cell in enumerate(python_cells, 1):
                label = cell.options.get("label", "unlabelled")
                code = compile(cell.source, f"{stats.path.name} cell {i} ({label})", "exec")
                exec(code, namespace)
            values = []
            for expr in stats.inline_exprs:
                try:
                    values.append(str(eval(expr, namespace)))
                except Exception as exc:
                    raise RuntimeError(f"inline expression `{expr}` failed: {exc!r}") from exc
        except Exception:
            return ExecutionResult(False, f"{stats.path.name}: a cell or inline expression failed:\n"
                                          f"{traceback.format_exc(limit=6)}")
        finally:
            _close_figures()
    empty = [e for e, v in zip(stats.inline_exprs, values) if not v.strip()]
    if empty:
        return ExecutionResult(False, f"{stats.path.name}: inline expression(s) render as empty text: "
                                      f"{', '.join(empty)}", values)
    return ExecutionResult(True, stdout.getvalue(), values)
