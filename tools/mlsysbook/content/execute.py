"""Run a chapter's Python cells and inline `{python}` expressions in a fresh interpreter.

The renderer executes cells through Jupyter; this is the quick check that every cell and every inline
number of a chapter evaluates, used by `book/tests` and `mlsysbook content-report --execute`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from mlsysbook.content.chapter import ChapterStats

_INLINE_PROBE = "__mlsysbook_inline__"


@dataclass
class ExecutionResult:
    ok: bool
    output: str


def chapter_script(stats: ChapterStats) -> str:
    parts = ["import matplotlib\nmatplotlib.use('Agg')\n"]
    for i, cell in enumerate(c for c in stats.cells if c.lang == "python"):
        parts.append(f"# --- cell {i + 1} ({cell.options.get('label', 'unlabelled')})\n{cell.source}\n")
    for expr in stats.inline_exprs:
        parts.append(f"print({_INLINE_PROBE!r}, repr(str({expr})))\n")
    return "\n".join(parts)


def run_chapter(stats: ChapterStats, timeout_s: float = 300) -> ExecutionResult:
    script = chapter_script(stats)
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-c", script], cwd=stats.path.parent, env=env,
                          capture_output=True, text=True, timeout=timeout_s, check=False)
    if proc.returncode != 0:
        tail = textwrap.shorten(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "", 400)
        return ExecutionResult(False, f"{stats.path.name}: a cell or inline expression failed: {tail}\n"
                                      f"{proc.stderr[-3000:]}")
    empty = [line for line in proc.stdout.splitlines()
             if line.startswith(_INLINE_PROBE) and line.endswith("''")]
    if empty:
        return ExecutionResult(False, f"{stats.path.name}: {len(empty)} inline expression(s) render as empty text")
    return ExecutionResult(True, proc.stdout)
