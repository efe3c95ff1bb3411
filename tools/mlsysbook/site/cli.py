"""`mlsysbook build | serve | check` (registered in mlsysbook/cli.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console


def _repo_root() -> Path:
    """The repository holding book/ (the current folder or one of its parents)."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "book" / "index.qmd").is_file() or (folder / "book" / "vol1").is_dir():
            return folder
    return here


def _parts(value: str | None) -> set[str] | None:
    if not value:
        return None
    return {v.strip() for v in value.split(",") if v.strip()}


@click.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Repository root (default: the folder holding book/).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder (default: _site).")
@click.option("--only", default=None, help="Comma-separated parts to render (vol1,vol2,labs,...); the rest is kept.")
@click.option("--jobs", "-j", type=int, default=None, help="Pages staged in parallel (default: CPU count, at most 4).")
@click.option("--renderer", type=click.Choice(["auto", "embedded", "quarto"]), default="auto",
              help="auto: `quarto render` for the volumes when quarto is on PATH, else the embedded renderer.")
@click.option("--no-link-check", is_flag=True, help="Skip the internal link check before the site is swapped in.")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Execution/render cache folder (default: .cache/mlsysbook).")
def build(root, out, only, jobs, renderer, no_link_check, cache):
    """Render the book and the site sections into _site/ (replaced only when the build succeeds)."""
    from .errors import BuildFailed, SourceError
    from .render import BuildOptions, build as run_build

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    root = (root or _repo_root()).resolve()
    jobs = jobs or max(1, min(4, os.cpu_count() or 1))
    try:
        run_build(BuildOptions(root=root, out=out, cache=cache, only=_parts(only), jobs=jobs,
                               renderer=renderer, check_links=not no_link_check, console=console))
    except BuildFailed as failed:
        console.print(f"[bold red]build failed[/bold red] ({len(failed.errors)} problem(s)); "
                      "the previous site was left in place:")
        for error in failed.errors:
            console.print(str(error), markup=False, highlight=False)
        sys.exit(1)
    except SourceError as error:
        console.print("[bold red]build failed[/bold red]; the previous site was left in place:")
        console.print(str(error), markup=False)
        sys.exit(1)


@click.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--site", type=click.Path(file_okay=False, path_type=Path), default=None, help="Built site (default: _site).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
def serve(root, site, host, port):
    """Serve the built site over HTTP (build it first with `make site`)."""
    from .serve import make_server

    root = (root or _repo_root()).resolve()
    site = (site or root / "_site").resolve()
    try:
        server = make_server(site, host, port)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror}); pick another with --port")
    click.echo(f"Serving {site} at http://{host}:{server.server_address[1]}/  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()


@click.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--site", type=click.Path(file_okay=False, path_type=Path), default=None, help="Built site (default: _site).")
def check(root, site):
    """Check the built site: links, anchors, cross-refs, citations, cell errors, chapters missing from the TOC."""
    from .check import check_site

    root = (root or _repo_root()).resolve()
    site = (site or root / "_site").resolve()
    problems = check_site(root, site)
    _report(problems, f"check: {len(problems)} problem(s) in {site}", f"check: {site} is clean")


def _report(findings: list[str], failed: str, clean: str) -> None:
    """Print each finding, then a summary; exit 1 when there was any."""
    for finding in findings:
        click.echo(finding)
    if findings:
        click.echo(failed, err=True)
        sys.exit(1)
    click.echo(clean)


@click.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--only", default="vol1,vol2", show_default=True, help="Comma-separated volumes to compare.")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep both renderings in this folder (<keep>/embedded/_site, <keep>/quarto/_site).")
def parity(root, only, keep):
    """Render the volumes with real Quarto and with the embedded renderer, and list every difference in
    pages, chapter/section/figure/table numbers, cross-references, numbers in the prose, quiz and glossary."""
    from .errors import BuildFailed
    from .parity import parity as run_parity
    from .quarto import quarto_binary

    if quarto_binary() is None:
        raise click.ClickException("`quarto` is not on PATH; parity compares Quarto's rendering with the embedded one")
    root = (root or _repo_root()).resolve()
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        differences = run_parity(root, sorted(_parts(only) or []), keep=keep, console=console)
    except BuildFailed as failed:
        for error in failed.errors:
            click.echo(str(error), err=True)
        raise click.ClickException("a renderer failed; fix the build first")
    _report(differences, f"parity: {len(differences)} difference(s) between quarto and the embedded renderer",
            f"parity: {only} render the same with quarto and the embedded renderer")


@click.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--format", "formats", default="pdf,epub", show_default=True, help="Comma-separated: pdf, epub.")
@click.option("--only", default="vol1,vol2", show_default=True, help="Comma-separated volumes.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: build/downloads); the site build publishes what it finds there.")
def export(root, formats, only, out):
    """Write each volume as a PDF (LuaLaTeX) and an EPUB, from the same sources and numbering as the site."""
    from .errors import BuildFailed
    from .export import export as run_export

    root = (root or _repo_root()).resolve()
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        run_export(root, sorted(_parts(only) or []), sorted(_parts(formats) or []), out_dir=out, console=console)
    except BuildFailed as failed:
        for error in failed.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"export failed ({len(failed.errors)} problem(s))")
