"""The real-Quarto path: when `quarto` is on PATH, each volume is rendered by `quarto render`."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .errors import BuildFailed, SourceError


def quarto_binary() -> str | None:
    return shutil.which("quarto")


def render_volume(quarto: str, volume_dir: Path, output_dir: Path) -> None:
    """`quarto render <volume> --output-dir <dir>`; Quarto's own message names the file on failure."""
    proc = subprocess.run([quarto, "render", str(volume_dir), "--output-dir", str(output_dir)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
        raise BuildFailed([SourceError(volume_dir / "_quarto.yml", 0, f"quarto render failed:\n{tail}")])
