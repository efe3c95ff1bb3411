"""Discovery of the course: module folders, their directives and the milestones.

A module folder is ``modules/NN_name/`` holding one literate source ``<name>.py`` (jupytext percent
format) and its tests ``test_<name>.py``. Directives are comment lines starting with ``#|`` in code cells:

``#| default_exp core.tensor``   where the exported code goes (``tinytorch/core/tensor.py``)
``#| requires: 01 05``           modules that must be completed first
``#| public: Tensor``            names re-exported from ``tinytorch``
``#| public nn: Linear``         names re-exported from ``tinytorch.nn`` (also ``optim``, ``data``, ``nn.functional``)
``#| export``                    this cell is part of the exported package
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

CELL_MARKER = re.compile(r"^# %%(.*)$")
DIRECTIVE = re.compile(r"^#\|\s*(.*)$")


def parse_directive(line: str) -> tuple[str, str] | None:
    """`#| key: value` or `#| key value` -> (key, value); None for other lines."""
    match = DIRECTIVE.match(line)
    if not match:
        return None
    content = match.group(1).strip()
    if ":" in content:
        key, value = content.split(":", 1)
    else:
        key, _, value = content.partition(" ")
    return key.strip(), value.strip()


class CourseError(Exception):
    """A problem with the course files or the learner's workspace, phrased with its fix."""


def course_root() -> Path:
    """The folder holding ``modules/`` and ``milestones/`` (the repo's ``tinytorch/``)."""
    configured = os.environ.get("TINYTORCH_COURSE")
    candidates = [Path(configured)] if configured else []
    candidates.append(Path(__file__).resolve().parents[2])
    for candidate in candidates:
        if (candidate / "modules").is_dir():
            return candidate
    raise CourseError(
        "cannot find the TinyTorch course folder (with modules/). "
        "Fix: install tinytorch editable from the repository, or set TINYTORCH_COURSE=/path/to/tinytorch"
    )


@dataclass
class Cell:
    kind: str  # "code" or "markdown"
    lines: list[str]
    directives: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> list[str]:
        """Code lines without the leading directive comments."""
        lines = list(self.lines)
        while lines and (DIRECTIVE.match(lines[0]) or not lines[0].strip()):
            lines.pop(0)
        return lines


def split_cells(text: str) -> list[Cell]:
    """Split a jupytext percent-format source into cells (the YAML header is dropped)."""
    cells: list[Cell] = []
    current: Cell | None = None
    for line in text.splitlines():
        match = CELL_MARKER.match(line)
        if match:
            kind = "markdown" if "[markdown]" in match.group(1) else "code"
            current = Cell(kind, [])
            cells.append(current)
        elif current is not None:
            current.lines.append(line)
    for cell in cells:
        if cell.kind != "code":
            continue
        for line in cell.lines:
            if not line.strip():
                continue
            directive = parse_directive(line)
            if directive is None:
                break
            cell.directives[directive[0]] = directive[1]
    return cells


@dataclass
class CourseModule:
    number: int
    slug: str          # e.g. "01_tensor"
    name: str          # e.g. "tensor"
    folder: Path
    title: str
    export_target: str  # dotted path under tinytorch, e.g. "core.tensor"
    requires: list[int]
    public: dict[str, list[str]]  # namespace ("" = top level) -> names

    @property
    def source(self) -> Path:
        return self.folder / f"{self.name}.py"

    @property
    def tests(self) -> Path:
        return self.folder / f"test_{self.name}.py"

    @property
    def label(self) -> str:
        return f"{self.number:02d} ({self.name})"


def parse_module(folder: Path, text: str | None = None) -> CourseModule:
    match = re.fullmatch(r"(\d\d)_(\w+)", folder.name)
    if not match:
        raise CourseError(f"module folder '{folder.name}' must be named NN_name, e.g. 01_tensor")
    number, name = int(match.group(1)), match.group(2)
    source = folder / f"{name}.py"
    if text is None:
        if not source.exists():
            raise CourseError(f"module {folder.name} has no source file {source.name}")
        text = source.read_text()
    cells = split_cells(text)
    title = name
    for cell in cells:
        if cell.kind == "markdown":
            for line in cell.lines:
                if line.startswith("# # "):
                    title = line[4:].strip()
                    break
            break
    export_target, requires, public = "", [], {}
    for cell in cells:
        for key, value in cell.directives.items():
            if key == "default_exp":
                export_target = value
            elif key == "requires":
                requires = [int(token) for token in value.split()]
            elif key == "public" or key.startswith("public "):
                namespace = key[len("public"):].strip()
                public.setdefault(namespace, []).extend(n.strip() for n in value.split(",") if n.strip())
    if not export_target:
        raise CourseError(f"module {folder.name} lacks a '#| default_exp <dotted.path>' directive")
    return CourseModule(number, folder.name, name, folder, title, export_target, requires, public)


def list_modules(root: Path | None = None) -> list[CourseModule]:
    modules_dir = (root or course_root()) / "modules"
    folders = sorted(p for p in modules_dir.iterdir() if p.is_dir() and re.fullmatch(r"\d\d_\w+", p.name))
    return [parse_module(folder) for folder in folders]


def find_module(number: int, root: Path | None = None) -> CourseModule:
    modules = list_modules(root)
    for module in modules:
        if module.number == number:
            return module
    raise CourseError(f"there is no module {number}; modules run from 1 to {len(modules)} (see `tito module list`)")
