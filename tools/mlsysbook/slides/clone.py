"""Clone decks into a self-contained, editable folder for one course offering.

The copy holds the chosen decks (renamed NN-slug.tex), the deck package and the four themes,
the mlsysim numbers and figures, a course-settings.cfg with course, term, instructor and theme
for the title slides, and a latexmkrc, so `latexmk` in that folder builds every deck on its own.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from .build import FIGURE_REF, THEME_DIR, Deck, SlideBuildError, check_theme

_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                   "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def parse_chapters(spec: str, available: int) -> list[int]:
    """'1-8', '3', '1,4,9-11' -> sorted chapter numbers, each within 1..available."""
    chosen: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise SlideBuildError(f"--chapters {spec!r}: {part!r} is not a number or range; write e.g. 1-8 or 1,3,5-7")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first > last:
            raise SlideBuildError(f"--chapters {spec!r}: range {part} runs backwards; write {last}-{first}")
        if first < 1 or last > available:
            raise SlideBuildError(f"--chapters {spec!r}: chapters run from 1 to {available} in this volume")
        chosen.update(range(first, last + 1))
    return sorted(chosen)


def clone(decks: list[Deck], dest: Path, assets_dir: Path, *, course: str, term: str, instructor: str,
          theme: str) -> list[Path]:
    """Write the course copy into dest (which must be empty or absent); return the deck files written."""
    check_theme(theme)
    if dest.exists() and any(dest.iterdir()):
        raise SlideBuildError(f"--dest {dest} is not empty; choose a new folder so no edited deck is overwritten")
    dest.mkdir(parents=True, exist_ok=True)
    for sty in sorted(THEME_DIR.glob("*.sty")):
        shutil.copy2(sty, dest / sty.name)
    shutil.copy2(assets_dir / "mlsysnumbers.tex", dest / "mlsysnumbers.tex")
    figures = dest / "figures"
    figures.mkdir()
    written = []
    for deck in decks:
        source = deck.source.read_text()
        target = dest / f"{deck.number:02d}-{deck.slug}.tex"
        target.write_text(source)
        written.append(target)
        for figure in FIGURE_REF.findall(source):
            shutil.copy2(assets_dir / f"{figure}.pdf", figures / f"{figure}.pdf")
    (dest / "course-settings.cfg").write_text(
        "% Title-slide details and theme for every deck in this folder; edit freely.\n"
        f"\\def\\mlsyscourse{{{latex_escape(course)}}}\n"
        f"\\def\\mlsysterm{{{latex_escape(term)}}}\n"
        f"\\def\\mlsysinstructor{{{latex_escape(instructor)}}}\n"
        f"% Themes: crimson, midnight, minimal, nature\n"
        f"\\def\\mlsystheme{{{theme}}}\n")
    names = ", ".join(f"'{p.name}'" for p in written)
    (dest / "latexmkrc").write_text(
        "# Build every deck in this folder with pdflatex: run `latexmk` here.\n"
        "$pdf_mode = 1;\n"
        f"@default_files = ({names});\n")
    (dest / "README.md").write_text(
        f"# {course}: lecture decks ({term})\n\n"
        "Editable Beamer decks cloned from MLSysBook (`mlsysbook slides clone`).\n\n"
        "- Build all decks: `latexmk` (needs pdflatex, latexmk and the Debian texlive-latex-extra set).\n"
        "- Build one deck: `latexmk -pdf 01-introduction.tex` (any deck file name).\n"
        "- Course name, term, instructor and theme: `course-settings.cfg`.\n"
        "- Napkin-math numbers (`\\mnum{...}`) come from `mlsysnumbers.tex`, computed with mlsysim;\n"
        "  re-clone to refresh them after a catalog update.\n")
    return written
