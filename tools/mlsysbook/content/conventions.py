"""Source conventions that both renderers accept (book/README.md, "Conventions for both renderers").

Each rule rejects something that real Quarto renders wrongly or not at all, while plain pandoc (and so
a careless embedded renderer) would let it pass:

- a book page with a front-matter `title:` (Quarto adds a second, numbered heading; a titled volume
  index is counted as chapter 1) or without its `# Title {#sec-...}` heading; a volume index whose
  heading is not `.unnumbered`;
- Mermaid cell options written `//|` or `#|` (Quarto reads only `%%|` and leaves the rest in the
  diagram), Graphviz options not written `//|`;
- `@sec-x [@key]`: pandoc reads one citation with a suffix, and Quarto drops it silently;
- a callout id other than Quarto's prefix for that callout type (`def-` is the "Definition" theorem);
- Lua filters: HTML-dependency paths with `..`, `/` or built from PANDOC_SCRIPT_FILE (Quarto resolves
  them against the filter's folder), globals shared between files (Quarto gives each filter its own
  environment), helper modules that do not return a table, filter entries that do not exist.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

CALLOUT_ID_PREFIX = {"note": "nte-", "tip": "tip-", "warning": "wrn-", "important": "imp-", "caution": "cau-"}
DIAGRAM_OPTION = {"mermaid": "%%|", "dot": "//|"}
OPTION_PREFIXES = ("#|", "//|", "%%|")
XREF_PREFIXES = ("fig", "tbl", "sec", "eq", "lst")
QUARTO_STAGES = ("pre-ast", "post-ast", "pre-quarto", "post-quarto", "pre-render", "post-render",
                 "pre-finalize", "post-finalize")

_FRONT = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n---[ \t]*\n", re.S)
_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
_H1 = re.compile(r"^#\s+(?P<title>.*?)\s*(?:\{(?P<attrs>[^}]*)\})?\s*$")
_DIV_OPEN = re.compile(r"^:{3,}\s*\{(?P<attrs>[^}]*)\}")
_XREF_WITH_CITATION = re.compile(r"(?<![\w@\[])@(?P<ref>(?:%s)-[\w:.-]*\w)\s*\[(?P<inside>[^\]]*@[^\]]*)\]"
                                 % "|".join(XREF_PREFIXES))
_GLOBAL_ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*=[^=]")
_MODULE_RETURN = re.compile(r"^return\s+(?P<what>\{|[A-Za-z_]\w*)\s*$")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of the lines outside fenced code, inline code blanked; numbering is kept."""
    out: list[tuple[int, str]] = []
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        opened = _FENCE.match(line)
        if opened:
            if fence is None:
                fence = opened["fence"]
            elif line.strip().startswith(fence[0] * len(fence)) and not opened["info"].strip():
                fence = None
            continue
        if fence is None:
            out.append((number, re.sub(r"`[^`]*`", "", line)))
    return out


def book_pages(volume_dir: Path) -> list[tuple[Path, str]]:
    """(page, kind) for every page a volume's _quarto.yml lists: index, chapters, appendices."""
    config = yaml.safe_load((volume_dir / "_quarto.yml").read_text(encoding="utf-8")) or {}
    book = config.get("book") or {}
    pages: list[tuple[Path, str]] = []

    def walk(items):
        for item in items or []:
            if isinstance(item, str):
                pages.append((volume_dir / item, "index" if Path(item).name == "index.qmd" else "chapter"))
            elif isinstance(item, dict):
                walk(item.get("chapters"))
    walk(book.get("chapters"))
    pages += [(volume_dir / str(item), "appendix") for item in book.get("appendices") or []]
    return pages


def check_page(path: Path, kind: str = "chapter") -> list[str]:
    """Problems of one book page, each as `file:line: message`."""
    if not path.is_file():
        return [f"{path}: listed in _quarto.yml but does not exist"]
    text = path.read_text(encoding="utf-8")
    problems: list[str] = []
    front = _FRONT.match(text)
    if front:
        for offset, line in enumerate(front["yaml"].splitlines(), 2):
            if re.match(r"^title\s*:", line):
                problems.append(f"{path}:{offset}: front-matter `title:` on a book page; Quarto then shows a "
                                "second, numbered heading (and a titled index.qmd becomes chapter 1). Delete it: "
                                "the page's `# Title {#sec-...}` heading is its title")
    prose = _prose_lines(text)
    heading = next(((n, _H1.match(line)) for n, line in prose if line.startswith("# ")), None)
    if heading is None:
        problems.append(f"{path}:1: no `# Title {{#sec-...}}` heading; a book page's title is its first heading")
    elif kind == "index":
        attrs = (heading[1]["attrs"] or "").split()
        if ".unnumbered" not in attrs and "-" not in attrs:
            problems.append(f"{path}:{heading[0]}: the volume index heading must be `.unnumbered`, "
                            "or Quarto counts it as chapter 1 and shifts every chapter")
    problems += _check_cells(path, text)
    for number, line in prose:
        for m in _XREF_WITH_CITATION.finditer(line):
            problems.append(f"{path}:{number}: `@{m['ref']} [{m['inside']}]` is read as one citation (a "
                            "cross-reference with a bracketed suffix) and Quarto drops it silently; write "
                            f"`@{m['ref']}, see [{m['inside']}]` or move the citation")
        opened = _DIV_OPEN.match(line)
        if opened:
            problems += _check_callout_id(path, number, opened["attrs"])
    return problems


def _check_cells(path: Path, text: str) -> list[str]:
    problems = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        opened = re.match(r"^\s*(`{3,}|~{3,})\s*\{(?P<lang>mermaid|dot)\b", line)
        if not opened:
            continue
        expected = DIAGRAM_OPTION[opened["lang"]]
        for offset, option in enumerate(lines[index + 1:], index + 2):
            stripped = option.lstrip()
            prefix = next((p for p in OPTION_PREFIXES if stripped.startswith(p)), None)
            if prefix is None:
                break
            if prefix != expected:
                problems.append(f"{path}:{offset}: {{{opened['lang']}}} cell options are written "
                                f"`{expected} key: value`; Quarto leaves `{prefix}` lines in the diagram "
                                "(its label and caption are lost)")
    return problems


def _check_callout_id(path: Path, number: int, attrs: str) -> list[str]:
    tokens = attrs.split()
    kind = next((t[len(".callout-"):] for t in tokens if t.startswith(".callout-")), None)
    ident = next((t[1:] for t in tokens if t.startswith("#")), None)
    if kind is None or ident is None:
        return []
    allowed = CALLOUT_ID_PREFIX.get(kind)
    if allowed and ident.startswith(allowed):
        return []
    hint = f"`#{allowed}…`" if allowed else "no id"
    return [f"{path}:{number}: callout id #{ident}: Quarto reads an id on a callout as a cross-reference and "
            f"accepts only {hint} on a .callout-{kind}; remove the id, or put an anchor inside the callout "
            f"(`[]{{#{ident.split('-', 1)[-1]}}}`)"]


def check_filters(book_dir: Path) -> list[str]:
    """The Lua filters in `filters:` of _common.yml and the helper modules beside them."""
    common_path = book_dir / "_common.yml"
    if not common_path.is_file():
        return []
    common = yaml.safe_load(common_path.read_text(encoding="utf-8")) or {}
    problems: list[str] = []
    listed: set[Path] = set()
    folders: set[Path] = set()
    for entry in common.get("filters") or []:
        path = entry.get("path") if isinstance(entry, dict) else entry
        stage = entry.get("at", "pre-quarto") if isinstance(entry, dict) else "pre-quarto"
        if not isinstance(path, str):
            problems.append(f"{common_path}: filter entry {entry!r} is neither a path nor a `path:`/`at:` mapping")
            continue
        if stage not in QUARTO_STAGES:
            problems.append(f"{common_path}: filter {path}: unknown stage `at: {stage}`")
        resolved = (book_dir / "vol" / path).resolve()  # paths are written relative to a volume folder
        if not resolved.is_file():
            problems.append(f"{common_path}: filter {path} does not exist ({resolved})")
            continue
        listed.add(resolved)
        folders.add(resolved.parent)
    for folder in sorted(folders):
        for lua in sorted(folder.glob("*.lua")):
            problems += check_lua(lua, is_filter=lua.resolve() in listed)
    return problems


def check_lua(path: Path, is_filter: bool) -> list[str]:
    text = path.read_text(encoding="utf-8")
    problems = []
    for call in re.finditer(r"add_html_dependency\s*\(", text):
        body = re.sub(r"--[^\n]*", "", _balanced(text, call.end() - 1))
        for key in ("scripts", "stylesheets", "resources"):
            listed = re.search(key + r"\s*=\s*\{", body)
            if not listed:
                continue
            items = _top_level_items(_balanced(body, listed.end() - 1)[1:-1])
            for item in items:
                literal = re.fullmatch(r"""(["'])(?P<name>[^"']*)\1""", item)
                if literal is None or "/" in literal["name"] or "\\" in literal["name"] or ".." in literal["name"]:
                    problems.append(f"{path}:{_line(text, call.start())}: add_html_dependency {key} entry {item}: "
                                    "Quarto resolves these paths against the filter's own folder, so give plain "
                                    "file names (\"quiz.js\"), never `..`, folders or PANDOC_SCRIPT_FILE")
    for number, line in enumerate(text.splitlines(), 1):
        assigned = _GLOBAL_ASSIGNMENT.match(line)
        if assigned:
            problems.append(f"{path}:{number}: `{assigned['name']} = …` sets a global; Quarto loads each filter in "
                            "its own environment, so a global is invisible to the files it loads. Use `local` and "
                            "share helpers through a module that returns a table")
    if not is_filter:
        code = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("--")]
        ending = _MODULE_RETURN.match(code[-1]) if code else None
        declared = ending and (ending["what"] == "{" or re.search(rf"^local\s+{ending['what']}\s*=\s*\{{", text, re.M))
        if not declared:
            problems.append(f"{path}: a helper module (not listed in `filters:`) must end with `return M`, where "
                            "`local M = {}` holds its functions; filters load it with dofile and get that table")
    return problems


def _balanced(text: str, start: int) -> str:
    """The bracketed text opening at text[start] (one of `(`, `{`), brackets included."""
    pairs = {"(": ")", "{": "}"}
    depth, quote = 0, None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = None if ch == quote and text[i - 1] != "\\" else quote
        elif ch in "\"'":
            quote = ch
        elif ch in pairs:
            depth += 1
        elif ch in pairs.values():
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    return text[start:]


def _top_level_items(text: str) -> list[str]:
    items, depth, current, quote = [], 0, "", None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote and text[i - 1] != "\\" else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
            continue
        current += ch
    items.append(current.strip())
    return [item for item in items if item]


def check_conventions(book_dir: Path, volumes=("vol1", "vol2")) -> list[str]:
    book_dir = Path(book_dir)
    problems = check_filters(book_dir)
    for volume in volumes:
        config = book_dir / volume / "_quarto.yml"
        if config.is_file():
            for page, kind in book_pages(book_dir / volume):
                problems += check_page(page, kind)
    return problems
