"""Energy, carbon and cost."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from . import assumptions
from .catalog import _load, hardware
from .errors import UnknownNameError, ValidationError, positive, positive_int
from .results import Result
from .units import JOULES_PER_KWH, SECONDS_PER_HOUR, fmt_count


def energy(power_w: float, seconds: float, pue: float = assumptions.DEFAULT_PUE) -> float:
    """Facility energy in joules: IT power x time x PUE."""
    power_w = positive("power_w", power_w, allow_zero=True)
    seconds = positive("seconds", seconds, allow_zero=True)
    pue = positive("pue", pue)
    if pue < 1:
        raise ValidationError("pue", f"power usage effectiveness is >= 1 by definition; got {pue}")
    return power_w * seconds * pue


@functools.lru_cache(maxsize=None)
def _regions() -> dict[str, dict]:
    return {row["region"].lower(): row for row in _load("regions.yaml")}


def grid_intensity(region: str = "us") -> float:
    """Average grid carbon intensity of ``region`` in gCO2e per kWh."""
    table = _regions()
    try:
        return float(table[str(region).lower()]["gco2_per_kwh"])
    except KeyError:
        raise UnknownNameError("region", region, [r["region"] for r in table.values()]) from None


def list_regions() -> list[str]:
    return [r["region"] for r in _regions().values()]


def carbon(energy_j: float, region: str = "us-west") -> float:
    """Operational emissions in gCO2e for ``energy_j`` joules drawn from ``region``'s grid."""
    return positive("energy_j", energy_j, allow_zero=True) / JOULES_PER_KWH * grid_intensity(region)


@functools.lru_cache(maxsize=None)
def _prices() -> dict[str, dict]:
    return {row["hardware"].lower(): row for row in _load("cloud_prices.yaml")}


def cloud_price(hw) -> float:
    """On-demand USD per accelerator-hour (see data/cloud_prices.yaml for the instance and date)."""
    device = hardware(hw)
    row = _prices().get(device.name.lower())
    if row is None:
        raise ValidationError("hw", f"no public cloud price recorded for {device.name}; known: "
                              f"{', '.join(r['hardware'] for r in _prices().values())}. Pass usd_per_hour explicitly")
    return float(row["usd_per_hour"])


@dataclass(frozen=True)
class TCO(Result):
    hardware: str
    n_devices: int
    years: float
    capex_usd: float
    energy_usd: float
    total_usd: float
    energy_j: float
    usd_per_device_hour: float
    cloud_usd: float | None

    def _explain_lines(self) -> list[str]:
        lines = [f"{self.n_devices}x {self.hardware} over {self.years:g} years: total {fmt_count(self.total_usd, 'USD')}",
                 f"total = capex {fmt_count(self.capex_usd, 'USD')} + energy {fmt_count(self.energy_usd, 'USD')} "
                 f"({self.energy_j / JOULES_PER_KWH:,.0f} kWh)",
                 f"= {self.usd_per_device_hour:.2f} USD per device-hour of ownership"]
        if self.cloud_usd is not None:
            verdict = "cheaper" if self.total_usd < self.cloud_usd else "dearer"
            lines.append(f"renting the same device-hours on demand: {fmt_count(self.cloud_usd, 'USD')} (owning is {verdict})")
        return lines


def tco(hw, n_devices: int = 1, years: float = 4.0, utilization: float = 0.7, usd_per_kwh: float = 0.08,
        pue: float = assumptions.DEFAULT_PUE, overhead_fraction: float = 0.5) -> TCO:
    """Total cost of ownership: purchase (+ ``overhead_fraction`` for servers, network, facility) + electricity."""
    device = hardware(hw)
    n_devices = positive_int("n_devices", n_devices)
    years = positive("years", years)
    utilization = positive("utilization", utilization)
    if utilization > 1:
        raise ValidationError("utilization", f"must be within (0, 1]; got {utilization}")
    if device.price_usd is None or device.tdp_w is None:
        raise ValidationError("hw", f"{device.name} has no public price or TDP; TCO needs both")
    hours = years * 365.25 * 24
    capex = device.price_usd * n_devices * (1 + positive("overhead_fraction", overhead_fraction, allow_zero=True))
    joules = energy(device.tdp_w * utilization * n_devices, hours * SECONDS_PER_HOUR, pue)
    energy_usd = joules / JOULES_PER_KWH * positive("usd_per_kwh", usd_per_kwh, allow_zero=True)
    total = capex + energy_usd
    try:
        cloud = cloud_price(device) * n_devices * hours * utilization
    except ValidationError:
        cloud = None
    return TCO(hardware=device.name, n_devices=n_devices, years=years, capex_usd=capex, energy_usd=energy_usd,
               total_usd=total, energy_j=joules, usd_per_device_hour=total / (n_devices * hours * utilization),
               cloud_usd=cloud)
