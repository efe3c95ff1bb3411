"""Declared prerequisites cover what each module and milestone imports.

A learner's package only holds the modules they completed, and `tito` unlocks a module (or runs a
milestone) once its declared prerequisites are complete. An import of a module outside the
transitive closure of those prerequisites would therefore fail with ModuleNotFoundError for a learner
who followed `tito` exactly, so every such import is a course bug.
"""
import ast
from pathlib import Path

import pytest

from tito.course import list_modules
from tito.milestones import list_milestones

MODULES = list_modules()
NUMBER_BY_TARGET = {module.export_target: module.number for module in MODULES}
REQUIRES = {module.number: set(module.requires) for module in MODULES}


def prerequisite_closure(numbers) -> set[int]:
    closure, pending = set(), list(numbers)
    while pending:
        number = pending.pop()
        if number not in closure:
            closure.add(number)
            pending.extend(REQUIRES[number])
    return closure


def catches_import_error(node: ast.Try) -> bool:
    names = set()
    for handler in node.handlers:
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names |= {kind.id for kind in kinds if isinstance(kind, ast.Name)}
    return bool(names & {"ImportError", "ModuleNotFoundError"})


def course_imports(source: str) -> dict[int, int]:
    """Course module number -> line, for each `tinytorch.<target>` import not guarded by `except ImportError`."""
    found = {}

    def visit(node, guarded):
        if isinstance(node, ast.Try) and catches_import_error(node):
            guarded = True
        dotted = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            dotted = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            dotted = [alias.name for alias in node.names]
        for name in dotted:
            target = name.removeprefix("tinytorch.")
            if name.startswith("tinytorch.") and target in NUMBER_BY_TARGET and not guarded:
                found.setdefault(NUMBER_BY_TARGET[target], node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(ast.parse(source), False)
    return found


def test_guarded_imports_are_ignored_and_nested_imports_are_seen():
    source = (
        "try:\n    from tinytorch.core.autograd import backward\nexcept ImportError:\n    pass\n"
        "def f():\n    from tinytorch.data.loader import DataLoader\n"
    )
    assert course_imports(source) == {NUMBER_BY_TARGET["data.loader"]: 6}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_module_imports_only_its_prerequisites(module):
    allowed = prerequisite_closure([module.number])
    for path in (module.source, module.tests):
        outside = {n: line for n, line in course_imports(path.read_text()).items() if n not in allowed}
        assert not outside, (
            f"{path.name} imports module(s) {sorted(outside)} (lines {sorted(outside.values())}) that are not "
            f"prerequisites of {module.slug}; fix: add them to its '#| requires:' line"
        )


@pytest.mark.parametrize("milestone", list_milestones(), ids=lambda m: m.NAME)
def test_milestone_requires_cover_its_imports(milestone):
    allowed = prerequisite_closure(milestone.REQUIRES)
    outside = set(course_imports(Path(milestone.__file__).read_text())) - allowed
    assert not outside, f"milestone {milestone.NAME} imports modules {sorted(outside)} missing from REQUIRES"
