"""Benchmark of the in-browser labs (not a test): what a reader waits for and downloads.

Builds the labs folder as the site does, serves it on loopback the way a static host does (gzip,
Last-Modified, max-age=600) and drives headless Chromium with a disk cache, offline:

- first visit (empty cache): seconds until the lab's controls are live, and bytes downloaded;
- repeat visit without bytecode (runtime cached, the controller's bytecode cache cleared): the reference;
- repeat visit (runtime and the bytecode compiled in the browser on the last visit cached): boot seconds,
  bytes, and control change: seconds from moving a control to the last update of the outputs (median);
- a second lab after the first: bytes (the runtime and packages are shared by every lab).

Targets from the labs issue: repeat-visit boot <= 5 s, control change <= 300 ms, first-visit transfer
<= 15 MB shared by all labs. Boot times scale with free CPU; the load average is printed with them.
Run: ``make bench-labs-browser`` or ``python -m labkit.bench_browser [--only lab,lab] [--moves N]``.
"""
from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

import click

from labkit import wasm
from labkit.browser import (boot, boot_phases, bytecode_stored, change_a_control, forget_bytecode, offline_browser,
                            serve, watch_console)

TARGETS = {"repeat_boot_s": 5.0, "change_s": 0.300, "first_visit_mb": 15.0}
DEFAULT_LABS = "roofline,kv_cache_serving,parallelism_3d"
# the steps of a boot labkit's controller records (see labkit.browser.boot_phases)
BOOT_STEPS = ("loadPyodide", "restoreBytecode", "importMarimo", "labImports", "bytecode files")
NO_BYTECODE = "no bytecode"


@click.command()
@click.option("--only", default=DEFAULT_LABS, show_default=True, help="Comma-separated lab ids to visit in turn.")
@click.option("--moves", default=5, show_default=True, help="Control changes timed per lab.")
def main(only: str, moves: int) -> None:
    labs = [x.strip() for x in only.split(",") if x.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        out, profile = Path(tmp) / "labs", Path(tmp) / "profile"
        out.mkdir()
        wasm.build(out, labs, echo=lambda *_: None)
        click.echo(f"{os.cpu_count()} CPUs")
        click.echo(f"{'lab':<20} {'visit':<11} {'boot':>8} {'MB sent':>8} {'change median':>14} {'max':>7} errors")
        rows = []
        load_before = os.getloadavg()[0]
        with serve(out) as site, offline_browser(site.url, profile=profile) as (context, visit):
            for index, lab_id in enumerate(labs):
                for kind in ("first" if index == 0 else "next lab", NO_BYTECODE, "repeat"):
                    page = context.new_page()
                    watch_console(page, visit)
                    errors, sent = len(visit.errors), site.bytes_sent
                    boot_s = boot(page, f"{site.url}{lab_id}{wasm.APP_SUFFIX}")
                    mb = (site.bytes_sent - sent) / 1e6
                    phases = boot_phases(page)
                    changes = [change_a_control(page)[1] for _ in range(moves)] if kind == "repeat" else []
                    median = statistics.median(changes) if changes else float("nan")
                    rows.append((lab_id, kind, boot_s, mb, median))
                    click.echo(f"{lab_id:<20} {kind:<11} {boot_s:7.1f}s {mb:8.2f} "
                               + (f"{median * 1e3:12.0f}ms {max(changes) * 1e3:5.0f}ms" if changes else f"{'':>14} {'':>7}")
                               + f" {len(visit.errors) - errors}")
                    if phases:
                        click.echo("    boot steps: " + ", ".join(f"{name} {value:.1f}" + ("s" if name != "bytecode files" else "")
                                                              for name, value in phases.items() if name in BOOT_STEPS))
                    # a reader who stays a few seconds leaves the bytecode behind; the next visit measures
                    # either with it or, for the reference, without it
                    bytecode_stored(page)
                    if kind not in (NO_BYTECODE, "repeat"):
                        forget_bytecode(page)
                    page.close()
            if visit.external:
                click.echo(f"EXTERNAL REQUESTS (must be none): {visit.external[:5]}")
    first = next(r for r in rows if r[1] == "first")
    repeats = [r for r in rows if r[1] == "repeat"]
    references = [r for r in rows if r[1] == NO_BYTECODE]
    repeat_s, reference_s = statistics.median(r[2] for r in repeats), statistics.median(r[2] for r in references)
    click.echo(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    click.echo(f"first-visit transfer {first[3]:.1f} MB (target <= {TARGETS['first_visit_mb']:.0f} MB); "
               f"repeat-visit boot median {repeat_s:.1f} s (target <= {TARGETS['repeat_boot_s']:.0f} s), "
               f"{reference_s:.1f} s without the browser's bytecode ({repeat_s / reference_s:.2f}x); control change "
               f"median {statistics.median(r[4] for r in repeats) * 1e3:.0f} ms (target <= {TARGETS['change_s'] * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()
