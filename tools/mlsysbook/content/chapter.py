"""One chapter: parse the `.qmd` (via pandoc's AST) and count what the content bar measures."""
from __future__ import annotations

import ast
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlsysbook.content.bar import BAR, COMPLETE, ChapterBar, bar_for
from mlsysbook.content.pandoc import PandocError, to_ast
from mlsysbook.content.quiz import QuizStats, check_quiz

CROSSREF_PREFIXES = ("fig-", "tbl-", "sec-", "eq-", "lst-", "thm-", "lem-", "cor-", "prp-", "def-", "exm-", "exr-")
DIFFICULTY = re.compile(r"^\[(Easy|Medium|Hard)\]$")
ENGINES = ("mlsysim", "tinytorch")
_OPTION = re.compile(r"^\s*(#\||//\||%%\|)\s*(?P<key>[\w-]+)\s*:\s*(?P<value>.*)$")
# CPython 3.11 can fail with "AST constructor recursion depth mismatch" when ast.parse runs in
# several threads at once (chapters are parsed in a thread pool), so parsing is serialized.
_AST_LOCK = threading.Lock()


def _parse(source: str) -> ast.AST:
    with _AST_LOCK:
        return ast.parse(source)


_WORD = re.compile(r"[A-Za-z0-9]")
_FRONT = re.compile(r"\A---\s*\n(?P<yaml>.*?)\n---\s*\n", re.S)


@dataclass
class Figure:
    label: str
    kind: str  # "computed" | "diagram"
    caption: str
    uses_engine: bool = False


@dataclass
class Cell:
    lang: str
    source: str
    options: dict[str, str]


@dataclass
class ChapterStats:
    slug: str
    path: Path
    volume: str = ""
    exists: bool = False
    title: str = ""
    status: str = ""
    front: dict = field(default_factory=dict)
    objectives: int = 0
    sections: list[str] = field(default_factory=list)
    words: int = 0
    figures: list[Figure] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    worked_examples: int = 0
    definitions: list[str] = field(default_factory=list)
    exercises: int = 0
    exercise_levels: set[str] = field(default_factory=set)
    untagged_exercises: int = 0
    has_quiz_div: bool = False
    has_summary: bool = False
    next_links: set[str] = field(default_factory=set)
    citations: set[str] = field(default_factory=set)
    footnotes: int = 0
    crossrefs: set[str] = field(default_factory=set)
    cells: list[Cell] = field(default_factory=list)
    inline_exprs: list[str] = field(default_factory=list)
    has_setup_cell: bool = False
    quiz: QuizStats | None = None
    errors: list[str] = field(default_factory=list)
    shortfalls: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.status == COMPLETE

    @property
    def computed_figures(self) -> int:
        return sum(1 for f in self.figures if f.kind == "computed" and f.uses_engine)

    @property
    def failures(self) -> list[str]:
        return self.errors + (self.shortfalls if self.complete else [])


def _attr(node_attr) -> tuple[str, list[str], dict[str, str]]:
    ident, classes, kvs = node_attr
    return ident, classes, dict(kvs)


def _stringify(inlines) -> str:
    parts = []
    for node in inlines or []:
        t, c = node.get("t"), node.get("c")
        if t == "Str":
            parts.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif t == "Code":
            parts.append(c[1])
        elif t in ("Emph", "Strong", "Underline", "SmallCaps", "Strikeout", "Superscript", "Subscript"):
            parts.append(_stringify(c))
        elif t in ("Link", "Span"):
            parts.append(_stringify(c[1]))
        elif t == "Quoted":
            parts.append(_stringify(c[1]))
        elif t == "Cite":
            parts.append(_stringify(c[1]))
    return "".join(parts)


def cell_options(source: str, comment: str) -> dict[str, str]:
    opts = {}
    for line in source.splitlines():
        m = _OPTION.match(line)
        if not m or m.group(1) != comment:
            if line.strip():
                break
            continue
        opts[m["key"]] = m["value"].strip().strip('"').strip("'")
    return opts


def engine_names(cells: list[Cell]) -> set[str]:
    """Names bound to mlsysim/tinytorch (modules, aliases, imported symbols, and functions that use them)."""
    names: set[str] = set(ENGINES)
    trees = []
    for cell in cells:
        if cell.lang != "python":
            continue
        try:
            trees.append(_parse(cell.source))
        except SyntaxError:
            continue
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in ENGINES:
                        names.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ENGINES:
                for alias in node.names:
                    names.add(alias.asname or alias.name)
    # A helper defined in the chapter that calls the engine counts as an engine call (one level deep
    # per pass; iterate until no new helper is found).
    changed = True
    while changed:
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.Assign)):
                    target = node.name if isinstance(node, ast.FunctionDef) else None
                    if target is None and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                        target = node.targets[0].id
                    if target and target not in names and _uses(node, names):
                        names.add(target)
                        changed = True
    return names


def _uses(node, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def imports_engine(source: str) -> bool:
    try:
        tree = _parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in ENGINES for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ENGINES:
            return True
    return False


def uses_engine(source: str, names: set[str]) -> bool:
    try:
        tree = _parse(source)
    except SyntaxError:
        return False
    return _uses(tree, names)


class _Walker:
    def __init__(self, stats: ChapterStats):
        self.s = stats
        self.section_id = ""

    # ----- blocks -------------------------------------------------------------------------------
    def blocks(self, blocks, count_words=True):
        for b in blocks:
            self.block(b, count_words)

    def block(self, b, count_words):
        t, c = b.get("t"), b.get("c")
        if t in ("Para", "Plain"):
            self.inlines(c, count_words)
        elif t == "Header":
            level, attr, inl = c
            ident = attr[0]
            self.inlines(inl, count_words=False)
            if level == 1 and not self.s.title:
                # Quarto takes a chapter's title from its first level-1 heading when the front matter has none.
                self.s.title = _stringify(inl).strip()
            if level <= 2:
                self.section_id = ident
            if level == 2:
                self.s.sections.append(ident or _stringify(inl))
            if ident == f"sec-{self.s.slug}-summary":
                self.s.has_summary = True
        elif t == "CodeBlock":
            self.code_block(c)
        elif t == "BulletList":
            for item in c:
                self.blocks(item, count_words)
        elif t == "OrderedList":
            if c[0][1].get("t") == "Example":
                # `@label.` or `(@label)` opening a block is pandoc's example-list syntax: it silently turns
                # every later `@label` into a number instead of a cross-reference or citation.
                first = _stringify(c[1][0][0]["c"])[:60] if c[1] and c[1][0] and c[1][0][0].get("c") else ""
                self.s.errors.append(f"a line starting with `@label.` or `(@label)` became an example list "
                                     f"(near \"{first}\"); reflow it so the reference is not first on its line")
            if self.section_id == f"sec-{self.s.slug}-exercises":
                self.exercises(c[1])
            for item in c[1]:
                self.blocks(item, count_words)
        elif t == "BlockQuote":
            self.blocks(c, count_words)
        elif t == "DefinitionList":
            for term, defs in c:
                self.inlines(term, count_words)
                for d in defs:
                    self.blocks(d, count_words)
        elif t == "Div":
            self.div(c, count_words)
        elif t == "Figure":
            attr, caption, body = c
            ident = attr[0]
            cap = " ".join(_stringify(p["c"]) for p in (caption[1] or []) if p.get("t") in ("Plain", "Para"))
            if ident.startswith("fig-"):
                self.s.figures.append(Figure(label=ident, kind="diagram", caption=cap.strip()))
                self._check_image(body, ident)
            self.blocks(body, count_words=False)
        elif t == "Table":
            attr, caption = c[0], c[1]
            cap = " ".join(_stringify(p["c"]) for p in (caption[1] or []) if p.get("t") in ("Plain", "Para"))
            if attr[0].startswith("tbl-"):
                self.s.tables.append(attr[0])
                if not cap.strip():
                    self.s.errors.append(f"table {attr[0]} has no caption; write `: Caption {{#{attr[0]}}}`")
            self._collect_refs_only(c)
        elif t == "LineBlock":
            for line in c:
                self.inlines(line, count_words)

    def _check_image(self, body, ident):
        for node in _iter_nodes(body):
            if node.get("t") == "Image":
                target = node["c"][2][0]
                if re.match(r"^[a-z]+://", target):
                    self.s.errors.append(f"figure {ident} points at a remote image; keep diagrams as source files")
                    continue
                if not target.lower().endswith((".svg", ".dot", ".mmd")):
                    self.s.errors.append(f"figure {ident}: `{target}` is not a source diagram; use SVG, "
                                         "a ```{dot} block or a ```{mermaid} block")
                if not (self.s.path.parent / target).is_file():
                    self.s.errors.append(f"figure {ident}: image `{target}` does not exist next to the chapter")

    def _collect_refs_only(self, node):
        """Tables are not prose, but their citations, cross-references and inline numbers still count."""
        for n in _iter_nodes(node):
            if n.get("t") == "Cite":
                self.cite(n["c"])
            elif n.get("t") == "Code" and n["c"][1].startswith("{python}"):
                self.s.inline_exprs.append(n["c"][1][len("{python}"):].strip())

    def div(self, c, count_words):
        attr, body = c
        ident, classes, kv = _attr(attr)
        title = kv.get("title", "")
        if "quiz" in classes:
            self.s.has_quiz_div = True
            return
        if ident == "refs":
            return
        if "callout-tip" in classes and title.strip().lower() == "learning objectives":
            items = next((b["c"] for b in body if b.get("t") == "BulletList"), [])
            self.s.objectives = len(items)
        if "definition" in classes:
            if not title.strip():
                self.s.errors.append("a `.definition` callout has no title; the title is the glossary term")
            elif not any(b.get("t") in ("Para", "Plain") for b in body):
                self.s.errors.append(f"definition `{title}` has no text")
            else:
                self.s.definitions.append(title.strip())
        if "napkin-math" in classes:
            if not title.lower().startswith("napkin math"):
                self.s.errors.append(f"napkin-math callout `{title}` should be titled `Napkin math: …`")
            self.s.worked_examples += 1
        self.blocks(body, count_words)

    def code_block(self, c):
        attr, text = c
        _, classes, _ = _attr(attr)
        if "cell" not in classes:
            return
        lang = next((k for k in classes if k != "cell"), "")
        comment = {"dot": "//|", "mermaid": "%%|"}.get(lang, "#|")
        opts = cell_options(text, comment)
        self.s.cells.append(Cell(lang=lang, source=text, options=opts))
        label = opts.get("label", "")
        if label.startswith("fig-"):
            kind = "computed" if lang == "python" else "diagram"
            self.s.figures.append(Figure(label=label, kind=kind, caption=opts.get("fig-cap", "")))
        elif label.startswith("tbl-"):
            self.s.tables.append(label)
            if not opts.get("tbl-cap"):
                self.s.errors.append(f"table cell {label} has no `#| tbl-cap:`")

    def exercises(self, items):
        for item in items:
            first = item[0] if item else None
            inl = first["c"] if first and first.get("t") in ("Plain", "Para") else []
            lead = inl[0] if inl else None
            tag = _stringify(lead["c"]) if lead and lead.get("t") == "Strong" else ""
            m = DIFFICULTY.match(tag.strip())
            self.s.exercises += 1
            if m:
                self.s.exercise_levels.add(m.group(1))
            else:
                self.s.untagged_exercises += 1

    # ----- inlines ------------------------------------------------------------------------------
    def inlines(self, inlines, count_words):
        for node in inlines or []:
            t, c = node.get("t"), node.get("c")
            if t == "Str":
                if count_words and _WORD.search(c):
                    self.s.words += 1
            elif t == "Code":
                text = c[1]
                if text.startswith("{python}"):
                    self.s.inline_exprs.append(text[len("{python}"):].strip())
                    if count_words:
                        self.s.words += 1
            elif t in ("Emph", "Strong", "Underline", "SmallCaps", "Strikeout", "Superscript", "Subscript"):
                self.inlines(c, count_words)
            elif t in ("Span",):
                self.inlines(c[1], count_words)
            elif t == "Quoted":
                self.inlines(c[1], count_words)
            elif t == "Link":
                target = c[2][0]
                if self.section_id == f"sec-{self.s.slug}-next":
                    self.s.next_links.add(target)
                self.inlines(c[1], count_words)
            elif t == "Cite":
                self.cite(c)
            elif t == "Note":
                self.s.footnotes += 1
                self.blocks(c, count_words)
            elif t == "Image":
                self.inlines(c[1], count_words=False)

    def cite(self, c):
        citations = c[0]
        for cit in citations:
            key = cit["citationId"]
            if key.startswith(CROSSREF_PREFIXES):
                self.s.crossrefs.add(key)
            else:
                self.s.citations.add(key)


def _iter_nodes(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _iter_nodes(v)
    elif isinstance(node, list):
        for v in node:
            yield from _iter_nodes(v)


def read_front_matter(text: str) -> dict:
    m = _FRONT.match(text)
    if not m:
        return {}
    data = yaml.safe_load(m["yaml"]) or {}
    return data if isinstance(data, dict) else {}


def parse_chapter(path: Path, slug: str | None = None, volume: str = "") -> ChapterStats:
    path = Path(path)
    slug = slug or path.stem
    stats = ChapterStats(slug=slug, path=path, volume=volume, exists=path.is_file())
    stats.quiz = check_quiz(path.with_name(f"{slug}_quiz.yml"))
    if not stats.exists:
        stats.errors.append(f"{path}: chapter listed in the table of contents does not exist; "
                            "create it with a title, learning objectives and a section outline")
        return stats
    text = path.read_text(encoding="utf-8")
    try:
        stats.front = read_front_matter(text)
    except yaml.YAMLError as exc:
        stats.errors.append(f"front matter is not valid YAML: {exc}")
    stats.title = str(stats.front.get("title", "") or "")
    stats.status = str(stats.front.get("content-status", "") or "").strip().lower()
    try:
        doc = to_ast(text, source=str(path))
    except PandocError as exc:
        stats.errors.append(str(exc))
        return stats
    _Walker(stats).blocks(doc["blocks"])
    _finish(stats, bar_for(volume, stats.front.get("edition")))
    return stats


def check_citation_count(s: ChapterStats, bar: ChapterBar = BAR) -> None:
    s.shortfalls[:] = [m for m in s.shortfalls if not m.startswith("citations:")]
    if len(s.citations) < bar.citations_min:
        s.shortfalls.append(f"citations: {len(s.citations)} distinct (need {bar.citations_min})")


def _finish(s: ChapterStats, bar: ChapterBar = BAR) -> None:
    names = engine_names(s.cells)
    for fig in s.figures:
        if fig.kind == "computed":
            cell = next(c for c in s.cells if c.options.get("label") == fig.label)
            fig.uses_engine = uses_engine(cell.source, names)
    python_cells = [c for c in s.cells if c.lang == "python"]
    if python_cells:
        first = python_cells[0]
        s.has_setup_cell = first.options.get("echo", "").lower() == "false" and imports_engine(first.source)

    # Structural errors apply to every chapter, finished or not.
    if not s.title:
        s.errors.append(f"chapter has no title: start it with a `# Title {{#sec-{s.slug}}}` heading")
    if s.objectives == 0:
        s.errors.append('no learning objectives: add a `::: {.callout-tip title="Learning objectives"}` '
                        "holding a bullet list")
    if len(s.sections) < bar.outline_sections_min:
        s.errors.append(f"section outline has {len(s.sections)} `##` sections; "
                        f"sketch at least {bar.outline_sections_min}")
    labels = [f.label for f in s.figures] + s.tables
    for label in sorted({lab for lab in labels if labels.count(lab) > 1}):
        s.errors.append(f"label {label} is used more than once")
    for fig in s.figures:
        if not fig.caption.strip():
            s.errors.append(f"figure {fig.label} has no caption")
    if s.quiz is not None:
        s.errors.extend(s.quiz.errors)
    if s.untagged_exercises and s.exercises:
        s.errors.append(f"{s.untagged_exercises} exercise(s) do not start with **[Easy]**, **[Medium]** or **[Hard]**")

    # The bar, enforced only on chapters that declare `content-status: complete`.
    short = s.shortfalls
    if not bar.objectives_min <= s.objectives <= bar.objectives_max:
        short.append(f"learning objectives: {s.objectives} (need {bar.objectives_min}-{bar.objectives_max})")
    if s.words < bar.words_min:
        short.append(f"teaching prose: {s.words} words (need {bar.words_min})")
    if len(s.figures) < bar.figures_min:
        short.append(f"figures: {len(s.figures)} (need {bar.figures_min})")
    if s.computed_figures < bar.computed_figures_min:
        short.append(f"figures computed by an mlsysim/tinytorch cell: {s.computed_figures} "
                     f"(need {bar.computed_figures_min})")
    for fig in s.figures:
        if fig.label not in s.crossrefs:
            short.append(f"figure {fig.label} is never referenced as @{fig.label}")
    if len(s.tables) < bar.tables_min:
        short.append(f"tables: {len(s.tables)} (need {bar.tables_min})")
    for tbl in s.tables:
        if tbl not in s.crossrefs:
            short.append(f"table {tbl} is never referenced as @{tbl}")
    if s.worked_examples < bar.worked_examples_min:
        short.append(f"napkin-math examples: {s.worked_examples} (need {bar.worked_examples_min})")
    if len(s.definitions) < bar.definitions_min:
        short.append(f"definitions: {len(s.definitions)} (need {bar.definitions_min})")
    q = s.quiz
    if q is None or not q.exists:
        short.append(f"quiz file {s.slug}_quiz.yml is missing")
    else:
        if q.total < bar.quiz_questions_min:
            short.append(f"quiz questions: {q.total} (need {bar.quiz_questions_min})")
        for kind, need in (("mcq", bar.quiz_mcq_min), ("short", bar.quiz_short_min), ("calc", bar.quiz_calc_min)):
            if q.counts[kind] < need:
                short.append(f"quiz {kind} questions: {q.counts[kind]} (need {need})")
    if not s.has_quiz_div:
        short.append("no `::: {.quiz}` div where the self-check goes")
    if s.exercises < bar.exercises_min:
        short.append(f"exercises: {s.exercises} (need {bar.exercises_min} in `## Exercises {{#sec-{s.slug}-exercises}}`)")
    if len(s.exercise_levels) < bar.exercise_levels_min:
        short.append(f"exercise difficulty levels: {sorted(s.exercise_levels)} (need {bar.exercise_levels_min} kinds)")
    if not s.has_summary:
        short.append(f"no `## Summary {{#sec-{s.slug}-summary}}` section")
    for part in ("labs", "tinytorch", "kits"):
        if not any(f"../../{part}/" in link for link in s.next_links):
            short.append(f"`## Where to go next {{#sec-{s.slug}-next}}` has no link into ../../{part}/")
    check_citation_count(s, bar)
    if not s.has_setup_cell:
        short.append("no hidden setup cell (`#| echo: false`) importing mlsysim as the first Python cell")
    if s.footnotes < bar.footnotes_min:
        short.append(f"footnotes: {s.footnotes} (need {bar.footnotes_min}; put asides in footnotes)")
    if len(s.inline_exprs) < bar.inline_numbers_min:
        short.append("no inline `{python}` numbers; quote hardware/model numbers from mlsysim")
