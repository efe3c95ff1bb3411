"""Plain-text layout shared by the terminal, the JSON export and the HTML pages.

Question prose is written as YAML block scalars with hard line breaks. ``reflow`` joins those
lines into paragraphs while keeping ``- `` list items on their own lines, so every front end sees
the same structure and none of them interprets markup from the bank.
"""

from __future__ import annotations

import re

_ITEM = re.compile(r"^\s*- ")
_BLOCK_SPLIT = re.compile(r"\n\s*\n")


def reflow(text: str) -> str:
    paragraphs = []
    for block in _BLOCK_SPLIT.split(text.strip()):
        lines: list[str] = []
        for raw in block.splitlines():
            line = raw.strip()
            if not line:
                continue
            if _ITEM.match(raw):
                lines.append("- " + _ITEM.sub("", raw).strip())
            elif lines:
                lines[-1] += " " + line
            else:
                lines.append(line)
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """``[("p", [text]), ("ul", [item, ...]), ...]`` from reflowed text."""
    out: list[tuple[str, list[str]]] = []
    for paragraph in _BLOCK_SPLIT.split(text.strip()):
        in_list = False
        for line in paragraph.splitlines():
            if not line.strip():
                continue
            if _ITEM.match(line):
                if in_list:
                    out[-1][1].append(_ITEM.sub("", line))
                else:
                    out.append(("ul", [_ITEM.sub("", line)]))
                    in_list = True
            else:
                out.append(("p", [line]))
                in_list = False
    return out
