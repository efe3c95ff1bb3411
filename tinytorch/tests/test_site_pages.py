"""Module pages show learning goals, the API the learner builds, a worked example that runs against the
package, and a link to the module's source (issue #18)."""
from __future__ import annotations

import re

import pytest
import yaml
from click.testing import CliRunner

from tito.course import CourseError, list_modules
from tito.site import EXTRAS_FILE, SOURCE_DIR, copy_sources, load_extras, module_page, page_name, public_api

MODULES = list_modules()
EXTRAS = load_extras()


def test_every_module_has_goals_and_an_example():
    assert sorted(EXTRAS) == [m.number for m in MODULES]
    for number, extra in EXTRAS.items():
        assert len(extra["goals"]) >= 3, number
        assert "tinytorch" in extra["example"] and "assert " in extra["example"], number


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_worked_example_runs_against_the_package(module):
    """The code on the page runs as shown, and its asserts (what the page says it computes) hold."""
    code = EXTRAS[module.number]["example"]
    exec(compile(code, f"{EXTRAS_FILE}:module {module.number}", "exec"), {"__name__": "__example__"})


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_worked_example_uses_what_the_module_builds(module):
    code = EXTRAS[module.number]["example"]
    used = set(re.findall(r"\b(?:tt|nn|optim|data|F)\.(\w+)", code))
    public = {name for names in module.public.values() for name in names}
    assert used & public, f"module {module.number:02d}'s example calls none of {sorted(public)}"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_page_shows_goals_api_example_and_source(module, course_root):
    page = (course_root / "site" / page_name(module)).read_text()
    extra = EXTRAS[module.number]
    n = f"{module.number:02d}"
    headings = re.findall(r"^## .*\{#(sec-[\w-]+)\}", page, flags=re.M)
    assert headings[:3] == [f"sec-tinytorch-module-{n}-goals", f"sec-tinytorch-module-{n}-api",
                            f"sec-tinytorch-module-{n}-example"]
    for goal in extra["goals"]:
        assert f"- {goal}\n" in page
    for where, name, _, _ in public_api(module):
        assert re.search(rf"^\| `{re.escape(where)}` \| `{re.escape(name)}` \|", page, flags=re.M), name
    assert "```python\n" + extra["example"].rstrip("\n") + "\n```" in page
    assert f"[`modules/{module.slug}/{module.name}.py`]({SOURCE_DIR}/{module.slug}/{module.name}.py)" in page


def test_api_table_reads_signatures_and_docstrings_from_the_source():
    tensor = next(m for m in MODULES if m.number == 1)
    rows = {name: (sig, summary) for _, name, sig, summary in public_api(tensor)}
    assert rows["cat"][0] == "(tensors, axis: int=0, *, dim=None)"
    assert rows["cat"][1].startswith("Concatenate tensors along an existing axis")
    assert rows["float32"] == ("", "alias of `np.float32`")
    loader = next(m for m in MODULES if m.number == 8)
    dataset = {name: summary for _, name, _, summary in public_api(loader)}["Dataset"]
    assert r"\_\_len\_\_" in dataset  # escaped, so markdown does not read it as bold


def test_missing_entry_names_the_module_and_the_fix():
    module = MODULES[0]
    with pytest.raises(CourseError, match=rf"{EXTRAS_FILE} has no entry for module 01.*goals.*example"):
        module_page(module, MODULES, extras={})


def test_incomplete_extras_file_is_rejected(tmp_path):
    (tmp_path / EXTRAS_FILE).write_text(yaml.safe_dump({"modules": {1: {"goals": ["x"], "example": ""}}}))
    with pytest.raises(CourseError, match="module 1 needs a non-empty `goals:` list and an `example:` block"):
        load_extras(tmp_path)


def test_sources_are_copied_where_the_pages_link(tmp_path):
    from tito.cli import cli

    result = CliRunner().invoke(cli, ["site", "--sources", str(tmp_path / "source")])
    assert result.exit_code == 0, result.output
    for module in MODULES:
        copied = tmp_path / SOURCE_DIR / module.slug / module.source.name
        assert copied.read_text() == module.source.read_text()
    assert len(copy_sources(tmp_path / "again")) == len(MODULES)
