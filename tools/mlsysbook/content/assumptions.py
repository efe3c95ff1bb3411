"""Shared assumptions come from `mlsysim.assumptions`, never typed by a chapter (issue #14).

A cost, energy or carbon estimate rests on a few numbers no datasheet fixes: the price of an
accelerator-hour, the utilization (MFU) a run sustains, the fraction of TDP a busy accelerator draws,
the facility's PUE and the grid's carbon intensity. The engine holds each of them once, dated and
cited (`mlsysim.assumptions`, prices in `data/cloud_prices.yaml`, grids in `data/regions.yaml`), so
that no two chapters disagree and a changed price changes every chapter at once. A chapter that types
its own value silently forks the book: this check finds such values.

What counts as typing one:

- in a ```` ```{python} ```` cell, a name that holds a shared assumption (by its name: ``RENT``,
  ``price_per_gpu_hour``, ``mfu``, ``power_fraction``, ``pue``, ``grid_intensity``...) assigned a
  number, or given one as a keyword argument (``ms.energy(..., pue=1.1)``) or a parameter default;
- in prose, outside code: a GPU-hour price (``$2.50 per GPU-hour``, ``2.50 USD per GPU-hour``), a PUE
  (``a PUE of 1.1``) or a grid intensity (``400 gCO2/kWh``) written as a literal.

Not flagged: values computed from the engine (``A.DEFAULT_PUE``, ``ms.cloud_price(hw)``,
``step.mfu``); a sweep over several values (a list or range is a what-if, not an assumption); prose on a
line that cites a source (``[@key]``), which reports a published measurement rather than assuming one;
quiz files, whose questions state their own inputs. A value in a cell that differs from the shared one
on purpose is allowed when its line says why: ``mfu_low = 0.3  # scenario: <why>`` for a what-if, or
``# measured: <source>`` for a published measurement of one system.

A fleet's *allocation* utilization (the share of hours a GPU is rented, ``ms.tco(utilization=...)``)
is a scenario input, not one of these: the engine keeps no shared value for it.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from mlsysbook.content.conventions import _prose_lines, book_pages

_CELL_OPEN = re.compile(r"^\s*(?P<fence>`{3,})\s*\{python\b[^}]*\}\s*$")
_MARKED = re.compile(r"#\s*(?:scenario|measured):\s*\S")
_CITATION = re.compile(r"\[[^\]]*@[\w:.#$%&+?<>~/-]+[^\]]*\]|(?<![\w@])@[a-z][\w]*\d{4}\w*")
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_ACCELERATOR = re.compile(r"\b(?:GPU|accelerator|H100|H200|B200|A100|TPU)", re.I)
_INLINE_CODE = re.compile(r"(?<!`)`(?!`)[^`\n]+`(?!`)")


@dataclass(frozen=True)
class SharedAssumption:
    """One shared assumption: what it is, where the engine keeps it, how chapters spell it."""

    what: str
    engine: str
    names: re.Pattern  # identifiers (lower-cased) that hold it in a chapter's Python cells
    prose: re.Pattern | None  # how a typed value reads in prose, or None when prose is not checked

    def fix(self, where: str) -> str:
        if where == "prose":
            return (f"compute it in the setup cell from {self.engine} and write it inline as "
                    "`{python} name` (or cite the source on the same line if it is a published measurement)")
        return (f"use {self.engine} instead of a typed number (or end the line with `# scenario: <why>` for a "
                "deliberate what-if, `# measured: <source>` for a published measurement)")


SHARED_ASSUMPTIONS = (
    SharedAssumption(
        what="GPU-hour price",
        engine="A.GPU_HOUR_PRICE_USD (dated by A.GPU_HOUR_PRICE_AS_OF) or ms.cloud_price(hw)",
        # "rent" alone, or a price/cost word next to an accelerator-hour; an annotator's hourly wage is not one
        names=re.compile(r"(?:^|_)rent(?:al)?(?:_|$)|(?:gpu|device|chip|accel\w*)_?(?:hour|hr|h)_?(?:price|usd|cost|rate)"
                         r"|(?:price|usd|cost|dollars?)_?(?:per_)?(?:gpu|device|chip|accel\w*)_?(?:hour|hr|h)(?:_|$)"),
        # "$2.50 per GPU-hour", "2.50 USD per GPU-hour"; "$4 per hour" only right after a GPU is named
        prose=re.compile(
            rf"(?:\\?\$\s?{_NUMBER}\s*(?:USD\s*)?|{_NUMBER}\s*(?:USD|US dollars|dollars)\s*)(?:per|/|an?|each)\s*"
            r"(?:(?:GPU|accelerator|chip|device|H100|H200|B200|A100|TPU)[- ]?hours?\b|(?P<bare>hours?\b))",
            re.I),
    ),
    SharedAssumption(
        what="model FLOPs utilization (MFU)",
        engine="A.DEFAULT_MFU, or the mfu of an ms.train_step result",
        names=re.compile(r"(?:^|_)mfu(?:_|$)"),
        prose=None,  # exercises pose their own MFU on purpose ("at 45% MFU"); measured MFUs are cited
    ),
    SharedAssumption(
        what="average power as a fraction of TDP",
        engine="A.AVERAGE_POWER_FRACTION_OF_TDP",
        names=re.compile(r"power_?frac(?:tion)?|frac(?:tion)?_of_tdp|tdp_?frac(?:tion)?"),
        prose=None,
    ),
    SharedAssumption(
        what="grid carbon intensity",
        engine="A.DEFAULT_GRID_INTENSITY_GCO2_PER_KWH or ms.grid_intensity(region)",
        names=re.compile(r"(?:grid|carbon)_?intensity|gco2|co2_per_kwh"),
        prose=re.compile(rf"{_NUMBER}\s*(?:g|grams?)\s*(?:of\s*)?CO(?:2|₂)(?:e|eq|-eq)?\s*(?:/|per)\s*kWh", re.I),
    ),
    SharedAssumption(
        what="power usage effectiveness (PUE)",
        engine="A.DEFAULT_PUE (or A.INDUSTRY_AVERAGE_PUE for the survey average)",
        names=re.compile(r"(?:^|_)pue(?:_|$)"),
        # 1.0 is the ideal that defines the scale, not an assumption about a facility
        prose=re.compile(r"(?:\bPUE|power usage effectiveness)\s*(?:\(PUE\)\s*)?(?:of|=|is|at|near)?\s*"
                         r"(?:about|around|roughly|only|just|approximately)?\s*(?!1\.0+\b)[01]\.\d+", re.I),
    ),
)


def _is_number(node: ast.AST) -> bool:
    """A numeric literal, or arithmetic on numeric literals only (``40 / 100``, ``-0.5``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp):
        return _is_number(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_number(node.left) and _is_number(node.right)
    return False


def _assumption_for(name: str) -> SharedAssumption | None:
    lowered = name.lower()
    return next((a for a in SHARED_ASSUMPTIONS if a.names.search(lowered)), None)


def _typed_in_cell(tree: ast.AST) -> list[tuple[int, str, SharedAssumption]]:
    """(line in cell, name, assumption) for every shared assumption given a literal number."""
    found: list[tuple[int, str, SharedAssumption]] = []

    def note(name: str, value: ast.AST, line: int):
        assumption = _assumption_for(name)
        if assumption is not None and _is_number(value):
            found.append((line, name, assumption))

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    note(target.id, node.value, node.lineno)
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for t, v in zip(target.elts, node.value.elts):
                        if isinstance(t, ast.Name):
                            note(t.id, v, node.lineno)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name) and node.value:
            note(node.target.id, node.value, node.lineno)
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg:
                    note(kw.arg, kw.value, kw.value.lineno)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            positional = args.posonlyargs + args.args
            for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
                note(arg.arg, default, default.lineno)
            for arg, default in zip(args.kwonlyargs, args.kw_defaults):
                if default is not None:
                    note(arg.arg, default, default.lineno)
    return found


def python_cells(text: str) -> list[tuple[int, str]]:
    """(first line number, source) of every ```{python} cell of a page."""
    cells, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        opened = _CELL_OPEN.match(lines[i])
        if not opened:
            i += 1
            continue
        fence, start, body = opened["fence"], i + 2, []
        i += 1
        while i < len(lines) and lines[i].strip() != fence:
            body.append(lines[i])
            i += 1
        cells.append((start, "\n".join(body)))
        i += 1
    return cells


def check_text(path: Path, text: str) -> list[str]:
    """Shared assumptions typed in one page, each as `file:line: message`."""
    problems: list[str] = []
    lines = text.splitlines()
    for start, source in python_cells(text):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # a cell that does not parse fails the execution test with a better message
        for offset, name, assumption in sorted(_typed_in_cell(tree), key=lambda f: f[0]):
            number = start + offset - 1
            if _MARKED.search(lines[number - 1]):
                continue
            problems.append(f"{path}:{number}: `{name}` types a value for the shared {assumption.what}; "
                            f"{assumption.fix('code')}")
    # Inline code (an engine value) stays visible as a word, so "`{python} x` USD per GPU-hour" does not
    # read as the number before it followed by "USD per GPU-hour".
    for number, line in _prose_lines(_INLINE_CODE.sub("⟨value⟩", text)):
        if _CITATION.search(line):
            continue
        for assumption in SHARED_ASSUMPTIONS:
            if assumption.prose is None:
                continue
            for m in assumption.prose.finditer(line):
                if m.groupdict().get("bare") and not _ACCELERATOR.search(line[max(0, m.start() - 60):m.start()]):
                    continue
                problems.append(f"{path}:{number}: \"{m.group(0).strip()}\" types the shared {assumption.what} "
                                f"in prose; {assumption.fix('prose')}")
    return problems


def check_assumptions(book_dir: Path, volumes=("vol1", "vol2")) -> list[str]:
    """Every page of the given volumes: shared assumptions typed instead of taken from the engine."""
    problems: list[str] = []
    for volume in volumes:
        volume_dir = Path(book_dir) / volume
        if not (volume_dir / "_quarto.yml").is_file():
            continue
        for page, _kind in book_pages(volume_dir):
            if page.is_file():
                problems += check_text(page, page.read_text(encoding="utf-8"))
    return problems
