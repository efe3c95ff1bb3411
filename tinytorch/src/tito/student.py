"""Generate the learner's version of a module: solution regions become ``raise NotImplementedError``."""
from __future__ import annotations

import re

BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
HINT = re.compile(r"^\s*### HINT:\s*(.*)$")
DEF = re.compile(r"^\s*def (\w+)\(")
CLASS = re.compile(r"^\s*class (\w+)")


class SolutionMarkerError(ValueError):
    """Unbalanced or nested solution markers; the message names the line."""


def enclosing_name(lines: list[str], index: int) -> str:
    function = None
    for line in reversed(lines[:index]):
        if function is None and (m := DEF.match(line)):
            function = m.group(1)
            if not line.startswith((" ", "\t")):
                return function
        elif function is not None and (m := CLASS.match(line)) and not line.startswith((" ", "\t")):
            return f"{m.group(1)}.{function}"
    return function or "this block"


def make_student_source(text: str, label: str = "") -> str:
    """Replace each solution region by a hint comment and ``raise NotImplementedError``."""
    source = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(source):
        line = source[index]
        begin = BEGIN.match(line)
        if END.match(line):
            raise SolutionMarkerError(f"{label} line {index + 1}: '### END SOLUTION' without a BEGIN")
        if not begin:
            out.append(line)
            index += 1
            continue
        indent, hints, start = begin.group(1), [], index
        index += 1
        while index < len(source) and not END.match(source[index]):
            if BEGIN.match(source[index]):
                raise SolutionMarkerError(f"{label} line {index + 1}: nested '### BEGIN SOLUTION'")
            if hint := HINT.match(source[index]):
                hints.append(hint.group(1).strip())
            index += 1
        if index == len(source):
            raise SolutionMarkerError(f"{label} line {start + 1}: '### BEGIN SOLUTION' is never closed")
        where = enclosing_name(source, start)
        for hint in hints:
            out.append(f"{indent}# Hint: {hint}")
        message = f"{where}: your implementation goes here" + (f" ({hints[0]})" if hints else "")
        out.append(f"{indent}raise NotImplementedError({message!r})")
        index += 1
    return "\n".join(out) + "\n"


def solution_region_count(text: str) -> int:
    return sum(1 for line in text.splitlines() if BEGIN.match(line))


def to_notebook(text: str) -> str:
    """The same source as a Jupyter notebook (JSON), through jupytext."""
    import jupytext

    notebook = jupytext.reads(text, fmt="py:percent")
    return jupytext.writes(notebook, fmt="ipynb")


def from_notebook(notebook_json: str) -> str:
    import jupytext

    notebook = jupytext.reads(notebook_json, fmt="ipynb")
    return jupytext.writes(notebook, fmt="py:percent")
