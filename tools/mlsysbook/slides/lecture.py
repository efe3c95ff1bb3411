"""The lecture bar: what a deck marked `% lecture: true` must have to carry a 75-minute class.

Checked on the deck's source (the lecture arc, deck-specific figures, mlsysim keys) and on its
build (frame count from the .nav file; diagrams and speaker notes from the lines mlsysdeck.sty
writes to the log: "mlsysdeck: tikzpicture on frame N", "mlsysdeck: note on frame N").
Decks without the marker are the older 15-minute recaps and keep their own, smaller bar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .build import FIGURE_REF, HANDOUT_LABEL, MNUM, Deck

LECTURE_MARK = re.compile(r"^%\s*lecture:\s*true\s*$", re.M)
FRAMES = (25, 40)
MIN_DIAGRAM_FRAMES = 3
MAX_DECKS_PER_FIGURE = 2
HANDOUT_FRAMES = (4, 8)      # the handout puts these on one page, eight at most
# The chapter's arc, as the mlsysdeck environments that carry each part, in teaching order.
ARC = ("objectives", "motivation", "napkin", "worked", "pitfall", "checkquestion", "checkanswer",
       "labhandoff", "summary")

_FRAMEPAGES = re.compile(r"\\beamer@framepages\s*\{(\d+)\}")
_TIKZ = re.compile(r"^mlsysdeck: tikzpicture on frame (\d+)$", re.M)
_NOTE = re.compile(r"^mlsysdeck: note on frame (\d+)$", re.M)


def is_lecture(deck: Deck) -> bool:
    return bool(LECTURE_MARK.search(deck.source.read_text()))


@dataclass(frozen=True)
class BuildFacts:
    """What one slides build of a deck contains, read from its .nav and .log."""
    frames: int
    diagram_frames: frozenset[int]
    noted_frames: frozenset[int]

    @property
    def frames_without_notes(self) -> list[int]:
        # Frame 1 is the title frame; every other frame is a content frame and needs notes.
        return [n for n in range(2, self.frames + 1) if n not in self.noted_frames]


def build_facts(pdf: Path) -> BuildFacts:
    nav = pdf.with_suffix(".nav").read_text(errors="replace")
    log = pdf.with_suffix(".log").read_text(errors="replace")
    frames = len(_FRAMEPAGES.findall(nav))
    return BuildFacts(frames, frozenset(int(n) for n in _TIKZ.findall(log)),
                      frozenset(int(n) for n in _NOTE.findall(log)))


def figure_use(decks: list[Deck]) -> dict[str, set[str]]:
    """Figure name -> the decks that show it."""
    use: dict[str, set[str]] = {}
    for deck in decks:
        for name in FIGURE_REF.findall(deck.source.read_text()):
            use.setdefault(name, set()).add(deck.name)
    return use


def source_problems(deck: Deck, use: dict[str, set[str]], defined_numbers: set[str]) -> list[str]:
    """What a lecture deck's source lacks: the arc in order, a figure of its own, known mlsysim keys."""
    source = deck.source.read_text()
    problems = []
    positions = {}
    for part in ARC:
        found = source.find(f"\\begin{{{part}}}")
        if found < 0:
            problems.append(f"no `{part}` frame (the lecture arc is {', '.join(ARC)})")
        positions[part] = found
    if 0 <= positions["checkanswer"] < positions["checkquestion"]:
        problems.append("the check-your-understanding answer comes before its question")
    figures = set(FIGURE_REF.findall(source))
    if not any(use.get(name) == {deck.name} for name in figures):
        problems.append("no figure of its own: add an mlsysim or chapter figure that only this deck shows")
    for name in sorted(figures):
        if len(use.get(name, ())) > MAX_DECKS_PER_FIGURE:
            problems.append(f"figure {name} is shown in {len(use[name])} decks ({', '.join(sorted(use[name]))}); "
                            f"at most {MAX_DECKS_PER_FIGURE} may share one")
    unknown = sorted(set(MNUM.findall(source)) - defined_numbers)
    if unknown:
        problems.append(f"unknown mlsysim number keys {', '.join(unknown)}")
    handout = set(HANDOUT_LABEL.findall(source))
    if not HANDOUT_FRAMES[0] <= len(handout) <= HANDOUT_FRAMES[1]:
        problems.append(f"{len(handout)} handout frames (label=handout-...); the one-page handout needs "
                        f"{HANDOUT_FRAMES[0]}-{HANDOUT_FRAMES[1]}")
    return problems


def build_problems(facts: BuildFacts) -> list[str]:
    """What a lecture deck's build lacks: length, diagrams, speaker notes."""
    problems = []
    if not FRAMES[0] <= facts.frames <= FRAMES[1]:
        problems.append(f"{facts.frames} frames; a 75-minute lecture has {FRAMES[0]}-{FRAMES[1]}")
    if len(facts.diagram_frames) < MIN_DIAGRAM_FRAMES:
        problems.append(f"TikZ diagrams on {len(facts.diagram_frames)} frames; draw the chapter's mechanisms "
                        f"on at least {MIN_DIAGRAM_FRAMES}")
    if facts.frames_without_notes:
        problems.append(f"frames without speaker notes (\\note{{...}}): {facts.frames_without_notes}")
    return problems
