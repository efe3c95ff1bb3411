"""Every chapter ends the same way (issue #18, "Consistency across sections").

A reader who has finished one chapter knows where to find the summary, the self-check, the exercises
and the pointers onward in the next one only if every chapter closes in the same order:

    ## Summary {#sec-<slug>-summary}
    ::: {.quiz}
    :::
    ## Exercises {#sec-<slug>-exercises}
    ## Where to go next {#sec-<slug>-next}

The quiz div carries no heading of its own in the source: both renderers turn it into a section that
already starts with a "Self-check" heading (book/_filters/quiz.lua), so a `## Self-check` written above
it shows the heading twice. This check fails, naming file:line and the fix, on

- a heading that reads "Self-check" (or "Self check", "Quiz") in a chapter;
- a second `::: {.quiz}` div;
- the closing parts out of that order, or another section placed between them.

A draft chapter that lacks some closing parts is checked only for the order of those it has (the
content bar reports what is missing).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlsysbook.content.conventions import _prose_lines, book_pages

_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*(?:\{(?P<attrs>[^}]*)\})?\s*$")
_QUIZ_DIV = re.compile(r"^:{3,}\s*\{[^}]*\.quiz\b[^}]*\}")
_SELF_CHECK = re.compile(r"^(?:self[- ]?check(?:\s+quiz)?|quiz)$", re.I)

# The closing parts, in the order every chapter ends with them.
CLOSING = ("summary", "quiz", "exercises", "next")
_LABEL = {"summary": "## Summary", "quiz": "the `::: {.quiz}` div", "exercises": "## Exercises",
          "next": "## Where to go next"}
_TEXT = {"summary": "summary", "exercises": "exercises", "next": "where to go next"}


@dataclass(frozen=True)
class Part:
    kind: str  # one of CLOSING, or "other" for any other level-2 section
    line: int
    text: str


def _kind(text: str, attrs: str) -> str:
    ident = next((t[1:] for t in attrs.split() if t.startswith("#")), "")
    for kind, title in _TEXT.items():
        if text.strip().lower() == title or ident.endswith(f"-{kind}"):
            return kind
    return "other"


def _parts(text: str) -> tuple[list[Part], list[tuple[int, str]]]:
    """Level-2 sections and quiz divs in source order, and the self-check headings found on the way."""
    parts: list[Part] = []
    headings: list[tuple[int, str]] = []
    for number, line in _prose_lines(text):
        heading = _HEADING.match(line)
        if heading:
            title = heading["text"]
            if _SELF_CHECK.match(title.strip()):
                headings.append((number, line.strip()))
            elif len(heading["hashes"]) == 2:
                parts.append(Part(_kind(title, heading["attrs"] or ""), number, title))
        elif _QUIZ_DIV.match(line):
            parts.append(Part("quiz", number, "::: {.quiz}"))
    return parts, headings


def check_chapter_text(path: Path, text: str) -> list[str]:
    """Problems with how one chapter closes, each as `file:line: message` with the fix."""
    problems: list[str] = []
    parts, self_checks = _parts(text)
    for number, heading in self_checks:
        problems.append(f"{path}:{number}: `{heading}` duplicates the quiz's own \"Self-check\" heading (the "
                        "quiz div renders one); delete this heading and keep only the `::: {.quiz}` div, "
                        "directly after the Summary")
    quizzes = [p for p in parts if p.kind == "quiz"]
    for extra in quizzes[1:]:
        problems.append(f"{path}:{extra.line}: a second `::: {{.quiz}}` div (the first is at line "
                        f"{quizzes[0].line}); a chapter has one self-check, so delete this one")
    closing = [p for p in parts if p.kind != "other"]
    seen: dict[str, Part] = {}
    for part in closing:
        if part.kind in seen:
            continue
        seen[part.kind] = part
    present = [seen[k] for k in sorted(seen, key=lambda k: seen[k].line)]
    expected = [k for k in CLOSING if k in seen]
    if [p.kind for p in present] != expected:
        got = ", ".join(_LABEL[p.kind] for p in present)
        want = ", ".join(_LABEL[k] for k in expected)
        first_wrong = next(p for p, k in zip(present, expected) if p.kind != k)
        problems.append(f"{path}:{first_wrong.line}: the chapter closes with {got}; every chapter closes with "
                        f"{want} (ARCHITECTURE.md, \"Chapter format\"). Move the sections into that order")
        return problems
    if "summary" in seen:
        start = seen["summary"].line
        for part in parts:
            if part.kind == "other" and part.line > start:
                problems.append(f"{path}:{part.line}: section `## {part.text}` comes after the Summary; the "
                                "closing parts (Summary, the quiz div, Exercises, Where to go next) end the "
                                "chapter with nothing between them. Move this section above `## Summary`")
    return problems


def chapter_files(book_dir: Path, volumes=("vol1", "vol2")) -> list[Path]:
    """The chapter files the volumes' _quarto.yml list (not the index or the appendices), in reading order."""
    found: list[Path] = []
    for volume in volumes:
        if (Path(book_dir) / volume / "_quarto.yml").is_file():
            found += [page for page, kind in book_pages(Path(book_dir) / volume) if kind == "chapter" and page.is_file()]
    return found


def check_closing(book_dir: Path, volumes=("vol1", "vol2")) -> list[str]:
    """Closing-order problems of every chapter the volumes list."""
    problems: list[str] = []
    for page in chapter_files(book_dir, volumes):
        problems += check_chapter_text(page, page.read_text(encoding="utf-8"))
    return problems
