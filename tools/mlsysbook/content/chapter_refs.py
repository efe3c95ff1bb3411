"""A chapter refers to another chapter of its volume by cross-reference, never by a typed word (issue #18).

`Chapter [Introduction](../introduction/introduction.qmd)` reads "Chapter Introduction" where every other
reference in the book reads "Chapter 1"; `Chapter @sec-introduction` reads "Chapter Chapter 1". Both
renderers print `@sec-<slug>` as "Chapter N" with a link (Quarto's own wording for a chapter), so the check
fails on either form, naming file:line and the `@sec-` reference to write instead. Links into the other
volume (`../../vol1/...`) stay links: a cross-reference cannot cross volumes.
"""
from __future__ import annotations

import re
from pathlib import Path

from mlsysbook.content.closing import chapter_files
from mlsysbook.content.conventions import _prose_lines

# "Chapter [Title](../slug/slug.qmd)", the word and the link possibly on two lines (joined before matching)
_TYPED = re.compile(r"\b(?P<word>[Cc]hapters?)\s+\[(?P<title>[^\]]+)\]\(\.\./(?P<slug>\w+)/(?P=slug)\.qmd(?:#[\w-]+)?\)")
_DOUBLED = re.compile(r"\b(?P<word>[Cc]hapters?)\s+@(?P<ref>sec-\w+)\b(?![-\w])")


def check_text(path: Path, text: str) -> list[str]:
    """Typed chapter references in one chapter's prose, each as `file:line: message` with the fix."""
    problems = []
    lines = _prose_lines(text)
    for index, (number, line) in enumerate(lines):
        # one line plus the next, so a reference wrapped after the word "Chapter" is found once, where it starts
        following = lines[index + 1][1] if index + 1 < len(lines) and lines[index + 1][0] == number + 1 else ""
        joined = line + "\n" + following
        for match in _TYPED.finditer(joined):
            if match.start() >= len(line):
                continue
            problems.append(f"{path}:{number}: `{match['word']} [{match['title']}](...)` reads \"{match['word']} "
                            f"{match['title']}\" instead of a chapter number; write `@sec-{match['slug']}`, which "
                            "both renderers print as \"Chapter N\" with the link")
        for match in _DOUBLED.finditer(joined):
            if match.start() >= len(line):
                continue
            problems.append(f"{path}:{number}: `{match['word']} @{match['ref']}` reads \"Chapter Chapter N\"; "
                            f"drop the word and write `@{match['ref']}`")
    return problems


def check_chapter_refs(book_dir: Path, volumes=("vol1", "vol2")) -> list[str]:
    problems: list[str] = []
    for page in chapter_files(book_dir, volumes):
        problems += check_text(page, page.read_text(encoding="utf-8"))
    return problems
