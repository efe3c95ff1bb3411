"""Benchmark of the in-browser labs (not a test): what a reader waits for and downloads.

Builds the labs folder as the site does, serves it on loopback the way a static host does (gzip,
Last-Modified, max-age=600) and drives headless Chromium with a disk cache, offline:

- first visit (empty cache): seconds until the lab's controls are live, and bytes downloaded;
- control change: seconds from moving a control to the last update of the outputs (median of moves);
- repeat visit (same browser, runtime cached): boot seconds and bytes downloaded;
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
from labkit.browser import boot, boot_phases, change_a_control, offline_browser, serve, watch_console

TARGETS = {"repeat_boot_s": 5.0, "change_s": 0.300, "first_visit_mb": 15.0}
DEFAULT_LABS = "roofline,kv_cache_serving,parallelism_3d"
# the spans of marimo's worker that make up a boot (see labkit.browser.boot_phases)
BOOT_STEPS = ("loadPyodide", "startSession.runPython", "pyodide.loadPackage", "micropip.install", "startSession")


@click.command()
@click.option("--only", default=DEFAULT_LABS, show_default=True, help="Comma-separated lab ids to visit in turn.")
@click.option("--moves", default=5, show_default=True, help="Control changes timed per lab.")
def main(only: str, moves: int) -> None:
    labs = [x.strip() for x in only.split(",") if x.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        out, profile = Path(tmp) / "labs", Path(tmp) / "profile"
        out.mkdir()
        wasm.build(out, labs, echo=lambda *_: None)
        click.echo(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        click.echo(f"{'lab':<20} {'visit':<9} {'boot':>8} {'MB sent':>8} {'change median':>14} {'max':>7} errors")
        rows = []
        with serve(out) as site, offline_browser(site.url, profile=profile) as (context, visit):
            for index, lab_id in enumerate(labs):
                for kind in ("first" if index == 0 else "next lab", "repeat"):
                    page = context.new_page()
                    watch_console(page, visit)
                    errors, sent = len(visit.errors), site.bytes_sent
                    boot_s = boot(page, f"{site.url}{lab_id}{wasm.APP_SUFFIX}")
                    mb = (site.bytes_sent - sent) / 1e6
                    phases = boot_phases(page)
                    changes = [change_a_control(page)[1] for _ in range(moves)] if kind == "repeat" else []
                    median = statistics.median(changes) if changes else float("nan")
                    rows.append((lab_id, kind, boot_s, mb, median))
                    click.echo(f"{lab_id:<20} {kind:<9} {boot_s:7.1f}s {mb:8.2f} "
                               + (f"{median * 1e3:12.0f}ms {max(changes) * 1e3:5.0f}ms" if changes else f"{'':>14} {'':>7}")
                               + f" {len(visit.errors) - errors}")
                    if phases:
                        click.echo("    boot steps: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in phases.items()
                                                              if name in BOOT_STEPS))
                    page.close()
            if visit.external:
                click.echo(f"EXTERNAL REQUESTS (must be none): {visit.external[:5]}")
    first = next(r for r in rows if r[1] == "first")
    repeats = [r for r in rows if r[1] == "repeat"]
    click.echo(f"first-visit transfer {first[3]:.1f} MB (target <= {TARGETS['first_visit_mb']:.0f} MB); "
               f"repeat-visit boot median {statistics.median(r[2] for r in repeats):.1f} s (target <= "
               f"{TARGETS['repeat_boot_s']:.0f} s); control change median "
               f"{statistics.median(r[4] for r in repeats) * 1e3:.0f} ms (target <= {TARGETS['change_s'] * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()
