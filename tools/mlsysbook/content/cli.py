"""`mlsysbook content-report`: print per-chapter content counts and fail on chapters below the bar."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from mlsysbook.content.bar import BARS, EDITION2_BARS
from mlsysbook.content.book import VOLUMES, BookReport, check_book
from mlsysbook.content.execute import run_chapter


def _default_book_dir() -> Path:
    here = Path.cwd()
    for base in (here, *here.parents):
        if (base / "book" / "vol1" / "_quarto.yml").is_file():
            return base / "book"
    return here / "book"


def _row(ch) -> list[str]:
    q = ch.quiz
    quiz = f"{q.total} ({q.counts['mcq']}/{q.counts['short']}/{q.counts['calc']})" if q and q.exists else "-"
    figs = f"{len(ch.figures)} ({ch.computed_figures})"
    if ch.failures:
        verdict = "[red]FAIL[/red]"
    elif ch.complete:
        verdict = "[green]complete[/green]" + (" (ed. 2)" if str(ch.front.get("edition", "")).strip() == "2" else "")
    elif ch.exists:
        verdict = "[yellow]draft[/yellow]"
    else:
        verdict = "[red]missing[/red]"
    return [f"{ch.volume}/{ch.slug}", str(ch.words), figs, str(len(ch.tables)), str(ch.worked_examples),
            str(len(ch.definitions)), quiz, str(ch.exercises), str(len(ch.citations)), str(ch.footnotes), verdict]


def _as_dict(report: BookReport) -> dict:
    return {
        "chapters": [{
            "volume": c.volume, "slug": c.slug, "status": c.status or "draft", "words": c.words,
            "figures": len(c.figures), "computed_figures": c.computed_figures, "tables": len(c.tables),
            "worked_examples": c.worked_examples, "definitions": c.definitions,
            "quiz": dict(c.quiz.counts) if c.quiz else {}, "exercises": c.exercises,
            "citations": sorted(c.citations), "errors": c.errors, "shortfalls": c.shortfalls,
        } for c in report.chapters],
        "bib": {"entries": len(report.bib.entries) if report.bib else 0,
                "errors": report.bib.errors if report.bib else []},
        "errors": report.errors, "warnings": report.warnings, "failed": report.failed,
    }


@click.command("content-report")
@click.option("--book-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The book/ folder (default: found from the current directory).")
@click.option("--volume", "volumes", multiple=True, type=click.Choice(VOLUMES),
              help="Only these volumes (repeatable).")
@click.option("--chapter", "chapters", multiple=True, help="Only these chapter slugs (repeatable).")
@click.option("--show-shortfalls", is_flag=True,
              help="Also list what draft chapters still miss before they can be marked complete.")
@click.option("--execute", is_flag=True, help="Also run every chapter's Python cells and inline expressions.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def content_report(book_dir, volumes, chapters, show_shortfalls, execute, as_json):
    """Per-chapter content report: prose words, figures (computed), tables, worked examples,
    definitions, quiz questions (mcq/short/calc), exercises and citations.

    Exits non-zero when a chapter marked `content-status: complete` is below the bar, when any
    chapter lacks its title/objectives/outline, when a quiz is malformed, or when references.bib
    has a malformed, unverifiable or uncited entry.
    """
    book_dir = book_dir or _default_book_dir()
    if not (book_dir / "vol1").is_dir() and not (book_dir / "vol2").is_dir():
        raise click.UsageError(f"{book_dir} holds no vol1/ or vol2/; pass --book-dir pointing at the book/ folder")
    report = check_book(book_dir, volumes=volumes or VOLUMES, only=set(chapters) or None)
    if execute:
        for ch in report.chapters:
            if ch.exists and ch.cells:
                result = run_chapter(ch)
                if not result.ok:
                    ch.errors.append(result.output)
    if as_json:
        click.echo(json.dumps(_as_dict(report), indent=2))
        sys.exit(1 if report.failed else 0)

    console = Console(width=max(120, Console().width))
    bars = "; ".join(f"{vol}: {bar.words_min} words, {bar.figures_min} figures/{bar.computed_figures_min} computed, "
                     f"{bar.tables_min} tables, {bar.worked_examples_min} worked examples, "
                     f"{bar.quiz_questions_min} quiz questions/{bar.quiz_calc_min} calc, {bar.exercises_min} exercises, "
                     f"{bar.citations_min} citations"
                     for vol, bar in [*BARS.items(), *((f"{v} edition 2", b) for v, b in EDITION2_BARS.items())])
    table = Table(title=f"Book content (bar for complete chapters, {bars})")
    for col in ("chapter", "words", "figs (computed)", "tables", "worked", "defs",
                "quiz (mcq/short/calc)", "exercises", "citations", "notes", "status"):
        table.add_column(col, justify="left" if col in ("chapter", "status") else "right",
                         no_wrap=col == "chapter")
    for ch in report.chapters:
        table.add_row(*_row(ch))
    console.print(table)

    for ch in report.chapters:
        if ch.failures:
            console.print(f"[bold red]{ch.volume}/{ch.slug}[/bold red] ({ch.path}):")
            for msg in ch.failures:
                console.print(f"  - {msg}", markup=False)
        elif show_shortfalls and ch.shortfalls:
            console.print(f"[yellow]{ch.volume}/{ch.slug}[/yellow] still misses, before it can be complete:")
            for msg in ch.shortfalls:
                console.print(f"  - {msg}", markup=False)
    bib = report.bib
    if bib is not None:
        console.print(f"references.bib: {len(bib.entries)} entries, {len(bib.uncited)} uncited")
        for msg in bib.errors:
            console.print(f"  - {msg}", markup=False)
    for msg in report.errors:
        console.print(f"[red]error:[/red] {msg}")
    for msg in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {msg}")
    done = sum(1 for c in report.chapters if c.complete and not c.failures)
    console.print(f"{done}/{len(report.chapters)} chapters complete; "
                  + ("[red]content check FAILED[/red]" if report.failed else "[green]content check passed[/green]"))
    sys.exit(1 if report.failed else 0)
