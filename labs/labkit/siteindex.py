"""Render the labs section index (labs/site/index.qmd) from labs/labs.yml.

The page is committed so the site builds without running Python; a test fails when it drifts from
labs.yml. Regenerate it with ``make labs-index``.
"""
from __future__ import annotations

from pathlib import Path

import click

from labkit.catalog import LabInfo, load_catalog

VOLUMES = {"vol1": "Volume I: Build, Optimize, Deploy", "vol2": "Volume II: Scale, Distribute, Govern"}


def _row(info: LabInfo) -> str:
    chapter = f"[{info.chapter_title}]({info.chapter_href})"
    return f"| [{info.title}]({info.lab_id}.html) | {chapter} | {info.goal} |"


def render_index() -> str:
    catalog = load_catalog()
    lines = [
        "---",
        'title: "Labs"',
        "---",
        "",
        "# Labs {#sec-labs}",
        "",
        "Each lab is a [marimo](https://marimo.io) notebook attached to one chapter. It opens with a",
        "question to answer *before* touching anything, then gives you sliders, dropdowns and switches",
        "over a real system: a model, an accelerator, a cluster. Every hardware, model and system number",
        "comes from MLSys·im, the same engine the chapters use, so a lab and its chapter agree. Somewhere in each lab",
        "a limit is hit (memory, bandwidth, a failure rate, a carbon budget); the lab names the resource",
        "that binds and shows the formula with the numbers in it. Two reflection questions close it.",
        "",
        "Each lab runs in your browser: the first one you open downloads Python (Pyodide) and the lab",
        "packages from this site, about 17 MB once, shared by every lab and cached; nothing is sent anywhere.",
        "You can also run any lab with a local Python kernel (see [Running the labs](running.qmd)).",
        "",
    ]
    for volume, heading in VOLUMES.items():
        labs = [info for info in catalog.values() if info.volume == volume]
        if not labs:
            continue
        lines += [f"## {heading} {{#sec-labs-{volume}}}", "", "| Lab | Chapter | What you will find out |",
                  "|---|---|---|"]
        lines += [_row(info) for info in labs]
        lines += ["", f": Labs for {heading.split(':')[0]} {{#tbl-labs-{volume}}}", ""]
    return "\n".join(lines).rstrip() + "\n"


@click.command()
@click.option("--write", "target", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the page to this file instead of printing it.")
def main(target: Path | None) -> None:
    text = render_index()
    if target is None:
        click.echo(text, nl=False)
    else:
        target.write_text(text, encoding="utf-8")
        click.echo(f"wrote {target}")


if __name__ == "__main__":
    main()
