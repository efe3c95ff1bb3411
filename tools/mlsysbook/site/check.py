"""`mlsysbook check`: what must hold in a built site, whichever renderer produced it.

Broken internal links and anchors, unresolved cross-references and citations, cells that raised,
external requests at page load, chapters missing from a volume's table of contents, figure text too
small to read at the text column's width (legibility.py) and book pages heavier than 500 KB before images.
"""
from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import project
from .legibility import check_figures

# What a chapter page costs before its images: the HTML and the stylesheets and scripts it loads at
# once (Mermaid's library is loaded later, only near a diagram, by mermaid-init.js).
PAGE_WEIGHT_LIMIT = 500 * 1024

LINK_ATTRS = {("a", "href"), ("img", "src"), ("link", "href"), ("script", "src"), ("iframe", "src"),
              ("source", "src"), ("video", "src"), ("audio", "src"), ("embed", "src")}
LOADS_AT_PAGE_LOAD = {("img", "src"), ("link", "href"), ("script", "src"), ("iframe", "src"), ("source", "src"),
                      ("video", "src"), ("audio", "src"), ("embed", "src")}


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str, int]] = []  # (tag, attr, url, line)
        self.unresolved: list[tuple[str, int]] = []
        self.cell_errors: list[int] = []
        self._in_citation = 0
        self._strong = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name in ("id", "name"):
            if values.get(name) and (name == "id" or tag == "a"):
                self.ids.add(values[name])
        for key, value in attrs:
            if (tag, key) in LINK_ATTRS and value is not None:
                self.links.append((tag, key, value, self.getpos()[0]))
        classes = (values.get("class") or "").split()
        if "quarto-unresolved-ref" in classes:
            self.unresolved.append(("unresolved cross-reference", self.getpos()[0]))
        if "cell-output-error" in classes and "cell-error-allowed" not in classes:
            self.cell_errors.append(self.getpos()[0])
        if tag == "span" and "citation" in classes:
            self._in_citation += 1
        if tag == "strong":
            self._strong = True

    def handle_endtag(self, tag):
        if tag == "span" and self._in_citation:
            self._in_citation -= 1
        if tag == "strong":
            self._strong = False

    def handle_data(self, data):
        for m in re.finditer(r"\?@((?:fig|tbl|sec|eq)-[\w:.-]+)", data, re.I):
            self.unresolved.append((f"unresolved cross-reference @{m.group(1)}", self.getpos()[0]))
        if self._strong and self._in_citation and data.strip().endswith("?"):
            self.unresolved.append((f"citation `{data.strip()[:-1]}` not found in the bibliography", self.getpos()[0]))


def _scan(path: Path, cache_dir: Path | None = None) -> _Scan:
    """Parse a page once per content: unchanged pages (most of them, in a rebuild) come from the cache."""
    data = path.read_bytes()
    cached = None
    if cache_dir is not None:
        cached = cache_dir / (hashlib.sha256(data).hexdigest() + ".json")
        if cached.is_file():
            try:
                stored = json.loads(cached.read_text(encoding="utf-8"))
                parser = _Scan()
                parser.ids = set(stored["ids"])
                parser.links = [tuple(link) for link in stored["links"]]
                return parser
            except (OSError, ValueError, KeyError):
                pass
    parser = _Scan()
    parser.feed(data.decode("utf-8", errors="replace"))
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"ids": sorted(parser.ids), "links": parser.links}), encoding="utf-8")
        os.replace(tmp, cached)
    return parser


def check_links(site: Path, rendered: set[str] | None = None,
                cache_dir: Path | None = None) -> list[tuple[str, str, str]]:
    """(page, url, problem) for every internal link or anchor that does not resolve in `site`."""
    site = site.resolve()
    scans: dict[str, _Scan] = {}

    def scan_of(rel: str) -> _Scan:
        if rel not in scans:
            scans[rel] = _scan(site / rel, cache_dir)
        return scans[rel]

    problems: list[tuple[str, str, str]] = []
    kinds: dict[str, str] = {}  # site path -> "file" | "dir" | "" (missing)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    for rel in pages:
        scan = scan_of(rel)
        external: list[tuple[str, str, str, int]] = []
        for tag, attr, url, line in scan.links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                ours = rendered is None or rel in rendered
                if (parts.scheme in ("http", "https") or url.startswith("//")) and (tag, attr) in LOADS_AT_PAGE_LOAD and ours:
                    external.append((tag, attr, url, line))
                continue
            if url.startswith("/"):
                problems.append((rel, url, f"line {line}: absolute link {url} breaks when the site is not served from /; "
                                      "use a relative path"))
                continue
            path = unquote(parts.path)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path)) if path else rel
            if target.startswith(".."):
                problems.append((rel, url, f"line {line}: link {url} points outside the site"))
                continue
            if target not in kinds:  # thousands of links point at a few hundred files: stat each once
                kinds[target] = "dir" if (site / target).is_dir() else "file" if (site / target).is_file() else ""
            if kinds[target] == "dir":
                target = posixpath.join(target, "index.html")
                kinds.setdefault(target, "file" if (site / target).is_file() else "")
            if kinds[target] != "file":
                problems.append((rel, url, f"line {line}: broken link {url} (no file {target})"))
                continue
            if parts.fragment and target.endswith(".html"):
                fragment = unquote(parts.fragment)
                if fragment not in scan_of(target).ids:
                    problems.append((rel, url, f"line {line}: broken anchor {url} (no id \"{fragment}\" in {target})"))
        if external:
            tag, attr, url, line = external[0]
            more = f" and {len(external) - 1} more" if len(external) > 1 else ""
            problems.append((rel, url, f"line {line}: <{tag} {attr}={url}>{more} make(s) an external request at page "
                                       "load; the site must work offline, so vendor these files into it"))
    return problems


def check_site(root: Path, site: Path) -> list[str]:
    """Every problem in the built site and in the book's TOC, as printable lines."""
    problems: list[str] = []
    if not (site / "index.html").is_file():
        return [f"{site}: no index.html; build the site first (`make site`)"]
    for page, _url, message in check_links(site):
        problems.append(f"{page}: {message}")
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        scan = _scan(path)
        for message, line in scan.unresolved:
            problems.append(f"{rel}:{line}: {message}")
        for line in scan.cell_errors:
            problems.append(f"{rel}:{line}: a cell raised an error (its traceback is on the page)")
    try:
        loaded = project.load_site(root)
    except Exception as exc:  # a malformed config is itself a finding
        return problems + [str(exc)]
    sources = {}
    for page in loaded.all_pages():
        try:
            sources[page.out] = page.source.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            sources[page.out] = str(page.source)
    problems += check_figures(site, sources, root=root)[0]
    problems += check_page_weight(site, [p.out for part in loaded.parts if part.kind == "volume" for p in part.pages])
    for part in loaded.parts:
        if part.kind != "volume":
            continue
        for chapter in project.untracked_chapters(part):
            problems.append(f"{chapter}: chapter is not in the table of contents of {part.root / '_quarto.yml'}; "
                            "add it under a `part:` or delete it")
        for page in part.pages:
            if not (site / page.out).is_file():
                problems.append(f"{page.source}: listed in the TOC but {page.out} is missing from the site")
        problems += _check_book_features(part, site)
    return problems


_QUIZ_DIV = re.compile(r"^:{3,}\s*\{[^}]*\.quiz\b[^}]*\}", re.M)
_GLOSSARY_DIV = re.compile(r"^:{3,}\s*\{[^}]*\.glossary\b[^}]*\}", re.M)
_DEFINITION = re.compile(r"^:{3,}\s*\{[^}]*\.definition\b[^}]*\}", re.M)
_QUESTION = re.compile(r"^\s*-\s+type\s*:", re.M)


def _check_book_features(part, site: Path) -> list[str]:
    """What the book's Lua filters must have put on the pages, whichever renderer ran them: every quiz
    with all its questions and its script, and a glossary entry for every definition of the volume."""
    problems: list[str] = []
    built = {page.out: (site / page.out) for page in part.pages if (site / page.out).is_file()}
    definitions = 0
    for page in part.pages:
        text = page.source.read_text(encoding="utf-8")
        if page.kind == "chapter":
            definitions += len(_DEFINITION.findall(text))
        html = built[page.out].read_text(encoding="utf-8", errors="replace") if page.out in built else None
        if html is None:
            continue
        quiz = page.source.with_name(page.source.stem + "_quiz.yml")
        if _QUIZ_DIV.search(text) and quiz.is_file():
            expected = len(_QUESTION.findall(quiz.read_text(encoding="utf-8")))
            shown = html.count('class="quiz-question"')
            if shown != expected:
                problems.append(f"{page.out}: the quiz shows {shown} of the {expected} questions in {quiz.name}")
            if not re.search(r'<script[^>]+src="[^"]*quiz\.js"', html):
                problems.append(f"{page.out}: has a quiz but does not load quiz.js (answers cannot be checked)")
    for page in part.pages:
        if page.out in built and _GLOSSARY_DIV.search(page.source.read_text(encoding="utf-8")):
            entries = built[page.out].read_text(encoding="utf-8", errors="replace").count('class="glossary-entry"')
            if entries != definitions:
                problems.append(f"{page.out}: the glossary lists {entries} terms but the chapters of {part.key} "
                                f"define {definitions}")
    return problems


def page_weight(site: Path, page: str) -> tuple[int, list[tuple[str, int]]]:
    """Bytes of a page plus the stylesheets and scripts it loads at page load (not images, not what a
    script fetches later), and those files with their sizes."""
    path = site / page
    text = path.read_text(encoding="utf-8", errors="replace")
    files: list[tuple[str, int]] = []
    for tag in re.findall(r"<(?:link|script)\b[^>]*>", text):
        if tag.startswith("<link") and "stylesheet" not in tag:
            continue
        m = re.search(r'\s(?:href|src)="([^"]+)"', tag)
        if not m or urlsplit(m.group(1)).scheme:
            continue
        asset = (path.parent / unquote(urlsplit(m.group(1)).path)).resolve()
        if asset.is_file():
            files.append((asset.relative_to(site.resolve()).as_posix(), asset.stat().st_size))
    return path.stat().st_size + sum(size for _, size in files), files


def check_page_weight(site: Path, pages: list[str], limit: int = PAGE_WEIGHT_LIMIT) -> list[str]:
    problems = []
    for page in pages:
        if not (site / page).is_file():
            continue
        total, files = page_weight(site, page)
        if total > limit:
            heaviest = ", ".join(f"{name} {size // 1024} KB" for name, size in sorted(files, key=lambda f: -f[1])[:3])
            problems.append(f"{page}: {total // 1024} KB before images (limit {limit // 1024} KB): the page itself "
                            f"{(site / page).stat().st_size // 1024} KB, {heaviest}")
    return problems
