"""Whole book: discover chapters from each volume's `_quarto.yml`, check them, the quizzes and the bibliography."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlsysbook.content.assumptions import check_assumptions
from mlsysbook.content.bar import bar_for
from mlsysbook.content.bib import BibReport, check_bib
from mlsysbook.content.chapter_refs import check_chapter_refs
from mlsysbook.content.closing import check_closing
from mlsysbook.content.conventions import check_conventions
from mlsysbook.content.chapter import CROSSREF_PREFIXES, ChapterStats, check_citation_count, parse_chapter
from mlsysbook.content.pandoc import mark_cells

VOLUMES = ("vol1", "vol2")
_CITE = re.compile(r"(?<![\w.@/-])-?@(?P<key>[A-Za-z0-9_][\w:.#$%&+?<>~/-]*[A-Za-z0-9_])")


@dataclass
class BookReport:
    book_dir: Path
    chapters: list[ChapterStats] = field(default_factory=list)
    bib: BibReport | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.errors or any(c.failures for c in self.chapters) or (self.bib and self.bib.errors))


def toc_chapters(quarto_yml: Path) -> list[str]:
    """Chapter paths (relative to the volume) in reading order, without the index and appendices."""
    data = yaml.safe_load(quarto_yml.read_text(encoding="utf-8")) or {}
    entries = (data.get("book") or {}).get("chapters") or []
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, str):
                if Path(item).name != "index.qmd":
                    out.append(item)
            elif isinstance(item, dict):
                if "chapters" in item:
                    walk(item["chapters"])
                elif "href" in item:
                    walk([item["href"]])
    walk(entries)
    return out


def _code_free(text: str) -> str:
    """Drop fenced code so `@` inside code is not mistaken for a citation."""
    out, fence = [], None
    for line in mark_cells(text).splitlines():
        m = re.match(r"^\s*(`{3,}|~{3,})", line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif line.strip().startswith(fence[0] * len(fence)):
                fence = None
            continue
        if fence is None:
            out.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(out)


def cited_keys_in(text: str) -> set[str]:
    keys = {m["key"] for m in _CITE.finditer(_code_free(text))}
    return {k for k in keys if not k.startswith(CROSSREF_PREFIXES)}


def check_book(book_dir: Path, volumes=VOLUMES, only: set[str] | None = None, jobs: int = 4) -> BookReport:
    book_dir = Path(book_dir)
    report = BookReport(book_dir=book_dir)
    todo = []
    for vol in volumes:
        cfg = book_dir / vol / "_quarto.yml"
        if not cfg.is_file():
            report.errors.append(f"{cfg}: volume configuration is missing")
            continue
        for rel in toc_chapters(cfg):
            path = book_dir / vol / rel
            slug = Path(rel).stem
            if only and slug not in only and f"{vol}/{slug}" not in only:
                continue
            todo.append((path, slug, vol))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        report.chapters = list(pool.map(lambda a: parse_chapter(*a), todo))

    cited: set[str] = set()
    for qmd in sorted(book_dir.rglob("*.qmd")):
        cited |= cited_keys_in(qmd.read_text(encoding="utf-8"))
    report.bib = check_bib(book_dir / "references.bib", cited)
    known = set(report.bib.entries)
    for ch in report.chapters:
        for key in sorted(ch.citations - known):
            ch.errors.append(f"cites [@{key}] but references.bib has no entry `{key}`")
        ch.citations &= known
        check_citation_count(ch, bar_for(ch.volume, ch.front.get("edition")))

    present = [v for v in volumes if (book_dir / v / "_quarto.yml").is_file()]
    report.errors += check_conventions(book_dir, present)
    report.errors += check_assumptions(book_dir, present)
    report.errors += check_closing(book_dir, present)
    report.errors += check_chapter_refs(book_dir, present)

    for vol in volumes:
        seen: dict[str, str] = {}
        for ch in (c for c in report.chapters if c.volume == vol):
            for term in ch.definitions:
                norm = term.lower()
                if norm in seen and seen[norm] != ch.slug:
                    report.warnings.append(f"{vol}: glossary term `{term}` is defined in both "
                                           f"{seen[norm]} and {ch.slug}")
                seen.setdefault(norm, ch.slug)
    return report
