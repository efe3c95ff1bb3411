"""`mlsysbook parity`: do real Quarto and the embedded renderer make the same book?

Both renderers build the volumes from the same sources; this reads what a reader would compare in the
two outputs, page by page, and lists every difference by name:

- the pages of each volume;
- the chapter number and title of each page;
- section numbers (`id -> 3.2`) and figure/table numbers (`fig-x -> Figure 3.2`);
- cross-references (`a.quarto-xref`: text and target);
- the numbers in the prose (inline `{python}` results among them), in page order;
- the quiz (type, answer key, prompt of every question) and the glossary (term -> link).

Presentation (theme, navigation, callout markup, citation style) is free to differ and is not read.
"""
from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

_NUMBER = re.compile(r"(?<![\w.])[-\u2212]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?")
_CAPTION_NUMBER = re.compile(r"(Figure|Table)\s+([A-Z0-9][\w.]*?):")
# Text inside these is not prose: code, math source, scripts, the quiz and glossary (compared on their own).
# Captions are compared through their figure/table numbers (their markup differs between renderers).
_SKIP_TEXT = {"script", "style", "code", "pre", "math", "svg", "button", "textarea", "figcaption", "caption", "nav"}
_SKIP_CLASSES = {"quiz", "glossary", "table-caption", "eq-number"}
_EQUATION_NUMBER = re.compile(r"\((\d[\w.]*)\)\s*$")
# Quarto titles an appendix page "Appendix A — Glossary" where the embedded renderer writes the letter
# in a chapter-number span
_APPENDIX_TITLE = re.compile(r"^Appendix ([A-Z])\s+\u2014\s+(.*)$")
_PROSE = {"p", "li", "td", "th", "dd", "dt", "blockquote"}
_VOID = {"br", "img", "input", "hr", "meta", "link", "wbr", "source", "col", "area", "base", "embed", "param", "track"}


@dataclass
class PageFacts:
    chapter_number: str = ""
    chapter_title: str = ""
    chapter_id: str = ""  # the id of the page's title heading (a link to it is a link to the page)
    sections: dict[str, str] = field(default_factory=dict)  # id -> number
    floats: dict[str, str] = field(default_factory=dict)  # id -> "Figure 3.2"
    xrefs: list[tuple[str, str]] = field(default_factory=list)  # (text, resolved target)
    numbers: list[str] = field(default_factory=list)  # numbers in the prose, in order
    quiz: list[tuple[str, str, str]] = field(default_factory=list)  # (type, answer, prompt)
    glossary: dict[str, str] = field(default_factory=dict)  # term -> resolved link


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


class _Reader(HTMLParser):
    """One pass over a page; only the main content counts (Quarto: main#quarto-document-content, the
    embedded renderer: article)."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.facts = PageFacts()
        # (tag, attrs, all text inside, prose text inside: without code, math, captions, quiz, glossary)
        self.stack: list[tuple[str, dict, list[str], list[str]]] = []
        self.main_depth = 0
        self.glossary_term: str | None = None

    # -- helpers ---------------------------------------------------------------------------------------
    def _target(self, href: str) -> str:
        path, _, fragment = href.partition("#")
        base = posixpath.dirname(self.page)
        resolved = posixpath.normpath(posixpath.join(base, path)) if path else self.page
        return f"{resolved}#{fragment}" if fragment else resolved

    def _inside(self, cls: str) -> bool:
        return any(cls in (a.get("class") or "").split() for _, a, _, _ in self.stack)

    # -- parser callbacks ------------------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "article" or (tag == "main" and a.get("id") == "quarto-document-content"):
            self.main_depth += 1
        if tag in _VOID:
            return
        self.stack.append((tag, a, [], []))
        if "quiz-question" in classes:
            self.facts.quiz.append((a.get("data-type", ""), a.get("data-answer", ""), ""))

    def handle_endtag(self, tag):
        if tag in _VOID or not any(open_tag == tag for open_tag, _, _, _ in self.stack):
            return
        while self.stack:
            open_tag, a, chunks, prose = self.stack.pop()
            self._close(open_tag, a, _squash("".join(chunks)), _squash("".join(prose)))
            if self.stack:
                self.stack[-1][2].extend(chunks)
                if not (open_tag in _SKIP_TEXT or _SKIP_CLASSES & set(a.get("class", "").split())):
                    self.stack[-1][3].extend(prose)
            if open_tag == tag:
                break

    def _close(self, tag: str, a: dict, text: str, prose: str) -> None:
        classes = a.get("class", "").split()
        if tag == "article" or (tag == "main" and a.get("id") == "quarto-document-content"):
            self.main_depth -= 1
        if not self.main_depth and tag not in ("article", "main"):
            return
        ident = a.get("id", "")
        if "chapter-number" in classes and not self.facts.chapter_number and not self._inside("volume-toc") \
                and any(t == "h1" for t, _, _, _ in self.stack):
            self.facts.chapter_number = text
        in_h1 = tag == "h1" or any(t == "h1" for t, _, _, _ in self.stack)
        if in_h1 and ident and not self.facts.chapter_id:
            self.facts.chapter_id = ident
        if tag == "h1" and not self.facts.chapter_title:
            title = text.removeprefix(self.facts.chapter_number).strip() if self.facts.chapter_number else text
            appendix = _APPENDIX_TITLE.match(title)
            if appendix and not self.facts.chapter_number:
                self.facts.chapter_number, title = appendix.groups()
            self.facts.chapter_title = title
        if "header-section-number" in classes:
            heading = next(((t, at) for t, at, _, _ in reversed(self.stack) if t in ("h2", "h3", "h4", "h5", "h6")), None)
            if heading:
                section = heading[1].get("id") or heading[1].get("data-anchor-id") or self._section_id()
                if section:
                    self.facts.sections[section] = text
        if ident.startswith("eq-") and ident not in self.facts.floats and _EQUATION_NUMBER.search(text):
            self.facts.floats[ident] = "Equation " + _EQUATION_NUMBER.search(text).group(1)
        if ident.startswith(("fig-", "tbl-")) and "-caption-" not in ident and ident not in self.facts.floats:
            found = _CAPTION_NUMBER.search(text)
            if found:
                self.facts.floats[ident] = f"{found.group(1)} {found.group(2)}"
        if tag == "a" and "quarto-xref" in classes:
            self.facts.xrefs.append((text, self._target(a.get("href", ""))))
        if "quiz-prompt" in classes and self.facts.quiz:
            kind, answer, _ = self.facts.quiz[-1]
            self.facts.quiz[-1] = (kind, answer, re.sub(r"^\d+\.\s*", "", text))
        if "glossary-entry" in classes:
            self.glossary_term = None
        if tag == "strong" and self._inside("glossary-entry") and self.glossary_term is None:
            self.glossary_term = text
        if tag == "a" and self._inside("glossary-entry") and self.glossary_term:
            self.facts.glossary[self.glossary_term] = self._target(a.get("href", ""))
        skipped = any(t in _SKIP_TEXT or _SKIP_CLASSES & set(at.get("class", "").split()) for t, at, _, _ in self.stack)
        if tag in _PROSE and not skipped and not any(t in _PROSE for t, _, _, _ in self.stack):
            self.facts.numbers += [n.replace("\u2212", "-") for n in _NUMBER.findall(prose)]

    def _section_id(self) -> str:
        return next((at.get("id", "") for t, at, _, _ in reversed(self.stack) if t == "section" and at.get("id")), "")

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)
            self.stack[-1][3].append(data)


def read_page(site_root: Path, rel: str) -> PageFacts:
    reader = _Reader(rel)
    reader.feed((site_root / rel).read_text(encoding="utf-8", errors="replace"))
    reader.close()
    while reader.stack:
        reader.handle_endtag(reader.stack[-1][0])
    return reader.facts


def book_pages(volume_out: Path) -> list[str]:
    """The book's pages in a rendered volume (renderer support files such as Quarto's site_libs excluded)."""
    return sorted(p.relative_to(volume_out).as_posix() for p in volume_out.rglob("*.html")
                  if not any(part in ("site_libs", "assets") or part.endswith("_files")
                             for part in p.relative_to(volume_out).parts))


def _dict_diff(where: str, what: str, left: dict, right: dict, names: tuple[str, str]) -> list[str]:
    out = []
    for key in sorted(set(left) | set(right)):
        a, b = left.get(key), right.get(key)
        if a != b:
            out.append(f"{where}: {what} {key}: {names[0]} {a or '(none)'}, {names[1]} {b or '(none)'}")
    return out


def compare(left_root: Path, right_root: Path, names: tuple[str, str] = ("embedded", "quarto")) -> list[str]:
    """Differences between two renderings of the same volume(s), each named by page and item."""
    differences: list[str] = []
    left_pages, right_pages = set(book_pages(left_root)), set(book_pages(right_root))
    for rel in sorted(left_pages - right_pages):
        differences.append(f"{rel}: page only in {names[0]}")
    for rel in sorted(right_pages - left_pages):
        differences.append(f"{rel}: page only in {names[1]}")
    facts = {rel: (read_page(left_root, rel), read_page(right_root, rel)) for rel in sorted(left_pages & right_pages)}
    # `@sec-<chapter>` links to the page under Quarto and to its heading under the embedded renderer
    titles = [{f"{rel}#{pair[side].chapter_id}": rel for rel, pair in facts.items() if pair[side].chapter_id}
              for side in (0, 1)]
    for rel, (a, b) in facts.items():
        a.xrefs = [(text, titles[0].get(target, target)) for text, target in a.xrefs]
        b.xrefs = [(text, titles[1].get(target, target)) for text, target in b.xrefs]
        if (a.chapter_number, a.chapter_title) != (b.chapter_number, b.chapter_title):
            differences.append(f"{rel}: chapter heading: {names[0]} {a.chapter_number!r} {a.chapter_title!r}, "
                               f"{names[1]} {b.chapter_number!r} {b.chapter_title!r}")
        differences += _dict_diff(rel, "section", a.sections, b.sections, names)
        differences += _dict_diff(rel, "float", a.floats, b.floats, names)
        for label, xa, xb in (("cross-reference", Counter(a.xrefs), Counter(b.xrefs)),):
            for item in sorted((xa - xb).elements()):
                differences.append(f"{rel}: {label} {item[0]!r} -> {item[1]} only in {names[0]}")
            for item in sorted((xb - xa).elements()):
                differences.append(f"{rel}: {label} {item[0]!r} -> {item[1]} only in {names[1]}")
        na, nb = Counter(a.numbers), Counter(b.numbers)
        if na != nb:
            only_a = ", ".join(sorted((na - nb).elements())[:20])
            only_b = ", ".join(sorted((nb - na).elements())[:20])
            differences.append(f"{rel}: numbers in the prose differ: only in {names[0]} [{only_a}], "
                               f"only in {names[1]} [{only_b}]")
        for n in range(max(len(a.quiz), len(b.quiz))):
            qa = a.quiz[n] if n < len(a.quiz) else None
            qb = b.quiz[n] if n < len(b.quiz) else None
            if qa != qb:
                differences.append(f"{rel}: quiz question {n + 1}: {names[0]} {qa}, {names[1]} {qb}")
        differences += _dict_diff(rel, "glossary term", a.glossary, b.glossary, names)
    return differences


def render_both(root: Path, volumes: list[str], workdir: Path, console=None) -> tuple[Path, Path]:
    """Build the volumes with the embedded renderer and with Quarto; returns the two site folders."""
    from .render import BuildOptions, build

    outs = []
    for renderer in ("embedded", "quarto"):
        out = workdir / renderer / "_site"
        build(BuildOptions(root=root, out=out, only=set(volumes), renderer=renderer, check_links=False,
                           console=console))
        outs.append(out)
    return outs[0], outs[1]


def parity(root: Path, volumes: list[str], keep: Path | None = None, console=None) -> list[str]:
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="mlsysbook-parity-"))
    try:
        embedded, quarto = render_both(root, volumes, workdir, console)
        differences = []
        for volume in volumes:
            differences += [f"{volume}/{d}" for d in compare(embedded / volume, quarto / volume)]
        return differences
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
