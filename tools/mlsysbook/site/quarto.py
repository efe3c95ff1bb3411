"""The real-Quarto path: when `quarto` is on PATH, each volume is rendered by `quarto render`.

Quarto writes each page next to its source before moving it to the output folder, so a render that
stops half-way leaves `*.html` and `*_files/` in the book's folders; they are removed whatever the
outcome. Quarto's own search index of the volume (`search.json`, one entry per section) is turned into
entries of the site-wide index, so book pages are found from every part of the site.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import BuildFailed, SourceError


def quarto_binary() -> str | None:
    return shutil.which("quarto")


def _render_leftovers(volume_dir: Path) -> set[Path]:
    """Rendered pages and their `_files/` folders inside the source tree (never sources)."""
    found: set[Path] = set()
    for folder, dirs, files in os.walk(volume_dir):
        base = Path(folder)
        for name in list(dirs):
            if name.endswith("_files") or name in ("_freeze", ".quarto"):
                if name.endswith("_files"):
                    found.add(base / name)
                dirs.remove(name)
        found.update(base / name for name in files if name.endswith(".html"))
    return found


FREEZE_STAMP = ".mlsysbook-engine"


def _thaw_if_engine_changed(volume_dir: Path, engine_fingerprint: str) -> None:
    """Quarto's `freeze: auto` re-executes a chapter only when the chapter changes, but its numbers also
    come from the engine (mlsysim); when the engine's sources changed since the frozen results were
    made, they are dropped so every chapter runs again (the embedded renderer keys its cache the same way)."""
    freeze = volume_dir / "_freeze"
    stamp = freeze / FREEZE_STAMP
    if freeze.is_dir() and (not stamp.is_file() or stamp.read_text(encoding="utf-8").strip() != engine_fingerprint):
        shutil.rmtree(freeze)


def _stamp_freeze(volume_dir: Path, engine_fingerprint: str) -> None:
    freeze = volume_dir / "_freeze"
    if freeze.is_dir():
        (freeze / FREEZE_STAMP).write_text(engine_fingerprint + "\n", encoding="utf-8")


def render_volume(quarto: str, volume_dir: Path, output_dir: Path, engine_fingerprint: str = "") -> None:
    """`quarto render <volume> --output-dir <dir>`; Quarto's own message names the file on failure."""
    _thaw_if_engine_changed(volume_dir, engine_fingerprint)
    before = _render_leftovers(volume_dir)
    try:
        # cells import mlsysim: unless told otherwise, Quarto runs them in the Python running this build
        env = {**os.environ, "QUARTO_PYTHON": os.environ.get("QUARTO_PYTHON") or sys.executable}
        proc = subprocess.run([quarto, "render", str(volume_dir), "--output-dir", str(output_dir)],
                              capture_output=True, text=True, env=env)
    finally:
        for path in sorted(_render_leftovers(volume_dir) - before, reverse=True):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
        raise BuildFailed([SourceError(volume_dir / "_quarto.yml", 0, f"quarto render failed:\n{tail}")])
    _stamp_freeze(volume_dir, engine_fingerprint)


def unresolved(part, site: Path) -> list[SourceError]:
    """Cross-references and citations Quarto could not resolve (it warns and renders `?@fig-x` or
    `key?`), as errors against the page's source, like the embedded renderer reports them."""
    from .check import _scan

    errors = []
    for page in part.pages:
        built = site / page.out
        if built.is_file():
            errors += [SourceError(page.source, 0, f"{message} (line {line} of the page Quarto rendered)")
                       for message, line in _scan(built).unresolved]
    return errors


def search_docs(output_dir: Path, part_key: str, part_title: str) -> list[dict]:
    """The site-wide search entries of a volume Quarto rendered, from Quarto's own `search.json`."""
    index = output_dir / "search.json"
    if not index.is_file():
        raise BuildFailed([SourceError(output_dir, 0, "quarto render wrote no search.json; the book's pages would be "
                                                      "missing from the site search (is `search: false` set?)")])
    docs = []
    for n, entry in enumerate(json.loads(index.read_text(encoding="utf-8"))):
        href = str(entry.get("href", ""))
        if not href:
            continue
        title = str(entry.get("title", ""))
        docs.append({"id": f"{part_key}/{href}#{n}", "title": title,
                     "heading": str(entry.get("section") or title), "text": str(entry.get("text", ""))[:5000],
                     "url": f"{part_key}/{href}", "part": part_title, "partkey": part_key})
    return docs
