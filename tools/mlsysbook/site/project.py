"""What the site is made of: the landing page, one Quarto book per volume, and the non-book sections.

Reads `book/vol*/_quarto.yml` (merged with the `metadata-files` it names, i.e. `book/_common.yml`)
and every `<component>/site/_section.yml` (the section contract in ARCHITECTURE.md).
"""
from __future__ import annotations

import os
import posixpath
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import SourceError

# Top navigation order; sections not listed here follow alphabetically.
PART_ORDER = ["vol1", "vol2", "labs", "tinytorch", "kits", "interviews", "instructors"]
SECTION_EXCLUDE = {"book", "tools", "tests", "build", "_site", ".venv", ".cache", ".git"}


@dataclass
class Page:
    source: Path
    out: str  # site-relative POSIX path of the HTML page
    part: str  # "" for the landing page, else the part key (vol1, labs, ...)
    kind: str  # landing | volume-index | chapter | appendix | section
    number: str | None = None  # "3" for chapters, "A" for appendices
    group: str | None = None  # part heading in the volume TOC ("Foundations")
    title: str = ""

    @property
    def slug(self) -> str:
        return self.source.stem


@dataclass
class Part:
    key: str
    title: str
    subtitle: str
    kind: str  # volume | section
    root: Path  # source folder
    pages: list[Page] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    verbatim_dirs: list[Path] = field(default_factory=list)  # copied as-is (minus sources) into _site/<key>/
    downloads: dict[str, str] = field(default_factory=dict)  # "pdf"/"epub" -> site path, when built

    @property
    def index(self) -> Page:
        return self.pages[0]


@dataclass
class Site:
    root: Path
    landing: Page
    parts: list[Part]
    common: dict
    nav_parts: list[Part] = field(default_factory=list)  # parts the built site has, for navigation

    def all_pages(self) -> list[Page]:
        return [self.landing] + [p for part in self.parts for p in part.pages]

    def part(self, key: str) -> Part:
        return next(p for p in self.parts if p.key == key)


def _yaml_file(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceError(path, mark.line + 1 if mark else 0,
                          f"not valid YAML: {getattr(exc, 'problem', exc)}; check indentation and quoting") from None
    if not isinstance(data, dict):
        raise SourceError(path, 1, "expected a mapping of `key: value` lines")
    return data


def _line_of_entry(path: Path, entry: str) -> int:
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if entry in text:
            return number
    return 0


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_H1 = re.compile(r"^#\s+(?P<title>.*?)\s*(?:\{(?P<attrs>[^}]*)\})?\s*$")


def first_heading(source: Path) -> re.Match | None:
    """The page's `# Title {attrs}` line (the book's page title), skipping fenced code."""
    fence = None
    for line in source.read_text(encoding="utf-8").splitlines():
        opened = _FENCE.match(line)
        if opened:
            if fence is None:
                fence = opened.group(1)
            elif line.strip().startswith(fence):
                fence = None
            continue
        if fence is None and line.startswith("# "):
            return _H1.match(line)
    return None


def title_is_unnumbered(source: Path) -> bool:
    heading = first_heading(source)
    attrs = (heading.group("attrs") or "").split() if heading else []
    return ".unnumbered" in attrs or "-" in attrs


def appendix_letter(index: int) -> str:
    return string.ascii_uppercase[index]


def load_volume(key: str, folder: Path) -> Part:
    config_path = folder / "_quarto.yml"
    config = _yaml_file(config_path)
    merged: dict = {}
    for meta_file in config.get("metadata-files", []) or []:
        meta_path = (folder / meta_file).resolve()
        if not meta_path.is_file():
            raise SourceError(config_path, _line_of_entry(config_path, meta_file),
                              f"metadata file {meta_file} does not exist")
        merged = _merge(merged, _yaml_file(meta_path))
    merged = _merge(merged, {k: v for k, v in config.items() if k != "metadata-files"})
    book = merged.get("book") or {}
    if not book.get("chapters"):
        raise SourceError(config_path, 1, "a book needs `book: chapters:` listing index.qmd and the chapters")
    part = Part(key=key, title=str(book.get("title", key)), subtitle=str(book.get("subtitle", "")),
                kind="volume", root=folder, config=merged)

    def add(entry, kind: str, group: str | None, number: str | None) -> None:
        if not isinstance(entry, str):
            raise SourceError(config_path, 0, f"chapter entries must be file names, got {entry!r}")
        source = folder / entry
        if not source.is_file():
            raise SourceError(config_path, _line_of_entry(config_path, entry),
                              f"chapter {entry} is listed but {source} does not exist; create it or remove the entry")
        out = posixpath.join(key, posixpath.splitext(entry)[0] + ".html")
        part.pages.append(Page(source=source, out=out, part=key, kind=kind, number=number, group=group))

    # As in Quarto, a page whose `# Title` is `.unnumbered` takes no chapter number or appendix letter.
    chapter_number = 0
    for entry in book["chapters"]:
        if isinstance(entry, dict) and "part" in entry:
            for chapter in entry.get("chapters") or []:
                add(chapter, "chapter", str(entry["part"]), None)
        elif entry == "index.qmd":
            add(entry, "volume-index", None, None)
        else:
            add(entry, "chapter", None, None)
    for entry in book.get("appendices") or []:
        add(entry, "appendix", "Appendices", None)
    appendix_number = 0
    for page in part.pages:
        if page.kind == "volume-index" or title_is_unnumbered(page.source):
            continue
        if page.kind == "chapter":
            chapter_number += 1
            page.number = str(chapter_number)
        else:
            page.number = appendix_letter(appendix_number)
            appendix_number += 1
    if part.pages[0].kind != "volume-index":
        raise SourceError(config_path, _line_of_entry(config_path, "chapters"),
                          "the first entry of `book: chapters:` must be index.qmd (the volume's landing page)")
    return part


def load_section(key: str, folder: Path, generated: Path) -> Part:
    config_path = folder / "_section.yml"
    config = _yaml_file(config_path)
    pages = config.get("pages")
    if not config.get("title") or not isinstance(pages, list) or not pages:
        raise SourceError(config_path, 1, "a section needs `title:` and a non-empty `pages:` list (first = index)")
    part = Part(key=key, title=str(config["title"]), subtitle=str(config.get("subtitle", "")), kind="section",
                root=folder, config=config)
    listed = set()
    for entry in pages:
        source = folder / str(entry)
        if not source.is_file() and (generated / str(entry)).is_file():
            source = generated / str(entry)
        if not source.is_file() or source.suffix not in (".qmd", ".md"):
            raise SourceError(config_path, _line_of_entry(config_path, str(entry)),
                              f"page {entry} does not exist (looked in {folder} and {generated}); "
                              "list .qmd/.md files relative to the section folder")
        listed.add(source.resolve())
        out = posixpath.join(key, posixpath.splitext(str(entry))[0] + ".html")
        part.pages.append(Page(source=source, out=out, part=key, kind="section"))
    if generated.is_dir():
        for source in sorted(generated.rglob("*.qmd")):
            if source.resolve() in listed:
                continue
            rel = source.relative_to(generated).as_posix()
            part.pages.append(Page(source=source, out=posixpath.join(key, rel[:-4] + ".html"), part=key, kind="section"))
        part.verbatim_dirs.append(generated)
    part.verbatim_dirs.insert(0, folder)
    return part


def load_site(root: Path, build_dir: Path | None = None, only: set[str] | None = None) -> Site:
    """The site's structure. With `only`, a broken config of a part outside it does not stop the build."""
    root = root.resolve()
    build_dir = build_dir or root / "build"
    book = root / "book"
    landing_source = book / "index.qmd"
    if not landing_source.is_file():
        raise SourceError(landing_source, 0, "the landing page book/index.qmd is missing")
    common_path = book / "_common.yml"
    common = _yaml_file(common_path) if common_path.is_file() else {}
    parts: list[Part] = []
    for folder in sorted(book.glob("vol*/")):
        if (folder / "_quarto.yml").is_file():
            parts.append(_tolerant(load_volume, folder.name, folder, only=only))
    for folder in sorted(root.iterdir()):
        if folder.name in SECTION_EXCLUDE or folder.name.startswith("."):
            continue
        if (folder / "site" / "_section.yml").is_file():
            parts.append(_tolerant(load_section, folder.name, folder / "site", build_dir / "site" / folder.name, only=only))
    parts = [p for p in parts if p is not None]
    parts.sort(key=lambda p: (PART_ORDER.index(p.key) if p.key in PART_ORDER else len(PART_ORDER), p.key))
    landing = Page(source=landing_source, out="index.html", part="", kind="landing")
    return Site(root=root, landing=landing, parts=parts, common=common, nav_parts=list(parts))


def _tolerant(loader, key: str, *args, only: set[str] | None):
    try:
        return loader(key, *args)
    except SourceError:
        if only is None or key in only:
            raise
        return None


def relative_url(from_page: str, to_path: str) -> str:
    """URL of site path `to_path` as seen from the page at site path `from_page`."""
    base = posixpath.dirname(from_page) or "."
    return posixpath.relpath(to_path, base)


def untracked_chapters(part: Part) -> list[Path]:
    """Chapter files (<vol>/<slug>/<slug>.qmd) that the volume's TOC does not list."""
    listed = {p.source.resolve() for p in part.pages}
    found = []
    for folder in sorted(part.root.iterdir()):
        candidate = folder / f"{folder.name}.qmd"
        if folder.is_dir() and not folder.name.startswith(("_", ".")) and candidate.is_file():
            if candidate.resolve() not in listed:
                found.append(candidate)
    return found


def resolve_config_path(base_dir: Path, value: str) -> Path:
    return Path(os.path.normpath(base_dir / value))


# Quarto's filter stages, in the order it runs them. The embedded renderer runs its pandoc filters
# before its own numbering/cross-reference pass (the "quarto" stage), so it supports the stages that
# come before it; `pre-quarto` is Quarto's default for a filter listed without `at:`.
FILTER_STAGES = ("pre-ast", "post-ast", "pre-quarto")
QUARTO_ONLY_STAGES = ("post-quarto", "pre-render", "post-render", "pre-finalize", "post-finalize")


def filter_paths(entries, base_dir: Path, config_path: Path) -> list[Path]:
    """The Lua filters of a `filters:` list in the order Quarto runs them: by stage, then as listed.

    An entry is a path or Quarto's `{path: ..., at: ...}` mapping; paths are relative to `base_dir`."""
    staged: list[tuple[int, int, Path]] = []
    text = config_path.read_text(encoding="utf-8") if config_path.is_file() else ""
    for position, entry in enumerate(entries or []):
        if isinstance(entry, str):
            path, stage = entry, "pre-quarto"
        elif isinstance(entry, dict) and isinstance(entry.get("path"), str):
            path, stage = entry["path"], str(entry.get("at", "pre-quarto"))
        else:
            raise SourceError(config_path, _line_of_entry(config_path, "filters:"),
                              f"filter entry {entry!r} is neither a path nor a `path:`/`at:` mapping")
        line = _line_of_entry(config_path, path) if text else 0
        if stage in QUARTO_ONLY_STAGES:
            raise SourceError(config_path, line, f"filter {path}: `at: {stage}` runs after Quarto's own filters, "
                                                 "which the embedded renderer cannot reproduce; use "
                                                 f"{', '.join(FILTER_STAGES)}")
        if stage not in FILTER_STAGES:
            raise SourceError(config_path, line, f"filter {path}: unknown stage `at: {stage}`; Quarto's stages are "
                                                 f"{', '.join(FILTER_STAGES + QUARTO_ONLY_STAGES)}")
        if not path.endswith(".lua"):
            raise SourceError(config_path, line, f"filter {path}: only Lua filters (.lua) are supported")
        resolved = resolve_config_path(base_dir, path)
        if not resolved.is_file():
            raise SourceError(config_path, line, f"filter {resolved} does not exist")
        staged.append((FILTER_STAGES.index(stage), position, resolved))
    return [path for _, _, path in sorted(staged)]
