"""`mlsysbook` command line: one entry point, subcommands contributed by modules.

Each subcommand lives in its own module (owned by the part of the repo it serves) and is
registered here lazily, so a broken optional dependency in one does not break the others.
"""
from __future__ import annotations

import importlib

import click

# name -> ("module:attribute" of a click command or group, one-line help shown by --help)
SUBCOMMANDS = {
    "build": ("mlsysbook.site.cli:build", "Build the site into _site/ (quarto or the embedded renderer)."),
    "serve": ("mlsysbook.site.cli:serve", "Serve _site/ on http://127.0.0.1:PORT."),
    "check": ("mlsysbook.site.cli:check", "Check links, anchors, cross-refs, citations, TOC and cells."),
    "export": ("mlsysbook.site.cli:export", "Write each volume as a PDF and an EPUB (build/downloads/)."),
    "parity": ("mlsysbook.site.cli:parity", "Render the volumes with quarto and the embedded renderer; list differences."),
    "content-report": ("mlsysbook.content.cli:content_report", "Per-chapter content report and bar check."),
    "slides": ("mlsysbook.slides.cli:slides", "Build lecture decks and clone them for a course."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(SUBCOMMANDS)

    def format_commands(self, ctx, formatter):
        # Listing must not import every subcommand: one missing optional dependency
        # should not break `mlsysbook --help`.
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUBCOMMANDS[name][1]) for name in sorted(SUBCOMMANDS)])

    def get_command(self, ctx, name):
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target[0].split(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr)


@click.group(cls=LazyGroup)
@click.version_option(package_name="mlsysbook-tools")
def main():
    """Build, check and serve the MLSysBook site; build and clone lecture slides."""


if __name__ == "__main__":
    main()
