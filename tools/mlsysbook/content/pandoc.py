"""Parse Quarto markdown into the pandoc JSON AST with the pandoc binary shipped by pypandoc-binary."""
from __future__ import annotations

import json
import re
import subprocess
from functools import lru_cache

# Quarto writes executable cells as ```{python}; pandoc's markdown reader does not accept a bare
# `{python}` attribute, so the fence is rewritten to a class attribute it does parse.
_CELL_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\{(?P<lang>[A-Za-z0-9_+-]+)(?P<rest>[^}]*)\}[ \t]*$")


class PandocError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    try:
        import pypandoc
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise PandocError("pypandoc-binary is not installed; run `make venv`") from exc
    return pypandoc.get_pandoc_path()


def mark_cells(text: str) -> str:
    """Rewrite Quarto cell fences (```{python}) into ``` {.python .cell} so pandoc sees code blocks."""
    out = []
    for line in text.splitlines():
        m = _CELL_FENCE.match(line)
        if m:
            line = f"{m['indent']}{m['fence']} {{.{m['lang']} .cell}}"
        out.append(line)
    return "\n".join(out) + "\n"


def to_ast(text: str, source: str = "<string>") -> dict:
    proc = subprocess.run(
        [pandoc_path(), "-f", "markdown", "-t", "json"],
        input=mark_cells(text), capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise PandocError(f"{source}: pandoc could not parse the file: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def bib_to_csl(path) -> list[dict]:
    proc = subprocess.run(
        [pandoc_path(), "-f", "bibtex", "-t", "csljson", str(path)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise PandocError(f"{path}: BibTeX syntax error: {proc.stderr.strip()} "
                          "(fix the braces/commas of that entry)")
    return json.loads(proc.stdout or "[]")
