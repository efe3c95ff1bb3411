"""Executable content in Quarto markdown: ```{python} cells, inline `{python} expr`, {dot} and {mermaid}.

`scan` finds them with their file lines; `expand` replaces them by plain pandoc markdown (code echo,
outputs, figures, tables), so the rest of the pipeline only ever sees ordinary markdown.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import SourceError

EXECUTED = {"python"}
DIAGRAMS = {"dot", "mermaid"}
OPTION_PREFIX = {"python": "#|", "dot": "//|", "mermaid": "%%|"}
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*)$")
_ENGINE = re.compile(r"^\{(?P<lang>[A-Za-z][A-Za-z0-9_+-]*)(?P<rest>[^}]*)\}$")
_INLINE = re.compile(r"`\{python\}[ \t]+(?P<expr>[^`]+)`")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Cell:
    kind: str  # python | dot | mermaid | inline
    code: str
    line: int  # file line of the fence (or of the inline expression)
    start: int  # character span in the body that this cell replaces
    end: int
    options: dict = field(default_factory=dict)


def _parse_options(kind: str, lines: list[str], first_line: int, path: Path) -> tuple[dict, list[str]]:
    # Quarto reads only the language's own comment as cell options (`%%|` in Mermaid, `//|` in
    # Graphviz); another prefix would stay in the diagram source, so it is an error here too.
    prefixes = (OPTION_PREFIX[kind],)
    option_lines: list[str] = []
    for number, text in enumerate(lines):
        stripped = text.lstrip()
        prefix = next((p for p in prefixes if stripped.startswith(p)), None)
        if prefix is None:
            wrong = next((p for p in OPTION_PREFIX.values() if stripped.startswith(p)), None)
            if wrong and kind in DIAGRAMS:
                raise SourceError(path, first_line + 1 + number,
                                  f"{{{kind}}} cell options are written `{OPTION_PREFIX[kind]} key: value`; Quarto "
                                  f"leaves `{wrong}` lines in the diagram (change `{wrong}` to `{OPTION_PREFIX[kind]}`)")
            break
        option_lines.append(stripped[len(prefix):].removeprefix(" "))
    body = lines[len(option_lines):]
    if not option_lines:
        return {}, body
    try:
        options = yaml.safe_load("\n".join(option_lines)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + 1 + (mark.line if mark else 0)
        raise SourceError(path, line, f"cell options (`{prefixes[0]} key: value` lines) are not valid YAML: "
                                      f"{getattr(exc, 'problem', exc)}") from None
    if not isinstance(options, dict):
        raise SourceError(path, first_line + 1, "cell options must be `key: value` lines")
    return options, body


def scan(body: str, body_line: int, path: Path) -> list[Cell]:
    """Every executable cell, diagram and inline expression in document order."""
    cells: list[Cell] = []
    offsets = [0]
    lines = body.split("\n")
    for text in lines:
        offsets.append(offsets[-1] + len(text) + 1)
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            for inline in _INLINE.finditer(lines[i]):
                cells.append(Cell("inline", inline["expr"].strip(), body_line + i,
                                  offsets[i] + inline.start(), offsets[i] + inline.end()))
            i += 1
            continue
        fence, info = m["fence"], m["info"].strip()
        close = i + 1
        while close < len(lines):
            c = _FENCE.match(lines[close])
            if c and c["fence"][0] == fence[0] and len(c["fence"]) >= len(fence) and not c["info"].strip():
                break
            close += 1
        if close == len(lines):
            raise SourceError(path, body_line + i, f"code block opened with {fence} is never closed")
        engine = _ENGINE.match(info)
        if engine and not engine["lang"].startswith("="):
            lang = engine["lang"].lower()
            if lang not in EXECUTED | DIAGRAMS:
                raise SourceError(path, body_line + i,
                                  f"`{{{lang}}}` cells are not supported; the book executes `{{python}}` cells and "
                                  "renders `{dot}` and `{mermaid}` diagrams (use ```" + lang + " for a plain listing)")
            options, code_lines = _parse_options(lang, lines[i + 1:close], body_line + i, path)
            cells.append(Cell(lang, "\n".join(code_lines).strip("\n"), body_line + i,
                              offsets[i], offsets[close + 1] - 1 if close + 1 < len(offsets) else len(body), options))
        i = close + 1
    return cells


def fingerprint(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class Expansion:
    """The markdown that replaces each cell, plus generated files (page-relative path -> bytes)."""
    replacements: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    executed: bool = False  # False when every result came from the cache


def _fence(code: str, classes: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", code)), default=2)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks} {{{classes}}}\n{code}\n{ticks}"


def _clean(text) -> str:
    if isinstance(text, list):
        text = "".join(text)
    return _ANSI.sub("", text)


def _caption_attr(options: dict) -> tuple[str, str, str]:
    label = str(options.get("label", "") or "")
    cap = options.get("fig-cap") or options.get("tbl-cap") or ""
    if isinstance(cap, list):
        cap = " ".join(str(c) for c in cap)
    return label, str(cap).replace("\n", " ").strip(), f"{{#{label}}}" if label else ""


class CellFailed(Exception):
    def __init__(self, index: int, message: str):
        self.index = index
        self.message = message


def outputs_to_markdown(cell: Cell, index: int, outputs: list[dict], defaults: dict,
                        files: dict[str, bytes], path: Path) -> str:
    opts = {**defaults, **cell.options}
    label, caption, attr = _caption_attr(opts)
    pieces: list[str] = []
    if opts.get("echo", False) is True and opts.get("include", True):
        pieces.append(_fence(cell.code, ".python .cell-code"))
    show = opts.get("output", True)
    figure_done = False
    for out_i, out in enumerate(outputs):
        kind = out.get("output_type")
        if kind == "error":
            if not opts.get("error", False):
                trace = _clean("\n".join(out.get("traceback", [])[-3:]))
                raise SourceError(path, cell.line, f"cell raised {out.get('ename')}: {_clean(out.get('evalue', ''))}"
                                                   f"\n{trace}\n(fix the code, or set `#| error: true` to show the error)")
            # marked as intended so `mlsysbook check` tells a demonstrated error from a broken cell
            pieces.append(_fence(_clean("\n".join(out.get("traceback", []))),
                                 ".cell-output .cell-output-error .cell-error-allowed"))
            continue
        if show is False:
            continue
        if kind == "stream":
            if out.get("name") == "stderr" and not opts.get("warning", False):
                continue
            text = _clean(out.get("text", "")).rstrip("\n")
            if not text:
                continue
            pieces.append(text if show == "asis" else _fence(text, ".cell-output .cell-output-" + out.get("name", "stdout")))
            continue
        data = out.get("data", {})
        image = next((m for m in ("image/svg+xml", "image/png", "image/jpeg") if m in data), None)
        if image:
            ext = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}[image]
            stem = label or f"cell-{index + 1}"
            name = f"figures/{stem}-{out_i + 1}.{ext}"
            payload = data[image]
            files[name] = _svg_fonts(_clean(payload)).encode("utf-8") if ext == "svg" else base64.b64decode(_clean(payload))
            svg = files[name] if ext == "svg" else None
            if label.startswith("fig-") and not figure_done:
                pieces.append(f"![{caption}]({name}){_image_attr(label, svg)}")
                figure_done = True
            else:
                pieces.append(f"![]({name}){_image_attr('', svg)}")
        elif "text/markdown" in data:
            text = _clean(data["text/markdown"]).strip()
            if label.startswith("tbl-"):
                text += f"\n\n: {caption} {attr}"
            pieces.append(text)
        elif "text/html" in data:
            raw = _clean(data["text/html"]).strip()
            block = f"```{{=html}}\n{raw}\n```"
            if label.startswith("tbl-"):
                block = f"::: {{#{label}}}\n{block}\n\n{caption}\n:::"
            pieces.append(block)
        elif "text/plain" in data:
            text = _clean(data["text/plain"])
            pieces.append(text if show == "asis" else _fence(text, ".cell-output .cell-output-display"))
    if not opts.get("include", True):
        return ""
    return "\n\n".join(pieces)


def inline_to_markdown(cell: Cell, outputs: list[dict], path: Path) -> str:
    texts = []
    for out in outputs:
        if out.get("output_type") == "error":
            raise SourceError(path, cell.line, f"inline expression `{cell.code}` raised {out.get('ename')}: "
                                               f"{_clean(out.get('evalue', ''))}")
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            texts.append(_clean(out.get("text", "")))
    return "".join(texts)


def legible_width(svg: bytes) -> int | None:
    """The narrowest width (CSS px) at which the SVG's smallest text is still MIN_TEXT_PX on screen, or
    None when it has no text. site.js keeps the figure at least this wide (scrolling inside its own box
    when the column is narrower), and `mlsysbook check` measures it so (legibility.py)."""
    from .legibility import MIN_TEXT_PX, svg_text_sizes
    try:
        natural, view_width, texts = svg_text_sizes(svg)
    except Exception:  # a figure that does not parse is reported by `mlsysbook check`
        return None
    width = natural or view_width
    if not texts or not width:
        return None
    smallest = min(size for size, _ in texts)
    return math.ceil(width * MIN_TEXT_PX / smallest) if smallest > 0 else None


def _image_attr(label: str, svg: bytes | None) -> str:
    """Pandoc attributes of a generated figure: its label and, for SVG, `min-width` (data-min-width in HTML)."""
    parts = [f"#{label}"] if label else []
    minimum = legible_width(svg) if svg is not None else None
    if minimum:
        parts.append(f'min-width="{minimum}"')
    return "{" + " ".join(parts) + "}" if parts else ""


def render_dot(cell: Cell, path: Path, cache_dir: Path, files: dict[str, bytes], index: int) -> str:
    key = fingerprint("dot", cell.code)
    cached = cache_dir / "dot" / f"{key}.svg"
    if cached.exists():
        svg = cached.read_bytes()
    else:
        dot = shutil.which("dot")
        if dot is None:
            raise SourceError(path, cell.line, "a {dot} diagram needs Graphviz: run `tools/ensure-apt.sh graphviz`")
        proc = subprocess.run([dot, "-Tsvg"], input=cell.code.encode(), capture_output=True)
        if proc.returncode != 0:
            raise SourceError(path, cell.line, "Graphviz could not render this {dot} diagram: "
                                               + proc.stderr.decode(errors="replace").strip())
        svg = proc.stdout
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(svg)
    label, caption, _ = _caption_attr(cell.options)
    name = f"figures/{label or f'diagram-{index + 1}'}.svg"
    files[name] = svg
    attr = _image_attr(label, svg)
    return f"![{caption}]({name}){attr}" if label else f"![]({name}){attr}"


def render_mermaid(cell: Cell) -> str:
    label, caption, attr = _caption_attr(cell.options)
    block = f"```{{=html}}\n<pre class=\"mermaid\">{html.escape(cell.code)}</pre>\n```"
    if label:
        return f"::: {{#{label}}}\n{block}\n\n{caption}\n:::"
    return block


# Configures the inline backend without importing matplotlib (2 s of kernel time) in chapters that
# never plot: the kernel gets MPLBACKEND, and these settings apply when a cell first imports pyplot.
# Text stays text (svg.fonttype 'none'), set in the site's font stack (site.css --font), so figures read
# in the same face as the page, can be searched and selected, and `mlsysbook check` can measure their
# type size (legibility.py). Matplotlib lays the text out with the first of these it has (DejaVu Sans on
# Debian), which is at least as wide as the others, so labels do not outgrow their places in a browser.
FONT_STACK = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "DejaVu Sans"]
SETUP = f"""\
%config InlineBackend.figure_formats = ['svg']
%config InlineBackend.rc = {{'svg.hashsalt': 'mlsysbook', 'figure.figsize': (7.0, 4.2), 'figure.dpi': 100, 'svg.fonttype': 'none', 'font.family': 'sans-serif', 'font.sans-serif': {FONT_STACK!r}}}
%config InlineBackend.print_figure_kwargs = {{'bbox_inches': 'tight', 'metadata': {{'Date': None}}}}
"""
# Matplotlib quotes every family name; CSS reads a quoted 'system-ui' as a font of that name, not as the
# system font keyword, so the generic names are unquoted in the SVG it writes.
_QUOTED_KEYWORDS = re.compile(r"'(system-ui|-apple-system)'")


def _svg_fonts(svg: str) -> str:
    return _QUOTED_KEYWORDS.sub(r"\1", svg)
KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}


def _python_source(cell: Cell) -> str:
    if cell.kind == "inline":
        return f"print(({cell.code}), end='')"
    return cell.code


KERNEL_NAME = "mlsysbook-python"


def _kernel_manager():
    """A kernel running this very interpreter, so a user-wide `python3` kernelspec pointing at another
    Python (without the book's packages) cannot be picked up by accident."""
    import sys

    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager

    class _ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="Python 3 (mlsysbook)", language="python")

    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=_ThisPython())


def execute(python_cells: list[Cell], workdir: Path, timeout: int, defaults: dict | None = None) -> list[list[dict]]:
    """Run the cells in one fresh kernel; returns each cell's outputs. Stops after the first error
    of a cell that does not allow errors (`#| error: true`), as Quarto does."""
    defaults = defaults or {}
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP)] + [nbformat.v4.new_code_cell(_python_source(c)) for c in python_cells]
    client = NotebookClient(nb, km=_kernel_manager(), timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": str(workdir)}})
    # the kernel's own stderr (transport warnings) would interleave with the build's progress lines
    with client.setup_kernel(env={**os.environ, **KERNEL_ENV}, stderr=subprocess.DEVNULL):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
            if any(o.get("output_type") == "error" for o in cell.outputs):
                if index == 0:
                    raise RuntimeError("the plotting setup failed in the kernel: "
                                       + _clean("\n".join(cell.outputs[-1].get("traceback", []))))
                source = python_cells[index - 1]
                if source.kind == "inline" or not {**defaults, **source.options}.get("error", False):
                    break
    return [[json.loads(json.dumps(o)) for o in cell.get("outputs", [])] for cell in nb.cells[1:]]
