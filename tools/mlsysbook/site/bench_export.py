"""`make bench-downloads`: how long each volume's PDF and EPUB take to build, as ratios to a reference.

Measured on a private copy of the sources (the checkout and build/downloads/ are not touched), with the
execution cache shared so cells are not re-run: the time is the export itself (joining, drawing
diagrams, converting figures, pandoc, LuaLaTeX). The reference, measured in the same run, is plain
pandoc converting every page's markdown of the volume to HTML (the floor any renderer pays).
"""
from __future__ import annotations

import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from . import project
from .bench import _copy_sources, _reference_seconds
from .cli import _repo_root
from .export import export


def main(volumes: list[str]) -> None:
    console = Console()
    root = _repo_root()
    table = Table(title="Volume downloads (cold export; cells from the shared cache)")
    for column in ("volume", "format", "seconds", "reference s", "ratio", "size MB"):
        table.add_column(column, justify="right" if column != "volume" else "left")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "src"
        _copy_sources(root, copy)
        (copy / ".cache").mkdir()
        (copy / ".cache" / "mlsysbook").symlink_to(root / ".cache" / "mlsysbook", target_is_directory=True)
        site = project.load_site(copy, copy / "build", None)
        for volume in volumes:
            part = site.part(volume)
            reference = _reference_seconds(project.Site(copy, part.pages[0], [part], site.common))
            for fmt in ("epub", "pdf"):
                started = time.perf_counter()
                [result] = export(copy, [volume], [fmt], console=Console(file=io.StringIO()))
                seconds = time.perf_counter() - started
                table.add_row(volume, fmt, f"{seconds:.1f}", f"{reference:.1f}", f"{seconds / reference:.0f}x",
                              f"{result.path.stat().st_size / 1e6:.1f}")
        shutil.rmtree(copy / "build", ignore_errors=True)
    console.print(table)


if __name__ == "__main__":
    main(sys.argv[1:] or ["vol1", "vol2"])
