"""`mlsysbook` command line: one entry point, subcommands contributed by modules.

Each subcommand lives in its own module (owned by the part of the repo it serves) and is
registered here lazily, so a broken optional dependency in one does not break the others.
"""
from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click command or group
SUBCOMMANDS = {
    "build": "mlsysbook.site.cli:build",
    "serve": "mlsysbook.site.cli:serve",
    "check": "mlsysbook.site.cli:check",
    "content-report": "mlsysbook.content.cli:content_report",
    "slides": "mlsysbook.slides.cli:slides",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx, name):
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr)


@click.group(cls=LazyGroup)
@click.version_option(package_name="mlsysbook-tools")
def main():
    """Build, check and serve the MLSysBook site; build and clone lecture slides."""


if __name__ == "__main__":
    main()
