"""Export every lab for the site: static HTML (``marimo export html``) into build/site/labs/.

Run as ``python -m labkit.export --out build/site/labs``. Each lab is executed during export, so a
lab that raises fails the build with the lab's name and marimo's message.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

from labkit.catalog import load_catalog

LABS_DIR = Path(__file__).resolve().parent.parent


def _marimo() -> list[str]:
    return [sys.executable, "-m", "marimo"]


def export_static(lab_id: str, out_dir: Path) -> tuple[str, float, str]:
    """Run one lab and write ``<out_dir>/<lab_id>.html``; returns (lab, seconds, error text)."""
    source = LABS_DIR / f"{lab_id}.py"
    target = out_dir / f"{lab_id}.html"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(LABS_DIR), os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    done = subprocess.run(_marimo() + ["export", "html", "--no-include-code", "-f", str(source), "-o", str(target)],
                          capture_output=True, text=True, env=env, cwd=LABS_DIR)
    seconds = time.perf_counter() - start
    if done.returncode != 0 or not target.exists():
        return lab_id, seconds, (done.stderr or done.stdout).strip()[-2000:]
    return lab_id, seconds, ""


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder that receives <lab>.html (the site copies it to _site/labs/).")
@click.option("--only", default="", help="Comma-separated lab ids to export (default: every lab in labs.yml).")
@click.option("--jobs", default=2, show_default=True, help="Labs exported in parallel.")
def main(out_dir: Path, only: str, jobs: int) -> None:
    catalog = load_catalog()
    wanted = [x.strip() for x in only.split(",") if x.strip()] or sorted(catalog)
    unknown = [x for x in wanted if x not in catalog]
    if unknown:
        raise click.BadParameter(f"unknown lab(s) {', '.join(unknown)}; known: {', '.join(sorted(catalog))}",
                                 param_hint="--only")
    out_dir.mkdir(parents=True, exist_ok=True)
    failures = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for lab_id, seconds, error in pool.map(lambda lab: export_static(lab, out_dir), wanted):
            status = "ok" if not error else "FAILED"
            click.echo(f"  {lab_id:<22} {status:<6} {seconds:5.1f} s")
            if error:
                failures.append((lab_id, error))
    for lab_id, error in failures:
        click.echo(f"\n--- {lab_id} ---\n{error}", err=True)
    if failures:
        raise SystemExit(f"{len(failures)} lab(s) failed to export: {', '.join(l for l, _ in failures)}")
    click.echo(f"exported {len(wanted)} labs to {out_dir}")


if __name__ == "__main__":
    main()
