"""Discovery and execution of the historical milestones in ``tinytorch/milestones``."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from tito.course import CourseError, course_root


def milestone_files(root: Path | None = None) -> list[Path]:
    folder = (root or course_root()) / "milestones"
    return sorted(p for p in folder.glob("m[0-9][0-9]_*.py"))


def load_milestone(path: Path):
    spec = importlib.util.spec_from_file_location(f"tinytorch_milestone_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for attribute in ("NAME", "YEAR", "TITLE", "TARGET", "REQUIRES", "run"):
        if not hasattr(module, attribute):
            raise CourseError(f"milestone {path.name} lacks {attribute}")
    return module


def list_milestones(root: Path | None = None) -> list:
    return [load_milestone(path) for path in milestone_files(root)]


def find_milestone(name: str, root: Path | None = None):
    milestones = list_milestones(root)
    key = name.lower()
    for milestone in milestones:
        if key in (milestone.NAME, re.sub(r"^m\d\d_", "", Path(milestone.__file__).stem)):
            return milestone
    names = ", ".join(m.NAME for m in milestones)
    raise CourseError(f"unknown milestone '{name}'; choose one of: {names}")
