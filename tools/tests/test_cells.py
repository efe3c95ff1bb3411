from pathlib import Path

import pytest

from mlsysbook.site import cells
from mlsysbook.site.errors import SourceError

PATH = Path("chapter.qmd")

BODY = """Intro with `{python} 1 + 1` inline.

```{python}
#| label: fig-demo
#| fig-cap: "A caption"
x = 3
```

```python
# a listing, not executed: `{python} ignored`
```

````{dot}
//| label: fig-graph
digraph { a -> b }
````

```{mermaid}
%%| label: fig-flow
flowchart LR
  A --> B
```
"""


def test_scan_finds_cells_inline_and_diagrams_in_order_with_lines():
    found = cells.scan(BODY, 10, PATH)
    assert [c.kind for c in found] == ["inline", "python", "dot", "mermaid"]
    assert [c.line for c in found] == [10, 12, 22, 27]
    assert found[0].code == "1 + 1"
    assert found[1].options == {"label": "fig-demo", "fig-cap": "A caption"}
    assert found[1].code == "x = 3"
    assert found[2].options["label"] == "fig-graph" and found[2].code == "digraph { a -> b }"
    assert found[3].options["label"] == "fig-flow" and found[3].code.startswith("flowchart LR")


def test_scan_spans_cover_exactly_the_cell():
    found = cells.scan(BODY, 1, PATH)
    python = found[1]
    assert BODY[python.start:python.end].startswith("```{python}")
    assert BODY[python.start:python.end].endswith("```")
    assert BODY[found[0].start:found[0].end] == "`{python} 1 + 1`"


def test_unsupported_engine_is_an_error_with_line():
    with pytest.raises(SourceError) as info:
        cells.scan("text\n\n```{r}\n1\n```\n", 5, PATH)
    assert info.value.line == 7 and "{r}" in info.value.message


def test_unclosed_fence_is_an_error():
    with pytest.raises(SourceError, match="never closed"):
        cells.scan("```{python}\nx = 1\n", 1, PATH)


def test_bad_cell_options_are_reported_at_the_option_line():
    with pytest.raises(SourceError) as info:
        cells.scan("```{python}\n#| label: [unclosed\nx = 1\n```\n", 1, PATH)
    assert info.value.line >= 2 and "options" in info.value.message


def test_outputs_become_markdown_figures_tables_and_listings():
    cell = cells.Cell("python", "plot()", 4, 0, 0, {"label": "fig-a", "fig-cap": "Cap", "echo": True})
    files: dict[str, bytes] = {}
    outputs = [{"output_type": "stream", "name": "stdout", "text": "hello\n"},
               {"output_type": "display_data", "data": {"image/svg+xml": "<svg/>", "text/plain": "<Figure>"}}]
    md = cells.outputs_to_markdown(cell, 0, outputs, {"echo": False}, files, PATH)
    assert "```` {.python .cell-code}" not in md and "``` {.python .cell-code}\nplot()\n```" in md
    assert "hello" in md
    assert "![Cap](figures/fig-a-2.svg){#fig-a}" in md
    assert files == {"figures/fig-a-2.svg": b"<svg/>"}

    table = cells.Cell("python", "t", 9, 0, 0, {"label": "tbl-b", "tbl-cap": "Devices"})
    md = cells.outputs_to_markdown(table, 1, [{"output_type": "execute_result",
                                               "data": {"text/markdown": "| a |\n|---|\n| 1 |"}}], {}, {}, PATH)
    assert md.endswith(": Devices {#tbl-b}")


def test_raising_cell_names_file_line_and_exception():
    cell = cells.Cell("python", "1/0", 42, 0, 0, {})
    error = {"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
             "traceback": ["\x1b[31mTraceback\x1b[0m", "ZeroDivisionError: division by zero"]}
    with pytest.raises(SourceError) as info:
        cells.outputs_to_markdown(cell, 0, [error], {}, {}, PATH)
    assert info.value.line == 42 and "ZeroDivisionError" in info.value.message
    assert "\x1b" not in info.value.message
    shown = cells.outputs_to_markdown(cells.Cell("python", "1/0", 42, 0, 0, {"error": True}), 0, [error], {}, {}, PATH)
    assert "cell-output-error" in shown


def test_execute_runs_cells_in_one_kernel_and_keeps_state(tmp_path):
    found = cells.scan("```{python}\nx = 6 * 7\n```\n\nValue `{python} x`.\n", 1, PATH)
    outputs = cells.execute(found, tmp_path, timeout=60)
    assert cells.inline_to_markdown(found[1], outputs[1], PATH) == "42"


def test_fingerprint_changes_with_any_part():
    assert cells.fingerprint("a", "b") != cells.fingerprint("a", "c")
    assert cells.fingerprint("ab", "") != cells.fingerprint("a", "b")


def test_execution_continues_after_a_cell_that_may_fail(tmp_path):
    body = "```{python}\n#| error: true\nraise ValueError('shown')\n```\n\n```{python}\nprint('after')\n```\n"
    found = cells.scan(body, 1, PATH)
    outputs = cells.execute(found, tmp_path, timeout=60, defaults={"error": False})
    assert outputs[0][0]["ename"] == "ValueError"
    assert outputs[1][0]["text"] == "after\n"
    stopped = cells.execute(cells.scan(body.replace("#| error: true\n", ""), 1, PATH), tmp_path, timeout=60)
    assert stopped[1] == []  # not run after an unexpected error


def test_cells_run_in_the_chapter_folder_with_this_interpreter(tmp_path):
    import sys

    found = cells.scan("```{python}\nimport os, sys\nprint(os.getcwd())\nprint(sys.executable)\n```\n", 1, PATH)
    text = cells.execute(found, tmp_path, timeout=60)[0][0]["text"].splitlines()
    assert text == [str(tmp_path), sys.executable]
