"""`book/references.bib`: well-formedness, verifiability and use.

Pandoc's BibTeX reader (already a dependency) is strict about syntax; a raw scan of entry heads
catches what a reader can silently merge, such as a key defined twice.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mlsysbook.content.pandoc import PandocError, bib_to_csl

_ENTRY_HEAD = re.compile(r"^\s*@(?P<type>[A-Za-z]+)\s*\{\s*(?P<key>[^,\s]+)\s*,", re.M)
_NON_ENTRIES = {"comment", "string", "preamble"}
_FIELD = re.compile(r"(?P<name>[A-Za-z_-]+)\s*=", re.M)

# Fields a reader needs to find the work again, by entry type; every entry also needs doi/eprint/url.
REQUIRED = {
    "article": ("author", "title", "journal", "year"),
    "inproceedings": ("author", "title", "booktitle", "year"),
    "incollection": ("author", "title", "booktitle", "year"),
    "book": ("title", "year", "publisher"),
    "phdthesis": ("author", "title", "school", "year"),
    "mastersthesis": ("author", "title", "school", "year"),
    "techreport": ("author", "title", "institution", "year"),
    "misc": ("title", "year"),
    "online": ("title", "year"),
    "manual": ("title", "year"),
}
LOCATORS = ("doi", "eprint", "url")


@dataclass
class BibEntry:
    key: str
    type: str
    fields: set[str]
    line: int


@dataclass
class BibReport:
    path: Path
    entries: dict[str, BibEntry] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)


def _split_entries(text: str) -> list[tuple[str, str, str, int]]:
    heads = list(_ENTRY_HEAD.finditer(text))
    out = []
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[m.end():end]
        out.append((m["type"].lower(), m["key"], body, text.count("\n", 0, m.start()) + 1))
    return out


def _top_level_fields(body: str) -> set[str]:
    """Field names at brace depth 0 of an entry body (so `=` inside a title is not a field)."""
    names, depth, in_quote = set(), 0, False
    start = 0
    for i, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            in_quote = not in_quote
        elif ch == "," and depth == 0 and not in_quote:
            m = _FIELD.match(body[start:i].strip())
            if m:
                names.add(m["name"].lower())
            start = i + 1
    m = _FIELD.match(body[start:].strip())
    if m:
        names.add(m["name"].lower())
    return names


def check_bib(path: Path, cited_keys: set[str]) -> BibReport:
    report = BibReport(path=path)
    if not path.is_file():
        report.errors.append(f"{path}: bibliography file is missing; create it (it may start empty)")
        return report
    text = path.read_text(encoding="utf-8")
    try:
        csl = bib_to_csl(path)
    except PandocError as exc:
        report.errors.append(str(exc))
        csl = None
    raw = [e for e in _split_entries(text) if e[0] not in _NON_ENTRIES]
    counts = Counter(key for _, key, _, _ in raw)
    for key, n in sorted(counts.items()):
        if n > 1:
            report.errors.append(f"references.bib: key `{key}` is defined {n} times; keep one entry")
    for etype, key, body, line in raw:
        fields = _top_level_fields(body)
        entry = BibEntry(key=key, type=etype, fields=fields, line=line)
        report.entries.setdefault(key, entry)
        where = f"references.bib:{line} `{key}`"
        if etype not in REQUIRED:
            report.errors.append(f"{where}: entry type @{etype} is not one of "
                                 f"{', '.join('@' + t for t in sorted(REQUIRED))}")
            continue
        missing = [f for f in REQUIRED[etype] if f not in fields]
        if etype == "book" and not ({"author", "editor"} & fields):
            missing.append("author or editor")
        if missing:
            report.errors.append(f"{where}: @{etype} is missing {', '.join(missing)}")
        if not (set(LOCATORS) & fields):
            report.errors.append(f"{where}: add a doi, eprint (arXiv id) or url so a reader can verify it")
    if csl is not None:
        parsed = {item.get("id") for item in csl}
        for key in counts:
            if key not in parsed:
                report.errors.append(f"references.bib: entry `{key}` was not understood by the BibTeX "
                                     "reader; check its braces and commas")
    report.uncited = sorted(k for k in report.entries if k not in cited_keys)
    for key in report.uncited:
        report.errors.append(f"references.bib: `{key}` is cited nowhere in the book; cite it or remove it")
    return report
