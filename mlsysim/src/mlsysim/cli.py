"""``mlsysim`` command line: catalogs, roofline, memory, training, serving, collectives, edge, validation.

Every command accepts ``--json`` for machine-readable output; otherwise it prints aligned tables and
the result's explanation.
"""
from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from . import catalog
from .collectives import collective
from .edge import edge_fit
from .errors import MLSysimError
from .memory import inference_memory, training_memory
from .roofline import matmul, model_roofline, roofline
from .queueing import simulate_queue
from .serving import serve
from .training import train_step
from .units import fmt_bytes, fmt_count, fmt_rate, fmt_time
from .validation import run_validation, summary

console = Console()
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")


def _emit(result, as_json: bool, rows: list[tuple[str, str]] | None = None) -> None:
    if as_json:
        click.echo(json.dumps(result.to_dict() if hasattr(result, "to_dict") else result, indent=2, default=str))
        return
    if rows:
        table = Table(show_header=False, box=None)
        table.add_column(style="bold")
        table.add_column(justify="right")
        for key, value in rows:
            table.add_row(key, value)
        console.print(table)
    click.echo(result.explain())


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MLSysimError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.version_option(package_name="mlsysim")
def main() -> None:
    """MLSys·im: analytical models of ML systems."""


@main.command("list")
@click.argument("kind", type=click.Choice(["hardware", "models", "interconnects", "nodes", "regions"]))
@click.option("--category", default=None, help="hardware: datacenter, cpu, edge or mcu")
@click.option("--family", default=None, help="models: family or kind (llama, cnn, transformer, ...)")
@json_option
def list_cmd(kind: str, category: str | None, family: str | None, as_json: bool) -> None:
    """List catalog entries."""
    if kind == "hardware":
        names = catalog.list_hardware(category)
        rows = [catalog.hardware(n) for n in names]
        columns = ["name", "category", "bf16/peak", "memory", "bandwidth", "TDP"]
        cells = [[h.name, h.category, fmt_rate(max(h.peak_flops_by_dtype.values())) if not h.supports("bf16") else fmt_rate(h.peak_flops("bf16")),
                  fmt_bytes(h.memory_bytes), fmt_rate(h.memory_bw_bytes_per_s, "B/s"), f"{h.tdp_w:g} W" if h.tdp_w else "-"] for h in rows]
    elif kind == "models":
        names = catalog.list_models(family)
        rows = [catalog.model(n) for n in names]
        columns = ["name", "kind", "family", "params", "active params"]
        cells = [[m.name, m.kind, m.family, f"{m.params:.4g}", f"{m.active_params:.4g}"] for m in rows]
    elif kind == "interconnects":
        names = catalog.list_interconnects()
        rows = [catalog.interconnect(n) for n in names]
        columns = ["name", "kind", "per-direction bandwidth", "latency"]
        cells = [[l.name, l.kind, fmt_rate(l.bandwidth_bytes_per_s, "B/s"), f"{l.latency_s * 1e6:g} us"] for l in rows]
    elif kind == "regions":
        from .energy import grid_intensity, list_regions
        rows = [{"region": r, "gco2_per_kwh": grid_intensity(r)} for r in list_regions()]
        if as_json:
            click.echo(json.dumps(rows, indent=2))
            return
        columns = ["region", "gCO2e/kWh"]
        cells = [[r["region"], f"{r['gco2_per_kwh']:g}"] for r in rows]
    else:
        names = catalog.list_nodes()
        rows = [catalog.node(n) for n in names]
        columns = ["name", "accelerator", "count", "intra", "inter (per device)"]
        cells = [[n.name, n.accelerator.name, str(n.count), n.intra_link.name, n.inter_link.name] for n in rows]
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2, default=str))
        return
    table = Table(*columns)
    for row in cells:
        table.add_row(*row)
    console.print(table)


@main.command()
@click.argument("name")
@json_option
def show(name: str, as_json: bool) -> None:
    """Show one hardware, model, interconnect or node entry with its source."""
    for lookup in (catalog.hardware, catalog.model, catalog.interconnect, catalog.node):
        try:
            record = lookup(name)
            break
        except KeyError:
            continue
    else:
        from .errors import UnknownNameError
        raise UnknownNameError("catalog entry", name, catalog.list_hardware() + catalog.list_models()
                               + catalog.list_interconnects() + catalog.list_nodes())
    data = record.to_dict()
    if isinstance(record, catalog.Model):
        data.update(params=record.params, active_params=record.active_params)
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    peaks = data.pop("peak_flops_by_dtype", None)
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for key, value in data.items():
        table.add_row(key, _readable(key, value))
    console.print(table)
    if peaks:
        console.print("\n[bold]dense peak per data type[/bold] (integer types count OP/s)")
        console.print(_peaks_table(record, peaks))


_BINARY = ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))


def _fmt_capacity(value: float) -> str:
    """Decimal engineering units; binary-sized capacities (MCU SRAM, DRAM) also in KiB/MiB/GiB."""
    decimal = fmt_bytes(value)
    for factor, unit in _BINARY:
        if value >= factor and value % factor == 0 and value % 10**3 != 0:
            return f"{value / factor:g} {unit} ({decimal})"
    return decimal


def _readable(key: str, value) -> str:
    """Engineering-unit rendering chosen from the unit suffix of the field name."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if key.endswith("_bytes_per_s"):
        return fmt_rate(value, "B/s")
    if key.endswith("_bytes"):
        return _fmt_capacity(value)
    if key.endswith("_flops"):
        return fmt_rate(value)
    if key.endswith("_flop"):
        return fmt_count(value, "FLOP")
    if key.endswith("_usd"):
        return f"${value:,.0f}"
    if key.endswith("_w"):
        return f"{value:,g} W"
    if key.endswith("_s"):
        return fmt_time(value)
    if key.endswith("fraction"):
        return f"{value:.0%}"
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4g}" if isinstance(value, float) else f"{value:,}"


_PREFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""))


def _peaks_table(record, peaks: dict) -> Table:
    """One row per data type in a single prefix (the largest that keeps every peak >= 1) so digits align."""
    smallest = min(peaks.values())
    factor, prefix = next(((f, p) for f, p in _PREFIXES if smallest >= f), _PREFIXES[-1])
    table = Table(box=None)
    table.add_column("dtype", style="bold")
    table.add_column(f"{prefix}FLOP/s", justify="right")
    ridge = getattr(record, "memory_bw_bytes_per_s", None)
    if ridge:
        table.add_column("ridge (FLOP/B)", justify="right")
    for dtype, value in peaks.items():
        row = [dtype, f"{value / factor:,.1f}"]
        if ridge:
            intensity = value / ridge
            row.append(f"{intensity:,.0f}" if intensity >= 100 else f"{intensity:.3g}")
        table.add_row(*row)
    return table


@main.command("roofline")
@click.option("--hw", required=True)
@click.option("--model", "model_name", default=None, help="roofline of a whole model phase instead of a kernel")
@click.option("--phase", default="decode", help="with --model: prefill, decode, inference or training")
@click.option("--batch", type=int, default=1)
@click.option("--seq-len", type=int, default=2048)
@click.option("--flop", type=float, help="operation count of the kernel")
@click.option("--bytes", "bytes_moved", type=float, help="bytes moved to/from memory")
@click.option("--matmul", "mnk", nargs=3, type=int, default=None, help="M N K of a GEMM instead of flop/bytes")
@click.option("--dtype", default="bf16")
@json_option
def roofline_cmd(hw, model_name, phase, batch, seq_len, flop, bytes_moved, mnk, dtype, as_json) -> None:
    """Roofline of a kernel (--flop/--bytes), a GEMM (--matmul M N K) or a model phase (--model)."""
    if model_name:
        result = model_roofline(model_name, hw, phase, batch, seq_len, dtype)
    elif mnk:
        result = matmul(hw, *mnk, dtype=dtype)
    elif flop is not None and bytes_moved is not None:
        result = roofline(hw, flop, bytes_moved, dtype)
    else:
        raise click.UsageError("give --matmul M N K, or both --flop and --bytes")
    _emit(result, as_json)


@main.command()
@click.option("--model", "model_name", required=True)
@click.option("--mode", type=click.Choice(["training", "inference"]), default="training")
@click.option("--batch", type=int, default=1)
@click.option("--seq-len", type=int, default=2048)
@click.option("--dtype", default="bf16", help="training precision or inference weight dtype")
@click.option("--optimizer", default="adam")
@click.option("--zero-stage", type=int, default=0)
@click.option("--dp", type=int, default=1)
@click.option("--tp", type=int, default=1)
@click.option("--pp", type=int, default=1)
@click.option("--recompute", type=click.Choice(["none", "full", "selective"]), default="none")
@click.option("--hw", default=None, help="check the fit on this device")
@json_option
def memory(model_name, mode, batch, seq_len, dtype, optimizer, zero_stage, dp, tp, pp, recompute, hw, as_json) -> None:
    """Per-device memory for training or inference, optionally checked against a device."""
    if mode == "training":
        result = training_memory(model_name, batch, seq_len, optimizer=optimizer, precision=dtype, zero_stage=zero_stage,
                                 dp=dp, tp=tp, pp=pp, recompute=recompute)
    else:
        result = inference_memory(model_name, batch, seq_len, dtype=dtype, n_devices=tp)
    if as_json:
        data = result.to_dict()
        if hw:
            data["fit"] = result.fits(hw).to_dict()
        click.echo(json.dumps(data, indent=2))
        return
    rows = [("weights", fmt_bytes(result.weights_bytes)), ("gradients", fmt_bytes(result.grads_bytes)),
            ("optimizer", fmt_bytes(result.optimizer_bytes)), ("activations", fmt_bytes(result.activations_bytes)),
            ("KV cache", fmt_bytes(result.kv_cache_bytes)), ("total", fmt_bytes(result.total_bytes))]
    _emit(result, False, rows)
    if hw:
        click.echo(result.fits(hw).explain())


@main.command()
@click.option("--model", "model_name", required=True)
@click.option("--system", required=True, help="node (DGX-H100) or device (H100-SXM)")
@click.option("--devices", type=int, required=True)
@click.option("--global-batch", type=int, required=True, help="sequences per step")
@click.option("--seq-len", type=int, default=4096)
@click.option("--tp", type=int, default=1)
@click.option("--pp", type=int, default=1)
@click.option("--ep", type=int, default=1)
@click.option("--cp", type=int, default=1, help="context parallelism (splits each sequence)")
@click.option("--sp", is_flag=True)
@click.option("--micro-batch", type=int, default=1)
@click.option("--zero-stage", type=int, default=0)
@click.option("--precision", default="bf16")
@click.option("--recompute", type=click.Choice(["none", "full", "selective"]), default="none")
@click.option("--virtual-stages", type=int, default=1)
@json_option
def train(model_name, system, devices, global_batch, seq_len, tp, pp, ep, cp, sp, micro_batch, zero_stage, precision,
          recompute, virtual_stages, as_json) -> None:
    """Training step time, throughput, MFU and its breakdown."""
    result = train_step(model_name, system, devices, global_batch, seq_len, tp=tp, pp=pp, ep=ep, cp=cp, sp=sp,
                        micro_batch=micro_batch, zero_stage=zero_stage, precision=precision, recompute=recompute,
                        virtual_stages=virtual_stages)
    rows = [("step time", f"{result.step_time_s:.4g} s"), ("tokens/s", f"{result.tokens_per_s:,.0f}"), ("MFU", f"{result.mfu:.1%}"),
            ("compute", f"{result.compute_s:.4g} s"), ("exposed comm", f"{result.exposed_comm_s:.4g} s"),
            ("bubble", f"{result.bubble_s:.4g} s"), ("memory/device", fmt_bytes(result.memory.total_bytes))]
    _emit(result, as_json, rows)


@main.command("serve")
@click.option("--model", "model_name", required=True)
@click.option("--hw", required=True)
@click.option("--batch", type=int, default=1)
@click.option("--prompt-len", type=int, default=512)
@click.option("--output-len", type=int, default=128)
@click.option("--dtype", default="bf16")
@click.option("--devices", type=int, default=1)
@json_option
def serve_cmd(model_name, hw, batch, prompt_len, output_len, dtype, devices, as_json) -> None:
    """Serving latency (TTFT, TPOT), throughput and KV-limited concurrency."""
    result = serve(model_name, hw, batch, prompt_len, output_len, dtype=dtype, n_devices=devices)
    rows = [("TTFT", f"{result.ttft_s * 1e3:.3g} ms"), ("TPOT", f"{result.tpot_s * 1e3:.3g} ms"),
            ("tokens/s", f"{result.tokens_per_s:,.0f}"), ("max concurrency", str(result.max_concurrency))]
    _emit(result, as_json, rows)


@main.command("queue")
@click.option("--model", "model_name", required=True)
@click.option("--hw", required=True)
@click.option("--rate", type=float, required=True, help="request arrivals per second (Poisson)")
@click.option("--requests", type=int, default=1000)
@click.option("--prompt-len", type=int, default=512)
@click.option("--output-len", type=int, default=128)
@click.option("--dtype", default="bf16")
@click.option("--devices", type=int, default=1)
@click.option("--max-batch", type=int, default=None, help="cap on concurrent sequences (default: KV-cache limit)")
@click.option("--seed", type=int, default=0)
@json_option
def queue_cmd(model_name, hw, rate, requests, prompt_len, output_len, dtype, devices, max_batch, seed, as_json) -> None:
    """Simulate a continuously batched server under Poisson load: p50/p99 latency."""
    serving = serve(model_name, hw, 1, prompt_len, output_len, dtype=dtype, n_devices=devices)
    result = simulate_queue(serving, rate, requests, seed, max_concurrency=max_batch)
    rows = [("p50", f"{result.p50_s:.3g} s"), ("p99", f"{result.p99_s:.3g} s"), ("mean batch", f"{result.mean_batch:.1f}"),
            ("capacity", f"{result.capacity_rps:.3g} req/s"), ("stable", "yes" if result.stable else "no")]
    _emit(result, as_json, rows)


@main.command("collective")
@click.option("--op", default="all_reduce")
@click.option("--bytes", "message_bytes", type=float, required=True)
@click.option("--n", type=int, required=True)
@click.option("--link", required=True, help="interconnect (NVLink4) or node (DGX-H100) for hierarchical")
@click.option("--algorithm", default="ring")
@json_option
def collective_cmd(op, message_bytes, n, link, algorithm, as_json) -> None:
    """Collective time with the alpha-beta model."""
    _emit(collective(op, message_bytes, n, link, algorithm), as_json)


@main.command()
@click.option("--model", "model_name", required=True)
@click.option("--hw", required=True)
@click.option("--dtype", default="int8")
@json_option
def edge(model_name, hw, dtype, as_json) -> None:
    """Does a model fit an edge device or MCU; latency and energy per inference."""
    _emit(edge_fit(model_name, hw, dtype), as_json)


@main.command()
@json_option
def validate(as_json) -> None:
    """Compare predictions with published measurements (each case cites its source)."""
    outcomes = run_validation()
    stats = summary(outcomes)
    if as_json:
        click.echo(json.dumps({"cases": [o.__dict__ for o in outcomes], "summary": stats}, indent=2))
        return
    table = Table("case", "split", "category", "metric", "measured", "predicted", "error")
    for o in outcomes:
        table.add_row(o.name, o.split, o.category, o.metric, f"{o.measured:.4g}", f"{o.predicted:.4g}", f"{o.error:+.1%}")
    console.print(table)
    summary_table = Table("split", "category", "cases", "median |error|", "p90 |error|", "worst |error|", "worst case")
    for split, block in stats["splits"].items():
        rows = [("all", block)] + list(block["categories"].items())
        for category, row in rows:
            if row["cases"]:
                summary_table.add_row(split, category, str(row["cases"]), f"{row['median_abs_error']:.1%}",
                                      f"{row['p90_abs_error']:.1%}", f"{row['max_abs_error']:.1%}", row["worst_case"])
    console.print(summary_table)
    click.echo(f"all {stats['cases']} cases: median |error| {stats['median_abs_error']:.1%}, "
               f"max |error| {stats['max_abs_error']:.1%}; constants were fitted only on the 'fit' split")
