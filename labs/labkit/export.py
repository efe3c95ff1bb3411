"""Export every lab for the site: static HTML (``marimo export html``) into build/site/labs/.

Run as ``python -m labkit.export --out build/site/labs``. Each lab is executed during export, so a
lab that raises fails the build with the lab's name and marimo's message.

``marimo export html`` points the page at marimo's frontend on a CDN. With ``--frontend local``
(the default) the frontend that ships inside the installed marimo wheel is copied next to the pages
once and the pages are rewritten to load it, so the labs section works on an offline or firewalled
site and in the headless-browser test.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import marimo

from labkit.catalog import load_catalog

LABS_DIR = Path(__file__).resolve().parent.parent
FRONTEND_DIR = "marimo-frontend"
CDN_PREFIX = re.compile(r"https://cdn\.jsdelivr\.net/npm/@marimo-team/frontend@[^/\"']+/dist/")


def install_local_frontend(out_dir: Path) -> Path:
    """Copy the marimo frontend bundled in the installed wheel to ``out_dir/marimo-frontend``."""
    source = Path(marimo.__file__).parent / "_static"
    if not (source / "assets").is_dir():
        raise FileNotFoundError(f"{source} has no frontend assets; reinstall marimo or export with --frontend cdn")
    target = out_dir / FRONTEND_DIR
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.md", "index.html"))
    return target


def use_local_frontend(page: Path) -> int:
    """Point an exported page at the local frontend copy; returns how many URLs were rewritten."""
    text = page.read_text(encoding="utf-8")
    rewritten, count = CDN_PREFIX.subn(f"{FRONTEND_DIR}/", text)
    if count == 0:
        raise ValueError(f"{page} does not reference marimo's CDN frontend; marimo's export format changed, "
                         "export with --frontend cdn")
    page.write_text(rewritten, encoding="utf-8")
    return count


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
    _add_snapshot_notice(target, lab_id)
    return lab_id, seconds, ""


def snapshot_notice(lab_id: str) -> str:
    """The banner that tells a reader why the exported page's controls do not recompute anything."""
    return (f'<div class="lab-snapshot-notice" role="note" style="font:14px/1.4 system-ui,sans-serif;'
            f'padding:.6em 1em;background:#fff4d6;color:#3b2f00;border-bottom:1px solid #e0c060">'
            f'This page is a snapshot of the lab at its default settings: the controls do not recompute here. '
            f'To explore, run <code>marimo run labs/{lab_id}.py</code> from the repository '
            f'(<a href="running.html">how to run the labs</a>).</div>')


def _add_snapshot_notice(page: Path, lab_id: str) -> None:
    html = page.read_text(encoding="utf-8")
    if "lab-snapshot-notice" not in html and "<body>" in html:
        page.write_text(html.replace("<body>", "<body>" + snapshot_notice(lab_id), 1), encoding="utf-8")


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder that receives <lab>.html (the site copies it to _site/labs/).")
@click.option("--only", default="", help="Comma-separated lab ids to export (default: every lab in labs.yml).")
@click.option("--jobs", default=2, show_default=True, help="Labs exported in parallel.")
@click.option("--frontend", type=click.Choice(["local", "cdn"]), default="local", show_default=True,
              help="Serve marimo's frontend from a copy next to the pages (local) or from jsDelivr (cdn).")
def main(out_dir: Path, only: str, jobs: int, frontend: str) -> None:
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
    if frontend == "local":
        install_local_frontend(out_dir)
        for lab_id in wanted:
            use_local_frontend(out_dir / f"{lab_id}.html")
    click.echo(f"exported {len(wanted)} labs to {out_dir} (frontend: {frontend})")


if __name__ == "__main__":
    main()
