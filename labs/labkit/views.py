"""Page furniture shared by every lab: header, predict-first prompt, limit callout, reflections, tables."""
from __future__ import annotations

import html
from typing import Any, Iterable, Mapping, Sequence

import marimo as mo

from labkit.catalog import lab_info

VOLUME_NAMES = {"vol1": "Volume I", "vol2": "Volume II"}


def header(lab_id: str) -> mo.Html:
    """Title, the chapter this lab belongs to (linked back), and the learning goal."""
    info = lab_info(lab_id)
    return mo.md(
        f"# {info.title}\n\n"
        f"**Chapter:** [{info.chapter_title}]({info.chapter_href}) · {VOLUME_NAMES[info.volume]}  \n"
        f"**Learning goal:** {info.goal}\n\n"
        f"<small>Hardware, model and system numbers come from MLSys·im, which records a source for each; "
        f"controls marked as your assumption or measurement are inputs for you to set. Run the lab "
        f"locally with `marimo run labs/{lab_id}.py`.</small>"
    )


def limit(hit: bool, headline: str, explanation: str, formula: str = "") -> mo.Html:
    """Explain which resource binds; ``hit`` turns the callout into a warning."""
    parts = [f"**{'Limit hit: ' if hit else 'Within limits: '}{headline}**", explanation]
    if formula:
        parts.append(formula_box(formula))
    return mo.callout(mo.md("\n\n".join(parts)), kind="warn" if hit else "success")


def formula_box(formula: str) -> str:
    """A monospace block whose long lines wrap inside the page instead of overflowing it."""
    return ('<pre class="lab-formula" style="white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%;'
            'font-size:0.85em;margin:0">' + html.escape(formula.strip()) + "</pre>")


def adjusted(notes: Sequence[str]) -> mo.Html:
    """Say which dependent controls the lab moved to the nearest valid value (and why), or nothing."""
    if not notes:
        return mo.md("")
    return mo.callout(mo.md("**Adjusted to a valid combination.** " + " ".join(notes)), kind="neutral")


def reflections(pairs: Sequence[tuple[str, str]]) -> mo.Html:
    """Reflection questions, each with its answer hidden in an accordion."""
    if len(pairs) < 2:
        raise ValueError("a lab needs at least two reflection questions; pass (question, answer) pairs")
    blocks = [mo.md("## Reflect")]
    for number, (question, answer) in enumerate(pairs, start=1):
        blocks.append(mo.md(f"**{number}.** {question}"))
        blocks.append(mo.accordion({"Show answer": mo.md(answer)}))
    return mo.vstack(blocks)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(rows: Sequence[Mapping[str, Any]], caption: str = "", highlight: int | None = None) -> mo.Html:
    """A Markdown table; ``highlight`` bolds the row that matches the current controls."""
    if not rows:
        return mo.md(f"*{caption}: no rows*" if caption else "*no rows*")
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for index, row in enumerate(rows):
        cells = [_cell(row.get(c, "")) for c in columns]
        if index == highlight:
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    if caption:
        text = f"**{caption}**\n\n{text}"
    return mo.md(text)
