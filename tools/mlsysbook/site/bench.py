"""`make bench-site`: site build times on a private copy of the sources (the checkout is not touched).

Prints cold build, fully cached rebuild and one-chapter rebuild, each as a ratio to a reference
measured in the same run: plain pandoc converting every page's markdown to HTML with no execution,
filters, numbering or site assembly (the floor any renderer of these sources pays).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from mlsysbook.content.pandoc import pandoc_path

from . import project
from .check import check_links
from .cli import _repo_root
from .render import BuildOptions, build

TARGETS = {"fully cached rebuild": 60.0, "one chapter edited": 5.0}


def _copy_sources(root: Path, target: Path) -> None:
    shutil.copytree(root / "book", target / "book", ignore=shutil.ignore_patterns("__pycache__", "tests"))
    for folder in sorted(root.iterdir()):
        if (folder / "site" / "_section.yml").is_file() and folder.name not in project.SECTION_EXCLUDE:
            shutil.copytree(folder / "site", target / folder.name / "site")
    if (root / "build" / "site").is_dir():
        shutil.copytree(root / "build" / "site", target / "build" / "site")
    if (root / "mlsysim" / "src").is_dir():
        shutil.copytree(root / "mlsysim" / "src", target / "mlsysim" / "src", ignore=shutil.ignore_patterns("__pycache__"))


def _reference_seconds(site: project.Site) -> float:
    pages = site.all_pages()
    started = time.perf_counter()
    for page in pages:
        subprocess.run([pandoc_path(), "-f", "markdown", "-t", "html5", str(page.source)],
                       capture_output=True, check=False)
    return time.perf_counter() - started


def _timed_build(root: Path, cache: Path, console: Console) -> tuple[float, object]:
    started = time.perf_counter()
    # the link check is timed on its own below, so other parts' broken links do not hide the timings
    stats = build(BuildOptions(root=root, cache=cache, jobs=2, console=console, check_links=False))
    return time.perf_counter() - started, stats


def main() -> int:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    quiet = Console(file=open("/dev/null", "w"), highlight=False)
    repo = _repo_root()
    with tempfile.TemporaryDirectory(prefix="mlsysbook-bench-") as tmp:
        root = Path(tmp) / "repo"
        _copy_sources(repo, root)
        cache = Path(tmp) / "cache"
        site = project.load_site(root)
        chapters = [p for part in site.parts if part.kind == "volume" for p in part.pages if p.kind == "chapter"]
        reference = _reference_seconds(site)
        rows = []
        try:
            cold, cold_stats = _timed_build(root, cache, quiet)
            rows.append(("cold build (empty cache)", cold, f"{len(cold_stats.executed)} pages executed"))
            cached, cached_stats = _timed_build(root, cache, quiet)
            rows.append(("fully cached rebuild", cached, f"{len(cached_stats.written)} pages re-rendered"))
            edited = chapters[len(chapters) // 2].source if chapters else site.landing.source
            edited.write_text(edited.read_text(encoding="utf-8") + "\n\nA sentence added by the benchmark.\n",
                              encoding="utf-8")
            one, one_stats = _timed_build(root, cache, quiet)
            rows.append(("one chapter edited", one, f"{edited.relative_to(root)}: {len(one_stats.written)} re-rendered"))
            started = time.perf_counter()
            broken = check_links(root / "_site")
            rows.append(("link check of the built site", time.perf_counter() - started,
                         f"{len(broken)} broken link(s); part of every build"))
        except Exception as exc:  # report what broke instead of a traceback; the build error names file:line
            console.print(f"[red]bench-site: the build failed, nothing to time:[/red]\n{exc}")
            return 1
        table = Table(title=f"Site build on a copy of {repo} ({len(site.all_pages())} pages, 2 jobs)")
        for column in ("measurement", "seconds", "× reference", "target", "result", "notes"):
            table.add_column(column)
        table.add_row("reference: plain pandoc, every page", f"{reference:.2f}", "1.00", "", "", "no cells, filters or site")
        for name, seconds, notes in rows:
            target = TARGETS.get(name)
            verdict = "" if target is None else ("[green]within[/green]" if seconds <= target else "[red]over[/red]")
            table.add_row(name, f"{seconds:.2f}", f"{seconds / reference:.2f}" if reference else "-",
                          f"≤ {target:.0f} s" if target else "", verdict, notes)
        Console(highlight=False, width=140).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
