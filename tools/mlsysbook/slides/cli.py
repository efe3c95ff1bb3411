"""`mlsysbook slides`: build every lecture deck in any theme, clone decks for a course."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import click

from . import build as slide_build
from .build import DEFAULT_THEME, REPO_ROOT, THEMES, SlideBuildError

DEFAULT_OUT = REPO_ROOT / "build" / "instructors" / "slides"
DEFAULT_ASSETS = REPO_ROOT / "build" / "instructors" / "assets"


def _assets(assets_dir: Path) -> Path:
    from . import assets

    return assets.generate(assets_dir, REPO_ROOT)


@click.group()
def slides():
    """Build lecture decks (Beamer, latexmk) and clone them for a course."""


@slides.command("build")
@click.option("--theme", "themes", multiple=True, default=[DEFAULT_THEME], show_default=True,
              type=click.Choice([*THEMES, "all"]), help="Theme(s) to build; 'all' builds the four.")
@click.option("--deck", "deck_names", multiple=True, help="Deck id such as vol1-training (default: every deck).")
@click.option("--volume", "volumes", multiple=True, type=click.Choice(slide_build.VOLUMES),
              help="Only decks of this volume.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Build folder; holds one sub-folder per theme.")
@click.option("--assets", "assets_dir", type=click.Path(path_type=Path), default=DEFAULT_ASSETS,
              show_default=True, help="Where mlsysim numbers and figures are generated.")
@click.option("--jobs", default=2, show_default=True, help="latexmk processes at a time.")
@click.option("--variant", "variants", multiple=True, default=["slides"], show_default=True,
              type=click.Choice([*slide_build.VARIANTS, "all"]),
              help="slides; notes (each slide with its speaker notes to the right, for pdfpc -n right or "
                   "printing: <deck>-notes.pdf); handout (the handout-labelled frames on one page: "
                   "<deck>-handout.pdf, lecture decks only); 'all' builds the three.")
@click.option("--publish", type=click.Path(path_type=Path), default=None,
              help="Copy the PDFs of the first theme here as <deck>.pdf (the site's slides folder).")
def build_command(themes, deck_names, volumes, out_dir, assets_dir, jobs, variants, publish):
    """Build decks into OUT/<theme>/<deck>.pdf; unchanged decks are not rebuilt."""
    chosen_themes = list(THEMES) if "all" in themes else list(dict.fromkeys(themes))
    chosen_variants = slide_build.VARIANTS if "all" in variants else tuple(dict.fromkeys(variants))
    try:
        decks = slide_build.select_decks(slide_build.discover_decks(volumes or slide_build.VOLUMES),
                                         list(deck_names))
        started = time.perf_counter()
        results = slide_build.build_decks(decks, chosen_themes, out_dir, _assets(assets_dir), jobs=jobs,
                                          variants=chosen_variants)
    except SlideBuildError as err:
        raise click.ClickException(str(err)) from err
    rebuilt = sum(r.rebuilt for r in results)
    click.echo(f"slides: {len(results)} PDFs ({rebuilt} rebuilt, {len(results) - rebuilt} up to date) "
               f"in {time.perf_counter() - started:.1f}s -> {out_dir}")
    if publish is not None:
        publish.mkdir(parents=True, exist_ok=True)
        for result in results:
            if result.theme == chosen_themes[0]:
                target = publish / result.pdf.name
                if not target.exists() or target.read_bytes() != result.pdf.read_bytes():
                    shutil.copy2(result.pdf, target)
        published = sum(r.theme == chosen_themes[0] for r in results)
        click.echo(f"slides: published {published} {chosen_themes[0]} PDFs to {publish}")


@slides.command("check")
@click.option("--deck", "deck_names", multiple=True, help="Deck id (default: every lecture deck).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--assets", "assets_dir", type=click.Path(path_type=Path), default=DEFAULT_ASSETS,
              show_default=True)
def check_command(deck_names, out_dir, assets_dir):
    """Check lecture decks (`% lecture: true`) against the lecture bar; build them first (crimson)."""
    from . import lecture

    try:
        every = slide_build.discover_decks()
        decks = [d for d in slide_build.select_decks(every, list(deck_names)) if lecture.is_lecture(d)]
        assets_dir = _assets(assets_dir)
        results = slide_build.build_decks(decks, [DEFAULT_THEME], out_dir, assets_dir)
    except SlideBuildError as err:
        raise click.ClickException(str(err)) from err
    use = lecture.figure_use(every)
    defined = set(slide_build.defined_numbers(assets_dir))
    failed = 0
    for result in results:
        problems = (lecture.source_problems(result.deck, use, defined)
                    + lecture.build_problems(lecture.build_facts(result.pdf)))
        failed += bool(problems)
        click.echo(f"{result.deck.name}: " + ("ok" if not problems else "\n  " + "\n  ".join(problems)))
    click.echo(f"slides check: {len(results) - failed} of {len(results)} lecture decks meet the bar "
               f"({len(every) - len(results)} recap decks not checked)")
    if failed:
        raise click.ClickException(f"{failed} lecture deck(s) below the bar")


@slides.command("clone")
@click.option("--course", required=True, help="Course name for the title slides, e.g. 'CS 249r'.")
@click.option("--term", required=True, help="Term for the title slides, e.g. 'Spring 2027'.")
@click.option("--instructor", default="", help="Instructor name(s) for the title slides.")
@click.option("--theme", type=click.Choice(THEMES), default=DEFAULT_THEME, show_default=True)
@click.option("--volume", type=click.Choice(["1", "2"]), default="1", show_default=True)
@click.option("--chapters", default=None, help="Chapter numbers of the volume: 1-8, 3, 1,4,9-11 (default: all).")
@click.option("--dest", required=True, type=click.Path(path_type=Path), help="New folder for the copy.")
@click.option("--assets", "assets_dir", type=click.Path(path_type=Path), default=DEFAULT_ASSETS,
              show_default=True, help="Where mlsysim numbers and figures are generated.")
def clone_command(course, term, instructor, theme, volume, chapters, dest, assets_dir):
    """Copy decks into DEST as an editable course folder that builds with `latexmk`."""
    from .clone import clone, parse_chapters

    try:
        decks = slide_build.discover_decks([f"vol{volume}"])
        numbers = parse_chapters(chapters, len(decks)) if chapters else [d.number for d in decks]
        chosen = [d for d in decks if d.number in numbers]
        written = clone(chosen, dest, _assets(assets_dir), course=course, term=term, instructor=instructor,
                        theme=theme)
    except SlideBuildError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"slides: cloned {len(written)} decks to {dest}; build them with `cd {dest} && latexmk`")
