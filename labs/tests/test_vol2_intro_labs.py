"""Physics of the Volume II Introduction and Compute Infrastructure labs (fleet_budget, rent_or_buy).

Each test moves a control through labkit.harness.run_lab and checks the direction (and, where the
chapter gives a formula, the size) of the change.
"""
from __future__ import annotations

import ast
from pathlib import Path

import mlsysim as ms
import pytest

from labkit.harness import lab_path, output_text, run_lab

LABS = ("fleet_budget", "rent_or_buy")


@pytest.mark.parametrize("lab_id", LABS)
def test_vol2_labs_do_not_import_numpy(lab_id):
    """The browser build has no NumPy, so the labs' own code must not import it."""
    tree = ast.parse(Path(lab_path(lab_id)).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "numpy" not in imported


def test_fleet_budget_more_gpus_shorten_the_ideal_run_but_raise_power_and_failures():
    _, small = run_lab("fleet_budget", gpus=4096)
    _, large = run_lab("fleet_budget", gpus=65536)
    s, l = small["current"], large["current"]
    assert l["ideal_days"] == pytest.approx(s["ideal_days"] / 16)
    assert l["facility_mw"] == pytest.approx(16 * s["facility_mw"])
    assert l["mtbf_s"] == pytest.approx(s["mtbf_s"] / 16)
    assert l["plan"].goodput_fraction < s["plan"].goodput_fraction
    # the wall-clock time shrinks by less than the ideal time: failures take a growing share
    assert l["wall_days"] / s["wall_days"] > l["ideal_days"] / s["ideal_days"]


def test_fleet_budget_utilization_cuts_days_energy_and_cost_in_proportion():
    _, low = run_lab("fleet_budget", mfu=0.2)
    _, high = run_lab("fleet_budget", mfu=0.4)
    assert high["current"]["ideal_days"] == pytest.approx(low["current"]["ideal_days"] / 2)
    assert high["current"]["energy_gwh"] == pytest.approx(low["current"]["energy_gwh"] / 2, rel=1e-6)
    assert high["current"]["cost_usd"] == pytest.approx(low["current"]["cost_usd"] / 2, rel=1e-6)


def test_fleet_budget_default_mtbf_reproduces_the_llama3_log():
    _, defs = run_lab("fleet_budget")
    # 419 unexpected interruptions in 54 days on 16,384 GPUs: about 3.1 hours between interruptions
    assert defs["current"]["mtbf_s"] / 3600 == pytest.approx(54 * 24 / 419, rel=0.02)


def test_fleet_budget_site_power_is_the_limit_for_a_large_fleet():
    outputs, _ = run_lab("fleet_budget", gpus=131072, site_mw=50)
    assert "Limit hit" in output_text(outputs) and "MW" in output_text(outputs)
    outputs, _ = run_lab("fleet_budget", gpus=16384, site_mw=400, restart_min=2)
    assert "Within limits" in output_text(outputs)


def test_fleet_budget_reveal_reads_back_the_guess():
    outputs, _ = run_lab("fleet_budget", guess="every ~20 minutes")
    text = output_text(outputs)
    assert "You said every ~20 minutes" in text and "Right." in text


def test_rent_or_buy_capital_per_useful_hour_falls_as_one_over_utilization():
    _, half = run_lab("rent_or_buy", utilization=0.5)
    _, full = run_lab("rent_or_buy", utilization=1.0)
    h, f = half["current"], full["current"]
    hours = h.years * 365.25 * 24
    assert h.capex_usd / (hours * 0.5) == pytest.approx(2 * f.capex_usd / (hours * 1.0))
    assert h.usd_per_device_hour > f.usd_per_device_hour


def test_rent_or_buy_break_even_is_where_owning_equals_renting():
    _, defs = run_lab("rent_or_buy")
    even = defs["even"]
    assert 0 < even < 1
    at_even = ms.tco("H100-SXM", n_devices=1, years=4, utilization=even, usd_per_kwh=0.08,
                     pue=ms.assumptions.DEFAULT_PUE, overhead_fraction=0.5)
    assert at_even.usd_per_device_hour == pytest.approx(2.5, rel=1e-6)
    _, dearer = run_lab("rent_or_buy", rent=5.0)
    assert dearer["even"] < even  # a higher rent makes owning pay at lower utilization


def test_rent_or_buy_idle_hardware_is_the_limit():
    outputs, _ = run_lab("rent_or_buy", utilization=0.1)
    assert "Limit hit" in output_text(outputs)
    outputs, _ = run_lab("rent_or_buy", utilization=1.0, rent=8.0)
    assert "Within limits" in output_text(outputs)
