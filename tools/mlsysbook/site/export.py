"""A volume as one PDF (pandoc -> LaTeX -> LuaLaTeX from Debian's TeX Live) and one EPUB (pandoc's EPUB writer).

Built from the same staged pages as the site (cells executed and cached, the book's Lua filters, the
embedded renderer's numbering and cross-reference resolution), then joined into one document:

- cross-references and links between the volume's pages become links inside the document; links to
  the site's other sections (labs, TinyTorch, kits) become absolute links when `site-url` is set in
  book/_common.yml, otherwise plain text;
- computed figures (SVG) and Graphviz diagrams keep their files; for LaTeX each SVG is converted to
  PDF with rsvg-convert; Mermaid diagrams are drawn to SVG at build time (mermaid.py);
- each chapter's self-check quiz becomes numbered questions, with an answer key (answer and
  explanation) at the end of the chapter;
- other raw HTML (tables printed by cells) is read back into the document by pandoc's HTML reader;
- numbers come from the site's numbering (Figure 3.2, Section 3.2.1), so the PDF, the EPUB and the
  web pages agree; LaTeX's own numbering is switched off.
"""
from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import mermaid, pandoc, transform
from .errors import BuildFailed, SourceError
from .project import Page, Part
from .render import Builder, BuildOptions, Staged
from .transform import attr, el

FORMATS = ("pdf", "epub")
LATEX_ENGINE = "lualatex"
# Debian packages the PDF needs (the Makefile installs them with tools/ensure-apt.sh)
PDF_APT = ("latexmk", "texlive-latex-recommended", "texlive-latex-extra", "texlive-fonts-recommended",
           "texlive-luatex", "lmodern", "fonts-dejavu-core", "librsvg2-bin", "chromium", "poppler-utils")
EPUB_APT = ("epubcheck", "chromium")

LATEX_HEADER = r"""
\usepackage{caption}
\captionsetup{labelformat=empty,font=small}
\usepackage[most]{tcolorbox}
\newtcolorbox{mlsysbox}[1]{breakable,enhanced,colback=black!3,colframe=black!45,boxrule=0.5pt,arc=1pt,
  left=6pt,right=6pt,top=4pt,bottom=4pt,fonttitle=\bfseries\small,coltitle=black,colbacktitle=black!10,title={#1}}
\setlength{\emergencystretch}{3em}
\usepackage{xurl}
\setcounter{tocdepth}{1}
"""

EPUB_CSS = """\
body { font-family: serif; line-height: 1.45; }
h1, h2, h3 { font-family: sans-serif; }
.callout { border: 1px solid #999; border-radius: 3px; margin: 1em 0; padding: 0 0.8em 0.4em; }
.callout-title { font-weight: bold; font-family: sans-serif; margin: 0.4em 0; }
figure { margin: 1em 0; text-align: center; }
figure img { max-width: 100%; }
figcaption, .table-caption { font-size: 0.9em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #bbb; padding: 0.2em 0.5em; }
.quiz-answer-key { font-size: 0.95em; }
"""


@dataclass
class Exported:
    volume: str
    fmt: str
    path: Path
    seconds: float
    chapters: list[str]


def download_name(volume: str, fmt: str) -> str:
    """File name of a volume's download, the same in build/downloads/ and on the site (<volume>/<name>)."""
    return f"mlsysbook-{volume}.{fmt}"


def download_dir(build_dir: Path) -> Path:
    """Where `mlsysbook export` writes and the site build looks (build/downloads/)."""
    return build_dir / "downloads"


# ------------------------------------------------------------------------------------------ joining


class Joiner:
    """Turns a volume's staged pages into one pandoc document whose resources live in `work`."""

    def __init__(self, builder: Builder, part: Part, staged: list[Staged], work: Path, fmt: str):
        self.builder, self.part, self.staged, self.work, self.fmt = builder, part, staged, work, fmt
        self.index: dict[str, transform.Target] = {}
        for s in staged:
            self.index.update(s.info.targets)
        self.pages = {s.page.out: s for s in staged}
        self.anchor = {s.page.out: self._page_anchor(s) for s in staged}
        # Headings without a label get pandoc's automatic ids ("summary"), which repeat from chapter to
        # chapter; in one document they are prefixed with the page's slug.
        self.renamed = {s.page.out: _unlabelled_heading_ids(s.doc["blocks"], self.index) for s in staged}
        self.site_url = (builder.site.common.get("site-url") or "").rstrip("/")
        self.mermaid_sources: list[tuple[dict, str]] = []  # (placeholder Image element, source)
        self.errors: list[SourceError] = []
        self.api_version = staged[0].doc["pandoc-api-version"]

    @staticmethod
    def _page_anchor(s: Staged) -> str:
        for block in s.doc["blocks"]:
            if block["t"] == "Header" and block["c"][0] == 1:
                if not block["c"][1][0]:
                    block["c"][1][0] = "page-" + s.page.slug.replace("_", "-")
                return block["c"][1][0]
        return "page-" + s.page.slug.replace("_", "-")

    def document(self) -> dict:
        blocks: list[dict] = []
        group = None
        cited: list[str] = []
        for s in self.staged:
            page = s.page
            if page.kind == "chapter" and page.group and page.group != group:
                group = page.group
                blocks.append(self._part_heading(group))
            if page.kind == "appendix" and group != "__appendix__":
                group = "__appendix__"
                if self.fmt == "pdf":
                    blocks.append(el("RawBlock", ["latex", r"\appendix"]))
            blocks += self._page_blocks(s, cited)
        if self.errors:
            raise BuildFailed(self.errors)
        self._draw_mermaid()
        meta = {
            "title": _meta_str(self.part.title),
            "subtitle": _meta_str(self.part.subtitle),
            "author": _meta_str(str(self.builder.site.common.get("author", "The MLSysBook authors"))),
            "lang": _meta_str(str(self.builder.site.common.get("lang", "en"))),
        }
        if self.fmt == "epub":
            digest = hashlib.sha256(f"mlsysbook-{self.part.key}".encode()).hexdigest()
            meta["identifier"] = _meta_str(f"urn:uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}")
        return {"pandoc-api-version": self.api_version, "meta": meta, "blocks": blocks}

    def _part_heading(self, title: str) -> dict:
        if self.fmt == "pdf":
            safe = _latex_escape(title)
            return el("RawBlock", ["latex", f"\\part*{{{safe}}}\\addcontentsline{{toc}}{{part}}{{{safe}}}"])
        return el("Header", [1, [f"part-{_slug(title)}", ["unnumbered", "part-title"], []], transform.text_inlines(title)])

    def _page_blocks(self, s: Staged, cited: list[str]) -> list[dict]:
        page = s.page
        self.builder._fill_generated_divs(s)
        doc = json.loads(json.dumps(s.doc))  # the staged AST is shared with other formats: work on a copy
        holder = Staged(page, doc, s.info, s.source_text, s.files)
        found, errors = transform.resolve(doc, page, s.source_text, self.index, self.builder.bib_keys,
                                          self.builder.bibliography)
        if errors:
            self.errors += errors
            return []
        cited += found
        doc["blocks"] = transform.auto_table_widths(doc["blocks"])
        answers: list[dict] = []
        quiz = page.source.with_name(page.source.stem + "_quiz.yml")
        page_dir = self.work / posixpath.dirname(page.out)

        def fix(block: dict):
            t = block["t"]
            if t == "Link":
                return self._link(block, page)
            if t == "Image":
                return self._image(block, holder, page_dir)
            if t == "Header":
                ident = block["c"][1][0]
                if ident in self.renamed[page.out]:
                    block["c"][1][0] = f"{page.slug.replace('_', '-')}-{ident}"
                return None
            if t == "RawBlock" and block["c"][0] == "html":
                text = block["c"][1]
                if text.lstrip().startswith('<section class="quiz"'):
                    questions, key = quiz_blocks(quiz, page)
                    answers.extend(key)
                    return questions
                if 'class="mermaid"' in text:
                    source = re.search(r'<pre class="mermaid">(.*?)</pre>', text, re.S)
                    image = el("Image", [attr(), [], ["", ""]])
                    self.mermaid_sources.append((image, html.unescape(source.group(1)) if source else ""))
                    return el("Plain", [image])
                if text.lstrip().startswith('<header class="title-block"'):
                    return []
                return html_to_blocks(text, page.source)
            if t == "RawInline" and block["c"][0] == "html":
                return []
            if t == "Div" and "callout" in block["c"][0][1]:
                return self._callout(block)
            if t == "Figure" and self.fmt == "epub" and block["c"][0][0]:
                # pandoc's EPUB writer rewrites a link into another chapter's file only for ids it
                # collected, and it does not collect a Figure's id: carry the id on a wrapping Div
                ident, block["c"][0][0] = block["c"][0][0], ""
                return el("Div", [attr(ident, ["figure-anchor"]), [block]])
            return None

        body = transform.walk(doc["blocks"], fix)
        if answers:
            slug = page.slug.replace("_", "-")
            body.append(el("Header", [2, [f"{slug}-answer-key", ["unnumbered"], []],
                                      transform.text_inlines("Self-check answers")]))
            body.append(el("Div", [attr("", ["quiz-answer-key"]), answers]))
        if page.kind == "volume-index":
            # the volume's title page comes from the metadata; its index becomes an unnumbered preface
            for block in body:
                if block["t"] == "Header" and block["c"][0] == 1:
                    block["c"][1][1] = list(dict.fromkeys(block["c"][1][1] + ["unnumbered"]))
                    break
        return body

    def _callout(self, block: dict):
        classes = block["c"][0][1]
        title_div, body_div = block["c"][1][0], block["c"][1][1]
        title = title_div["c"][1][0]["c"] if title_div["c"][1] else []
        content = body_div["c"][1]
        if self.fmt == "pdf":
            title_tex = pandoc_inlines_to_latex(title, self.api_version)
            return [el("RawBlock", ["latex", f"\\begin{{mlsysbox}}{{{title_tex}}}"]), *content,
                    el("RawBlock", ["latex", "\\end{mlsysbox}"])]
        return el("Div", [attr(block["c"][0][0], ["callout"] + [c for c in classes if c != "callout"]),
                          [el("Div", [attr("", ["callout-title"]), [el("Plain", title)]]), *content]])

    def _link(self, block: dict, page: Page):
        url = block["c"][2][0]
        if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
            return None
        if url.startswith("#"):
            return None
        path, _, fragment = url.partition("#")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page.out), path)) if path else page.out
        if target in self.pages:
            if not fragment:
                anchor = self.anchor[target]
            elif fragment in self.renamed[target]:
                anchor = f"{self.pages[target].page.slug.replace('_', '-')}-{fragment}"
            else:
                anchor = fragment
            block["c"][2][0] = "#" + anchor
            return None
        if self.site_url:
            block["c"][2][0] = f"{self.site_url}/{target}" + (f"#{fragment}" if fragment else "")
            return None
        return el("Span", [attr(), block["c"][1]])  # a site page outside this book: keep the words

    def _image(self, block: dict, s: Staged, page_dir: Path):
        src = block["c"][2][0]
        if not src or re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
            return None  # a remote image, or a Mermaid diagram drawn later
        target = (page_dir / src).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        if src in s.files:
            payload = s.files[src]
        else:
            source = (s.page.source.parent / src).resolve()
            if not source.is_file():
                self.errors.append(SourceError(s.page.source, 0, f"image {src} not found (looked for {source})"))
                return None
            payload = source.read_bytes()
        target.write_bytes(valid_svg(payload.decode("utf-8")).encode("utf-8") if target.suffix.lower() == ".svg" else payload)
        block["c"][2][0] = str(self._for_format(target))
        return None

    def _for_format(self, image: Path) -> Path:
        """LaTeX cannot include SVG: convert to PDF with rsvg-convert (vector, text kept as text)."""
        if self.fmt != "pdf" or image.suffix.lower() != ".svg":
            return image
        converter = shutil.which("rsvg-convert")
        if converter is None:
            raise BuildFailed([SourceError(image, 0, "rsvg-convert not found: install it with "
                                                     "`tools/ensure-apt.sh librsvg2-bin` (make pdf does this)")])
        out = image.with_suffix(".pdf")
        subprocess.run([converter, "-f", "pdf", "-o", str(out), str(image)], check=True)
        return out

    def _draw_mermaid(self) -> None:
        if not self.mermaid_sources:
            return
        svgs = mermaid.draw([src for _, src in self.mermaid_sources], self.builder.o.cache / "mermaid")
        folder = self.work / "mermaid"
        folder.mkdir(parents=True, exist_ok=True)
        for n, ((image, _), svg) in enumerate(zip(self.mermaid_sources, svgs), 1):
            path = folder / f"diagram-{n}.svg"
            path.write_text(valid_svg(svg), encoding="utf-8")
            image["c"][2][0] = str(self._for_format(path))


# ------------------------------------------------------------------------------------------ quizzes


def quiz_blocks(quiz_path: Path, page: Page) -> tuple[list[dict], list[dict]]:
    """The self-check as numbered questions (choices lettered) and its answer key, as pandoc blocks."""
    data = yaml.safe_load(quiz_path.read_text(encoding="utf-8")) or {}
    questions = data.get("questions") or []
    slug = page.slug.replace("_", "-")
    ask, key = [f"## Self-check {{#{slug}-self-check .unnumbered}}", ""], []
    for n, q in enumerate(questions, 1):
        kind = q.get("type", "mcq")
        prompt = str(q.get("prompt", "")).strip()
        label = {"mcq": "", "short": " *(short answer)*", "calc": " *(calculation)*"}.get(kind, "")
        ask.append(f"{n}. {prompt}{label}")
        ask.append("")
        if kind == "mcq":
            for i, choice in enumerate(q.get("choices") or []):
                ask.append(f"    {chr(ord('a') + i)}) {choice}")
            ask.append("")
            answer = q.get("answer")
            choices = q.get("choices") or []
            right = (f"{chr(ord('a') + int(answer))}) {choices[int(answer)]}"
                     if isinstance(answer, int) and 0 <= answer < len(choices) else str(answer))
        else:
            right = str(q.get("answer", "")).strip()
            if q.get("unit"):
                right += f" {q['unit']}"
        explanation = str(q.get("explanation", "")).strip()
        key.append(f"{n}. **{right}.** {explanation}".rstrip())
        key.append("")
    ask_doc = json.loads(pandoc.run(["-f", "markdown", "-t", "json"], "\n".join(ask), page.source))
    key_doc = json.loads(pandoc.run(["-f", "markdown", "-t", "json"], "\n".join(key), page.source))
    return ask_doc["blocks"], key_doc["blocks"]


# ------------------------------------------------------------------------------------------ helpers


def _unlabelled_heading_ids(blocks: list, index: dict) -> set[str]:
    found: set[str] = set()

    def visit(block):
        if block["t"] == "Header" and block["c"][0] > 1 and block["c"][1][0] and block["c"][1][0] not in index:
            found.add(block["c"][1][0])
        return None

    transform.walk(json.loads(json.dumps(blocks)), visit)
    return found


_PATH_WITHOUT_D = re.compile(r"<path(?![^>]*\sd=)")
_DOCTYPE = re.compile(r"<!DOCTYPE[^>\[]*(\[[^\]]*\])?\s*>", re.S)


def valid_svg(text: str) -> str:
    """SVG that EPUB 3 accepts: no DOCTYPE naming the external SVG 1.1 DTD (matplotlib and Graphviz
    write one), and no <path> without `d` (matplotlib's glyph for a space), which SVG 1.1 rejects."""
    return _PATH_WITHOUT_D.sub('<path d=""', _DOCTYPE.sub("", text, count=1))


def html_to_blocks(text: str, source: Path) -> list[dict]:
    """HTML a cell printed (a table, a styled note) read back as document blocks by pandoc's HTML reader."""
    doc = json.loads(pandoc.run(["-f", "html", "-t", "json"], text, source))
    return doc["blocks"]


def pandoc_inlines_to_latex(inlines: list[dict], api_version: list[int]) -> str:
    if not inlines:
        return ""
    doc = {"pandoc-api-version": api_version, "meta": {}, "blocks": [el("Plain", inlines)]}
    return pandoc.run(["-f", "json", "-t", "latex"], json.dumps(doc), Path("callout-title")).strip()


def _meta_str(value: str) -> dict:
    return {"t": "MetaInlines", "c": transform.text_inlines(value)}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _latex_escape(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


# ------------------------------------------------------------------------------------------ writers


def write_pdf(doc: dict, work: Path, out: Path, builder: Builder) -> None:
    tex = work / "book.tex"
    header = work / "header.tex"
    header.write_text(LATEX_HEADER, encoding="utf-8")
    args = ["-f", "json", "-t", "latex", "-s", "--top-level-division=chapter", "--toc",
            "-V", "documentclass=book", "-V", "classoption=oneside", "-V", "papersize=a4",
            "-V", "geometry=margin=2.5cm", "-V", "mainfont=DejaVu Serif", "-V", "sansfont=DejaVu Sans",
            "-V", "monofont=DejaVu Sans Mono", "-V", "mathfont=Latin Modern Math", "-V", "fontsize=10pt",
            "-V", "colorlinks=true", "-V", f"pdf-engine={LATEX_ENGINE}", "-M", "link-citations=true",
            "--syntax-highlighting=pygments", "-H", str(header)]
    args += _citation_args(builder)
    tex.write_text(pandoc.run(args, json.dumps(doc), builder.o.root / "book"), encoding="utf-8")
    latexmk = shutil.which("latexmk")
    if latexmk is None:
        raise BuildFailed([SourceError(tex, 0, "latexmk not found: install TeX Live with `make pdf` "
                                              "(tools/ensure-apt.sh latexmk texlive-luatex ...)")])
    proc = subprocess.run([latexmk, "-lualatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
                           "book.tex"], cwd=work, capture_output=True, text=True)
    built = work / "book.pdf"
    if proc.returncode != 0 or not built.is_file():
        log = (work / "book.log").read_text(encoding="utf-8", errors="replace") if (work / "book.log").exists() else proc.stdout
        errors = [line for line in log.splitlines() if line.startswith("!") or ".tex:" in line][:12]
        raise BuildFailed([SourceError(tex, 0, "LuaLaTeX failed:\n" + "\n".join(errors or log.splitlines()[-20:]))])
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(built, out)


def write_epub(doc: dict, work: Path, out: Path, builder: Builder) -> None:
    css = work / "epub.css"
    css.write_text(EPUB_CSS, encoding="utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    args = ["-f", "json", "-t", "epub3", "--toc", "--toc-depth=2", "--split-level=1", "--mathml",
            "--css", str(css), "-M", "link-citations=true", "--syntax-highlighting=pygments", "-o", str(out)]
    args += _citation_args(builder)
    pandoc.run(args, json.dumps(doc), builder.o.root / "book", cwd=work)


def _citation_args(builder: Builder) -> list[str]:
    if builder.bibliography is None:
        return []
    args = ["--citeproc", "--bibliography", str(builder.bibliography)]
    if builder.csl is not None:
        args += ["--csl", str(builder.csl)]
    return args


# ------------------------------------------------------------------------------------------ entry point


def export(root: Path, volumes: list[str], formats: list[str], out_dir: Path | None = None, console=None,
           jobs: int = 2) -> list[Exported]:
    """Write build/downloads/mlsysbook-<volume>.<fmt> for each volume and format; returns what was written."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise BuildFailed([SourceError(root, 0, f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")])
    builder = Builder(BuildOptions(root=root, only=set(volumes), renderer="embedded", console=console,
                                   check_links=False, jobs=jobs))
    out_dir = Path(out_dir or download_dir(builder.o.build_dir))
    results: list[Exported] = []
    for volume in volumes:
        part = builder.site.part(volume)
        if part.kind != "volume":
            raise BuildFailed([SourceError(part.root, 0, f"{volume} is a site section, not a book volume")])
        staged = _stage(builder, part)
        for fmt in formats:
            started = time.perf_counter()
            work = builder.o.build_dir / "export" / f"{volume}-{fmt}"
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            joiner = Joiner(builder, part, staged, work, fmt)
            doc = joiner.document()
            target = out_dir / download_name(volume, fmt)
            stamp = out_dir / f".{target.name}.fingerprint"
            fingerprint = _fingerprint(doc, work, fmt)
            if target.is_file() and stamp.is_file() and stamp.read_text() == fingerprint:
                builder.console.print(f"{target} is up to date")
            else:
                stamp.unlink(missing_ok=True)
                (write_pdf if fmt == "pdf" else write_epub)(doc, work, target, builder)
                stamp.write_text(fingerprint)
            chapters = [s.info.title for s in staged if s.page.kind == "chapter"]
            results.append(Exported(volume, fmt, target, time.perf_counter() - started, chapters))
            builder.console.print(f"[green]wrote[/green] {target} ({target.stat().st_size / 1e6:.1f} MB, "
                                  f"{time.perf_counter() - started:.0f} s)")
    return results


EXPORT_VERSION = "1"  # bump when the writers' options change what an unchanged volume produces


def _fingerprint(doc: dict, work: Path, fmt: str) -> str:
    """Everything the writer reads: the document, its resource files, the writer's settings."""
    digest = hashlib.sha256(f"{EXPORT_VERSION}\0{fmt}\0{LATEX_HEADER}\0{EPUB_CSS}\0".encode())
    digest.update(json.dumps(doc, sort_keys=True).replace(str(work), "<work>").encode())
    # a PDF converted from an SVG carries its conversion time: the SVG stands for it
    for path in sorted(p for p in work.rglob("*") if p.is_file()
                       and not (p.suffix == ".pdf" and p.with_suffix(".svg").is_file())):
        digest.update(path.relative_to(work).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _stage(builder: Builder, part: Part) -> list[Staged]:
    from concurrent.futures import ThreadPoolExecutor
    errors: list[SourceError] = []

    def one(page: Page):
        try:
            return builder.stage(page)
        except SourceError as exc:
            errors.append(exc)
        except BuildFailed as exc:
            errors.extend(exc.errors)
        return None

    with ThreadPoolExecutor(max_workers=max(1, builder.o.jobs)) as pool:
        staged = list(pool.map(one, part.pages))
    if errors:
        raise BuildFailed(errors)
    return staged
