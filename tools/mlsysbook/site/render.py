"""The embedded renderer: turns the book and the site sections into `_site/`, atomically.

Per page: front matter -> cells executed in one Jupyter kernel per page (cached by content hash) ->
pandoc markdown reader + the book's Lua filters -> numbering / cross-references / callouts on the
JSON AST -> pandoc HTML writer with citeproc -> the site shell. The whole site is written to a
temporary folder next to `_site/`, link-checked, and only then swapped in.
"""
from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import re
import shutil
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rich.console import Console

from . import cells as cellmod
from . import frontmatter, pandoc, project, transform
from .errors import BuildFailed, SourceError, line_of
from .project import Page, Part, Site, relative_url
from .quarto import quarto_binary, render_volume
from .quarto import search_docs as quarto_search_docs
from .quarto import unresolved as quarto_unresolved
from .template import Shell, page_label, render_shell

RENDERER_VERSION = "2"  # bump to invalidate every cache entry when the pipeline's output changes
ASSETS = Path(__file__).parent / "assets"
SOURCE_SUFFIXES = {".qmd", ".md", ".ipynb"}


@dataclass
class BuildOptions:
    root: Path
    out: Path | None = None
    cache: Path | None = None
    build_dir: Path | None = None
    only: set[str] | None = None  # part keys to render; the others are kept from the previous _site
    jobs: int = 2
    cell_timeout: int = 600
    check_links: bool = True
    renderer: str = "auto"  # auto: quarto for the volumes when it is on PATH; embedded; quarto
    console: Console | None = None

    def __post_init__(self):
        self.root = Path(self.root).resolve()
        self.out = Path(self.out or self.root / "_site").resolve()
        self.cache = Path(self.cache or self.root / ".cache" / "mlsysbook").resolve()
        self.build_dir = Path(self.build_dir or self.root / "build").resolve()
        self.console = self.console or Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class BuildStats:
    pages: int = 0
    executed: list[str] = field(default_factory=list)  # pages whose cells ran in a kernel
    exec_cached: list[str] = field(default_factory=list)
    parsed: list[str] = field(default_factory=list)  # pages pandoc had to read again
    written: list[str] = field(default_factory=list)  # pages pandoc had to write again
    seconds: float = 0.0


@dataclass
class Staged:
    page: Page
    doc: dict
    info: transform.PageInfo
    source_text: str
    files: dict[str, bytes]


CARD_BLURB_CHARS = 110


def _one_line(sentence: str) -> str:
    """A landing-card description of about one line: a long sentence is cut at its first colon,
    semicolon or dash when what comes before stands alone, else at a word boundary."""
    if len(sentence) <= CARD_BLURB_CHARS:
        return sentence
    head = re.split(r"\s*(?::|;|\u2014|\s-\s)\s*", sentence, maxsplit=1)[0]
    if 40 <= len(head) <= CARD_BLURB_CHARS:
        return head.rstrip(",") + "."
    return sentence[:CARD_BLURB_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def _hash(*parts) -> str:
    digest = hashlib.sha256(RENDERER_VERSION.encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
    return digest.hexdigest()


def _tree_fingerprint(folder: Path) -> str:
    """Content hash of the Python sources a page's cells may import (the local mlsysim engine)."""
    if not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yml", ".yaml", ".json", ".csv") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class Cache:
    def __init__(self, root: Path):
        self.root = root

    def get_json(self, kind: str, key: str):
        path = self.root / kind / f"{key}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put_json(self, kind: str, key: str, value) -> None:
        path = self.root / kind / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value), encoding="utf-8")
        os.replace(tmp, path)

    def get_text(self, kind: str, key: str) -> str | None:
        path = self.root / kind / f"{key}.html"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def put_text(self, kind: str, key: str, value: str) -> None:
        path = self.root / kind / f"{key}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(value, encoding="utf-8")
        os.replace(tmp, path)


class Builder:
    def __init__(self, options: BuildOptions):
        self.o = options
        self.console = options.console
        self.cache = Cache(options.cache)
        self.stats = BuildStats()
        self.staged: dict[str, Staged] = {}
        self.quarto_pages: set[str] = set()  # site paths of the book pages Quarto rendered
        self.site: Site = project.load_site(options.root, options.build_dir, options.only)
        unknown = sorted((options.only or set()) - {p.key for p in self.site.parts})
        if unknown:
            known = ", ".join(p.key for p in self.site.parts)
            raise BuildFailed([SourceError(options.root, 0, f"--only {','.join(unknown)}: no such part; "
                                                            f"the site has {known}")])
        common = self.site.common
        book = options.root / "book"
        anchor = book / "vol"  # paths in _common.yml are written relative to a volume folder
        try:
            self.filters = project.filter_paths(common.get("filters"), anchor, book / "_common.yml")
        except SourceError as exc:
            raise BuildFailed([exc]) from None
        bib = common.get("bibliography")
        self.bibliography = project.resolve_config_path(anchor, bib) if bib else None
        if self.bibliography is not None and not self.bibliography.is_file():
            self.bibliography = None
        csl = common.get("csl")
        self.csl = project.resolve_config_path(anchor, csl) if csl else None
        self.bib_keys = self._bib_keys()
        self.execute_defaults = {"echo": False, "warning": False, "error": False, **(common.get("execute") or {})}
        self.number_sections = bool(common.get("number-sections", True))
        # Filters load helper modules from their own folders (dofile), so every Lua file there counts.
        filter_sources = sorted({lua for f in self.filters for lua in f.parent.glob("*.lua")} | set(self.filters))
        self.filters_hash = _hash(*(p.read_bytes() for p in filter_sources))
        self.deps_hash = _tree_fingerprint(options.root / "mlsysim" / "src")
        self.quarto = quarto_binary() if options.renderer in ("auto", "quarto") else None
        if options.renderer == "quarto" and self.quarto is None:
            raise BuildFailed([SourceError(options.root / "book", 0, "--renderer quarto but `quarto` is not on PATH; "
                                                                      "install Quarto or use --renderer embedded")])
        self.bib_hash = _hash(self.bibliography.read_bytes() if self.bibliography else b"", self.csl or "")

    def _bib_keys(self) -> set[str] | None:
        if self.bibliography is None:
            return None
        text = self.bibliography.read_text(encoding="utf-8")
        return {m.group(1) for m in re.finditer(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", text, re.M)}

    # ---------------------------------------------------------------- stage 1: per page
    def _rendered_parts(self) -> list[Part]:
        return [p for p in self.site.parts if self.o.only is None or p.key in self.o.only]

    def stage(self, page: Page) -> Staged:
        doc = frontmatter.load(page.source)
        source_text = page.source.read_text(encoding="utf-8")
        if page.kind in ("volume-index", "chapter", "appendix") and doc.meta.get("title") \
                and project.first_heading(page.source):
            raise SourceError(page.source, line_of(source_text, "title:"),
                              "a book page has both a front-matter `title:` and a `# Title` heading; Quarto shows "
                              "two headings and numbers the page wrongly. Delete the `title:` line (the heading "
                              "is the title)")
        found = cellmod.scan(doc.body, doc.body_line, page.source)
        files: dict[str, bytes] = {}
        replacements = self._run_cells(page, found, files)
        body = doc.body
        for cell, replacement in sorted(zip(found, replacements), key=lambda pair: -pair[0].start):
            body = body[:cell.start] + replacement + body[cell.end:]
        meta_yaml = yaml.safe_dump(doc.meta, allow_unicode=True, sort_keys=True) if doc.meta else ""
        markdown = (f"---\n{meta_yaml}---\n\n" if meta_yaml else "") + body
        dependents = ""
        quiz = page.source.with_name(page.source.stem + "_quiz.yml")
        if quiz.is_file():
            dependents += quiz.read_text(encoding="utf-8")
            self._check_quiz(quiz)
        if ".glossary" in source_text and page.part:
            # glossary.lua reads every chapter's definition callouts and first heading: only those
            # parts of the chapters decide this page, so editing other prose does not re-render it
            part = self.site.part(page.part)
            dependents += "".join(_glossary_inputs(p.source.read_text(encoding="utf-8"))
                                  for p in part.pages if p.kind == "chapter")
        if ".volume-toc" in source_text and page.part:
            # volume_toc.lua lists the volume from its _quarto.yml and each listed page's first heading
            part = self.site.part(page.part)
            dependents += (part.root / "_quarto.yml").read_text(encoding="utf-8")
            dependents += "".join(_first_heading(p.source.read_text(encoding="utf-8")) for p in part.pages)
        # paths relative to the root keep cache entries valid when the checkout moves
        relative_source = page.source.relative_to(self.o.root).as_posix()
        key = _hash("ast", markdown, self.filters_hash, relative_source, dependents)
        ast = self.cache.get_json("ast", key)
        if ast is None:
            ast = pandoc.markdown_to_ast(markdown, page.source, self.filters, {"source-file": relative_source},
                                         cwd=self.o.root)
            self.cache.put_json("ast", key, ast)
            self.stats.parsed.append(page.out)
        info, errors = transform.number_page(ast, page, source_text, self.number_sections)
        if errors:
            raise BuildFailed(errors)
        page.title = info.title
        return Staged(page, ast, info, source_text, files)

    def _check_quiz(self, quiz: Path) -> None:
        from mlsysbook.content.quiz import check_quiz

        stats = check_quiz(quiz)
        if stats.errors:
            raise BuildFailed([SourceError(quiz, 0, e) for e in stats.errors])

    def _run_cells(self, page: Page, found: list[cellmod.Cell], files: dict[str, bytes]) -> list[str]:
        python = [c for c in found if c.kind in ("python", "inline")]
        for cell in found:
            if cell.kind in cellmod.DIAGRAMS and "file" in cell.options:
                diagram = page.source.parent / str(cell.options["file"])
                if not diagram.is_file():
                    raise SourceError(page.source, cell.line, f"diagram file {diagram} does not exist")
                cell.code = diagram.read_text(encoding="utf-8")
        outputs: list[list[dict]] = []
        if python:
            key = _hash("exec", page.source.relative_to(self.o.root), self.deps_hash, cellmod.SETUP,
                        json.dumps([[c.kind, c.code, c.options] for c in python], sort_keys=True, default=str))
            cached = self.cache.get_json("exec", key)
            if cached is not None:
                outputs = cached
                self.stats.exec_cached.append(page.out)
            else:
                started = time.perf_counter()
                try:
                    outputs = cellmod.execute(python, page.source.parent, self.o.cell_timeout, self.execute_defaults)
                except Exception as exc:  # a dead kernel or timeout is reported against the page
                    if isinstance(exc, SourceError):
                        raise
                    raise SourceError(page.source, 0, f"executing the page's cells failed: {exc}") from None
                failed = any(o.get("output_type") == "error" for cell_outputs in outputs for o in cell_outputs)
                if not failed:
                    self.cache.put_json("exec", key, outputs)
                self.stats.executed.append(page.out)
                self.console.print(f"  [dim]executed {len(python)} cell(s) of {page.out} "
                                   f"in {time.perf_counter() - started:.1f} s[/dim]")
        replacements = []
        python_index = 0
        for i, cell in enumerate(found):
            if cell.kind == "inline":
                result = outputs[python_index] if python_index < len(outputs) else None
                python_index += 1
                if result is None:
                    raise SourceError(page.source, cell.line, f"inline `{cell.code}` did not run because an earlier cell failed")
                replacements.append(cellmod.inline_to_markdown(cell, result, page.source))
            elif cell.kind == "python":
                result = outputs[python_index] if python_index < len(outputs) else None
                python_index += 1
                if result is None:
                    raise SourceError(page.source, cell.line, "cell did not run because an earlier cell failed")
                replacements.append(cellmod.outputs_to_markdown(cell, i, result, self.execute_defaults, files, page.source))
            elif cell.kind == "dot":
                replacements.append(cellmod.render_dot(cell, page.source, self.o.cache, files, i))
            else:
                replacements.append(cellmod.render_mermaid(cell))
        return replacements

    # ---------------------------------------------------------------- stage 2: per page, needs the part
    def _fill_generated_divs(self, staged: Staged) -> None:
        """The landing page's cards (volume tables of contents are filled by book/_filters/volume_toc.lua)."""
        page = staged.page
        if "part-cards" not in staged.source_text:
            return  # walking a large chapter's AST for divs it cannot contain costs real time

        def fill(block):
            if block["t"] == "Div" and "part-cards" in block["c"][0][1]:
                return transform.el("RawBlock", ["html", self._cards_html(page)])
            return None

        staged.doc["blocks"] = transform.walk(staged.doc["blocks"], fill)

    def _part_blurb(self, part: Part) -> str:
        """A section without a `subtitle:` is described by the first sentence of its index page."""
        if part.subtitle:
            return part.subtitle
        staged = self.staged.get(part.index.out)
        if staged is not None:
            chunks = staged.info.chunks
        elif part.index.source.is_file():
            # a partial build (`--only vol1,vol2`) re-renders the landing page without staging the other
            # sections; their cards are still described, from the index source read as plain markdown
            doc = pandoc.markdown_to_ast(part.index.source.read_text(encoding="utf-8"), part.index.source, [], {})
            chunks = transform.search_chunks(doc["blocks"], part.title)
        else:
            return ""
        text = next((t for _, _, t in chunks if t), "")
        return _one_line(re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0])

    def _cards_html(self, page: Page) -> str:
        cards = []
        for part in self.site.nav_parts:
            subtitle = self._part_blurb(part)
            cards.append(f'<a class="card" href="{relative_url(page.out, part.index.out)}">'
                         f'<span class="card-title">{html.escape(part.title)}</span>'
                         f'<span class="card-subtitle">{html.escape(subtitle)}</span></a>')
        return '<div class="cards">' + "".join(cards) + "</div>"

    def write_page(self, staged: Staged, index: dict[str, transform.Target], volume_keys: list[str],
                   out_root: Path, neighbours: tuple) -> list[SourceError]:
        page = staged.page
        self._fill_generated_divs(staged)
        doc = staged.doc
        cited, errors = transform.resolve(doc, page, staged.source_text, index, self.bib_keys, self.bibliography)
        staged.info.citations = cited
        if errors:
            return errors
        doc["blocks"] = transform.auto_table_widths(doc["blocks"])
        if page.kind == "volume-index":
            # As Quarto does on a book's index page: the book's title and subtitle head the page, above
            # the page's own `# Title`.
            part = self.site.part(page.part)
            subtitle = f'<p class="subtitle">{html.escape(part.subtitle)}</p>' if part.subtitle else ""
            doc["blocks"].insert(0, transform.el("RawBlock", ["html", f'<header class="title-block"><h1 class="title">'
                                                                      f'{html.escape(part.title)}</h1>{subtitle}</header>']))
        wants_refs = any(b["t"] == "Div" and b["c"][0][0] == "refs" for b in doc["blocks"])
        if wants_refs and page.kind == "appendix" and not volume_keys:
            # An empty list under "The works cited in this volume" reads as a broken page; say why.
            note = "No chapter of this volume cites a source yet; each chapter lists its own references at its end."
            doc["blocks"] = [transform.el("Para", transform.text_inlines(note)) if b["t"] == "Div" and b["c"][0][0] == "refs" else b
                             for b in doc["blocks"]]
        elif wants_refs and page.kind == "appendix":
            nocite = [{"citationId": k, "citationPrefix": [], "citationSuffix": [], "citationMode": {"t": "NormalCitation"},
                       "citationNoteNum": 0, "citationHash": 0} for k in volume_keys]
            doc.setdefault("meta", {})["nocite"] = {"t": "MetaInlines", "c": [transform.el("Cite", [nocite, []])]} if nocite else {"t": "MetaInlines", "c": []}
        elif cited and not wants_refs:
            doc["blocks"].append(transform.el("Header", [2, ["references", ["unnumbered"], []], [transform.el("Str", "References")]]))
            doc["blocks"].append(transform.el("Div", [["refs", [], []], []]))
            staged.info.toc.append((2, "references", "", "References"))
        errors += self._copy_images(staged, out_root)
        if errors:
            return errors
        use_bib = self.bibliography if (cited or wants_refs) else None
        key = _hash("html", json.dumps(doc, separators=(",", ":")), self.bib_hash if use_bib else "")
        body = self.cache.get_text("html", key)
        if body is None:
            body = pandoc.ast_to_html(doc, page.source, use_bib, self.csl)
            self.cache.put_text("html", key, body)
            self.stats.written.append(page.out)
        part = None if page.kind == "landing" else self.site.part(page.part)
        shell = Shell(page=page, title=staged.info.title, body=body, toc=transform.toc_html(staged.info.toc),
                      part=part, prev=neighbours[0], next=neighbours[1], has_mermaid=staged.info.has_mermaid)
        target = out_root / page.out
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_shell(self.site, shell), encoding="utf-8")
        for name, payload in staged.files.items():
            path = target.parent / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(payload)
        return []

    def _copy_images(self, staged: Staged, out_root: Path) -> list[SourceError]:
        errors: list[SourceError] = []
        page = staged.page
        page_dir = (out_root / page.out).parent
        if "![" not in staged.source_text:
            return errors  # only markdown images refer to files; generated figures are written separately

        def visit(block):
            if block["t"] != "Image":
                return None
            src = block["c"][2][0]
            if re.match(r"^([a-z][a-z0-9+.-]*:|/|#)", src, re.I) or src in staged.files:
                return None
            source = (page.source.parent / src).resolve()
            target = (page_dir / src).resolve()
            if not source.is_file():
                errors.append(SourceError(page.source, line_of(staged.source_text, src),
                                          f"image {src} not found (looked for {source})"))
            elif not str(target).startswith(str(out_root.resolve())):
                errors.append(SourceError(page.source, line_of(staged.source_text, src),
                                          f"image {src} lies outside the site; move it next to the page"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
            return None

        transform.walk(staged.doc["blocks"], visit)
        return errors

    # ---------------------------------------------------------------- the whole site
    def build(self) -> BuildStats:
        started = time.perf_counter()
        parts = self._rendered_parts()
        pages = [self.site.landing] + [p for part in parts for p in part.pages
                                       if not (self.quarto and part.kind == "volume")]
        self.stats.pages = len(pages)
        errors: list[SourceError] = []
        staged: dict[str, Staged] = {}
        self.staged = staged  # the landing page's cards describe sections by their staged index pages
        for part in parts:
            if part.kind == "volume":
                for stray in project.untracked_chapters(part):
                    self.console.print(f"[yellow]warning[/yellow]: {stray} is not in {part.root / '_quarto.yml'} "
                                       "and is not built (`mlsysbook check` fails on it)")
        self.console.print(f"[bold]mlsysbook build[/bold]: {len(pages)} pages in "
                           f"{', '.join(p.key for p in parts) or 'landing only'} ({self.o.jobs} jobs)")

        def stage_one(page: Page):
            try:
                return page, self.stage(page), []
            except SourceError as exc:
                return page, None, [exc]
            except BuildFailed as exc:
                return page, None, exc.errors

        with ThreadPoolExecutor(max_workers=max(1, self.o.jobs)) as pool:
            for n, (page, result, errs) in enumerate(pool.map(stage_one, pages), 1):
                status = "[red]failed[/red]" if errs else ("executed" if page.out in self.stats.executed else
                                                           "cached" if page.out in self.stats.exec_cached else "no cells")
                self.console.print(f"[{n:>3}/{len(pages)}] {page.out:<58} cells: {status}")
                errors += errs
                if result is not None:
                    staged[page.out] = result
        if errors:
            raise BuildFailed(errors)

        for part in self.site.parts:
            for page in part.pages:
                if not page.title and not (self.quarto and part.kind == "volume"):
                    page.title = frontmatter.load(page.source).meta.get("title") or page.source.stem.replace("_", " ")

        self.site.nav_parts = [p for p in self.site.parts if p in parts or (self.o.out / p.key).is_dir()]
        tmp = self.o.out.parent / f".{self.o.out.name}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        try:
            self._write_all(parts, staged, tmp, errors)
            if errors:
                raise BuildFailed(errors)
            if self.o.check_links:
                from .check import check_links
                rendered = {p.out for p in pages} | self.quarto_pages
                problems = check_links(tmp, rendered=rendered, cache_dir=self.o.cache / "linkscan")
                if problems:
                    found = [self._link_error(page_out, url, message) for page_out, url, message in problems]
                    raise BuildFailed(list({str(e): e for e in found}.values()))
            self._swap(tmp)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        self.stats.seconds = time.perf_counter() - started
        self.console.print(f"[green]built[/green] {self.o.out} in {self.stats.seconds:.1f} s: "
                           f"{len(self.stats.executed)} page(s) executed, {len(self.stats.exec_cached)} from cache, "
                           f"{len(self.stats.written)} re-rendered")
        return self.stats

    def _link_error(self, page_out: str, url: str, message: str) -> SourceError:
        """Point a broken link in a built page back at the source line that wrote it, when there is one."""
        detail = message.split(": ", 1)[1] if message.startswith("line ") else message
        for page in self.site.all_pages():
            if page.out != page_out:
                continue
            text = page.source.read_text(encoding="utf-8")
            source_url = url[:-5] + ".qmd" if url.endswith(".html") and url[:-5] + ".qmd" in text else url
            line = line_of(text, source_url)
            if line:
                return SourceError(page.source, line, detail)
            for fragment, key in (("/labs/", "lab"), ("/tinytorch/", "tinytorch"), ("/kits/", "kit")):
                key_line = line_of(text.split("\n---", 1)[0], f"\n{key}:") + 1 if text.startswith("---") else 0
                if fragment in "/" + url and key_line > 1:
                    return SourceError(page.source, key_line,
                                       f"{detail} (the `{key}:` front matter, linked by book/_filters/lablinks.lua)")
            return SourceError(page.source, 0, f"{detail} (in the generated page {page_out})")
        return SourceError(Path(page_out), 0, message)

    def _write_all(self, parts: list[Part], staged: dict[str, Staged], tmp: Path, errors: list) -> None:
        search_docs: list[dict] = []
        rendered_keys = {p.key for p in parts}
        if self.o.only is not None and self.o.out.is_dir():
            for part in self.site.parts:
                if part.key not in rendered_keys and (self.o.out / part.key).is_dir():
                    shutil.copytree(self.o.out / part.key, tmp / part.key, copy_function=_link_or_copy)
            previous = self.o.out / "search.json"
            if previous.is_file():
                search_docs += [d for d in json.loads(previous.read_text()) if d.get("partkey") not in rendered_keys | {""}]

        landing = staged[self.site.landing.out]
        errors += self.write_page(landing, {**landing.info.targets}, [], tmp, (None, None))
        search_docs += self._search_docs(landing, "Home")
        for part in parts:
            if self.quarto and part.kind == "volume":
                self.console.print(f"quarto render {part.root} (quarto found at {self.quarto})")
                render_volume(self.quarto, part.root, tmp / part.key, self.deps_hash)
                # held to what the embedded path enforces: every reference and citation resolves
                unresolved = quarto_unresolved(part, tmp)
                if unresolved:
                    raise BuildFailed(unresolved)
                self.quarto_pages |= {p.out for p in part.pages}
                search_docs += quarto_search_docs(tmp / part.key, part.key, part.title)
                continue
            self._publish_downloads(part, tmp)
            part_pages = [staged[p.out] for p in part.pages]
            index: dict[str, transform.Target] = {}
            for s in part_pages:
                for label, target in s.info.targets.items():
                    if label in index and index[label].page != target.page:
                        errors.append(SourceError(s.page.source, line_of(s.source_text, "#" + label),
                                                  f"label `{label}` is also defined in {index[label].page}; labels must be unique per volume"))
                    index[label] = target
            if errors:
                continue
            # citations are resolved in chapter order first, so the references appendix sees them all
            ordered = sorted(part_pages, key=lambda s: s.page.kind == "appendix")
            volume_keys: list[str] = []
            for s in ordered:
                i = part.pages.index(s.page)
                prev = part.pages[i - 1] if i > 0 else None
                nxt = part.pages[i + 1] if i + 1 < len(part.pages) else None
                neighbours = ((prev.out, page_label(prev)) if prev else None, (nxt.out, page_label(nxt)) if nxt else None)
                errors += self.write_page(s, index, list(dict.fromkeys(volume_keys)), tmp, neighbours)
                volume_keys += s.info.citations
                search_docs += self._search_docs(s, part.title)
            for folder in part.verbatim_dirs:
                _copy_verbatim(folder, tmp / part.key)
            # A lab rendered as a page of the section is already indexed by its own chunks.
            indexed = {d["url"] for d in search_docs}
            search_docs += [d for d in self._exported_lab_docs(part, tmp) if d["url"] not in indexed]
        assets = tmp / "assets"
        shutil.copytree(ASSETS, assets, copy_function=_link_or_copy)
        for name in ("quiz.js", "quiz.css"):
            shutil.copy2(self.o.root / "book" / "_filters" / name, assets / name)
        (assets / "highlight.css").write_text(pandoc.highlight_css(), encoding="utf-8")
        (tmp / "search.json").write_text(json.dumps(search_docs, ensure_ascii=False), encoding="utf-8")
        # the learning companion (issue #19): paragraph anchors, passages, terms and questions of each volume
        from mlsysbook.companion.build import publish as publish_companion
        publish_companion(parts, tmp, self.o.cache, {p.key for p in parts if self.quarto and p.kind == "volume"}, self.site)
        (tmp / ".nojekyll").write_text("")

    def _publish_downloads(self, part: Part, tmp: Path) -> None:
        """The volume's PDF and EPUB, when `mlsysbook export` (make pdf / make epub) has written them, go
        into the volume's folder, and every page of the volume links to them; without them there is no link."""
        from .export import FORMATS, download_dir, download_name
        part.downloads = {}
        for fmt in FORMATS:
            built = download_dir(self.o.build_dir) / download_name(part.key, fmt)
            if built.is_file():
                target = tmp / part.key / built.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(built, target)
                part.downloads[fmt] = f"{part.key}/{built.name}"

    def _search_docs(self, staged: Staged, part_title: str) -> list[dict]:
        docs = []
        headings = Counter(heading for _, heading, _ in staged.info.chunks)
        for n, (anchor, heading, text) in enumerate(staged.info.chunks):
            if not text.strip() and headings[heading] > 1:
                continue  # the bare page-title chunk would list the page twice for one query
            url = staged.page.out + (f"#{anchor}" if anchor else "")
            docs.append({"id": f"{staged.page.out}#{n}", "title": staged.info.title, "heading": heading,
                         "text": text[:5000], "url": url, "part": part_title, "partkey": staged.page.part})
        return docs

    def _exported_lab_docs(self, part: Part, tmp: Path) -> list[dict]:
        """Exported marimo labs are copied verbatim, so search knows them by their entry in the labs map
        (labs/labs.yml: title, goal, chapter); a learner searching a lab's topic lands on the lab itself."""
        labs_map = self.o.root / "labs" / "labs.yml"
        if part.key != "labs" or not labs_map.is_file():
            return []
        docs = []
        for lab_id, entry in (yaml.safe_load(labs_map.read_text()) or {}).get("labs", {}).items():
            url = f"labs/{lab_id}.html"
            if not (tmp / url).is_file():
                continue
            title = str(entry.get("title", lab_id))
            text = " ".join(str(entry.get(k, "")) for k in ("goal", "chapter_title"))
            docs.append({"id": url, "title": title, "heading": title, "text": text, "url": url,
                         "part": part.title, "partkey": part.key})
        return docs

    def _swap(self, tmp: Path) -> None:
        """Replace the site by the finished build with two renames; a concurrent build that swapped in
        between just means one more rename (the last finished build wins)."""
        out = self.o.out
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        for _attempt in range(5):
            if out.exists():
                if old.exists():
                    shutil.rmtree(old, ignore_errors=True)
                os.replace(out, old)
            try:
                os.replace(tmp, out)
                break
            except OSError:
                continue
        else:
            raise BuildFailed([SourceError(out, 0, "could not move the new site into place; is another build "
                                                   "writing the same folder?")])
        shutil.rmtree(old, ignore_errors=True)


_DEFINITION_OPEN = re.compile(r"^(:{3,})\s*\{[^}]*\.definition[^}]*\}", re.M)


def _glossary_inputs(text: str) -> str:
    """The text of a chapter the glossary depends on: its title heading and its definition callouts."""
    pieces = [m.group(0) for m in re.finditer(r"^# .*$", text, re.M)][:1]
    pieces += [m.group(0) for m in re.finditer(r"^title:.*$", text, re.M)][:1]
    for m in _DEFINITION_OPEN.finditer(text):
        fence = m.group(1)
        end = re.compile(rf"^{fence}\s*$", re.M).search(text, m.end())
        pieces.append(text[m.start():end.end() if end else len(text)])
    return "\n".join(pieces)


def _first_heading(text: str) -> str:
    found = re.search(r"^# .*$", text, re.M)
    return found.group(0) if found else ""


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _copy_verbatim(folder: Path, target: Path) -> None:
    """Copy a section's non-source files (images, downloads, generated HTML) into the site."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix in SOURCE_SUFFIXES or path.name == "_section.yml":
            continue
        if any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(folder).parts):
            continue
        destination = target / path.relative_to(folder)
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(path, destination)


def build(options: BuildOptions) -> BuildStats:
    return Builder(options).build()
