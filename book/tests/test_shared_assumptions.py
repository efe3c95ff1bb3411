"""Shared assumptions (GPU-hour price, MFU, power fraction, grid intensity, PUE) come from mlsysim.assumptions:
a chapter that types its own value fails the content check with file:line, the assumption and the fix (issue #14)."""
from __future__ import annotations

from pathlib import Path

import pytest

from toybook import complete_chapter
from mlsysbook.content import check_book
from mlsysbook.content.assumptions import check_text

PAGE = Path("book/vol2/toy/toy.qmd")


def cell(code: str) -> str:
    return f"Some prose.\n\n```{{python}}\n#| echo: false\nimport mlsysim as ms\nfrom mlsysim import assumptions as A\n{code}\n```\n"


# Each line below is how today's chapters take a shared assumption from the engine, or a value that only
# looks like one; none may be flagged.
CORRECT = [
    cell("price = ms.cloud_price(h100)\nprice_s = f'{price:.2f}'"),
    cell("rent_usd = A.GPU_HOUR_PRICE_USD\nprice_asof = A.GPU_HOUR_PRICE_AS_OF"),
    cell("mfu = A.DEFAULT_MFU\nstep8_mfu = f'{100 * step8.mfu:.0f}'\nlayouts.append(dict(mfu=s.mfu))"),
    cell("pue = A.DEFAULT_PUE\nh100_gwh = ms.energy(p, s, pue)\nms.energy(p, s, pue=A.INDUSTRY_AVERAGE_PUE)"),
    cell("power_frac = f'{A.TRAINING_POWER_FRACTION:g}'\nintensity = ms.grid_intensity('us')"),
    cell("def kwh_for(hw, flop=1e24, mfu=None):\n    return flop"),
    cell("HOURLY_COST = 20.0  # an annotator's loaded wage\nkwh_price = 0.08\nown_util = 0.7"),
    cell("for mfu in (0.3, 0.4, 0.5):\n    pass\npues = [1.1, 1.2, 1.6]"),
    cell("mfu_low, mfu_high = 0.30, 0.50  # scenario: the sensitivity range around the shared MFU"),
    cell("llama_mfu = 0.38  # measured: Dubey et al. 2024, Table 4"),
    "Renting at the on-demand price of `{python} price_s` USD per GPU-hour costs `{python} cost`.\n",
    "Labelling at an assumed fully loaded $20 per hour costs about $`{python} label_cost_s`.\n",
    "A PUE of 1.0 would mean no overhead at all.\n",
    "Google reports a fleet-wide PUE of about 1.10 [@google2024pue].\n",
    "Meta's card lists 8,930 t at 400 gCO2/kWh (see @meta2024llama31card).\n",
    "```text\nrent = $2.50 per GPU-hour, PUE of 1.5\n```\n",
]

# A shared assumption reintroduced as a literal, with the name the check must report.
TYPED = [
    (cell("RENT = 2.5"), "`RENT`", "GPU-hour price"),
    (cell("RENT_PER_GPU_HOUR = 2.5     # assumed rental price"), "`RENT_PER_GPU_HOUR`", "GPU-hour price"),
    (cell("usd_per_gpu_hour = 2.0"), "`usd_per_gpu_hour`", "GPU-hour price"),
    (cell("MFU = 0.40"), "`MFU`", "model FLOPs utilization"),
    (cell("s = ms.train_step(m, c, mfu=40 / 100)"), "`mfu`", "model FLOPs utilization"),
    (cell("def f(gpus=1, mfu=0.45):\n    return gpus"), "`mfu`", "model FLOPs utilization"),
    (cell("power_fraction = 0.6"), "`power_fraction`", "average power as a fraction of TDP"),
    (cell("grid_intensity = 400"), "`grid_intensity`", "grid carbon intensity"),
    (cell("run_j = ms.energy(w, s, pue=1.1)"), "`pue`", "power usage effectiveness"),
    (cell("uptime_pue = 1.58  # Uptime Institute survey 2023"), "`uptime_pue`", "power usage effectiveness"),
    ("Renting the GPUs at an assumed $2.50 per GPU-hour would cost about $`{python} run_usd`.\n",
     '"$2.50 per GPU-hour"', "GPU-hour price"),
    ("At 2.50 USD per GPU-hour (a plausible committed price), owning wins.\n",
     '"2.50 USD per GPU-hour"', "GPU-hour price"),
    ("Each round takes about 2 GPU-hours at \\$4 per hour.\n", '"\\$4 per hour"', "GPU-hour price"),
    ("A hyperscale facility runs at a PUE of about 1.1.\n", '"PUE of about 1.1"', "power usage effectiveness"),
    ("At the world average of 480 g CO2e per kWh the run emits a lot.\n", '"480 g CO2e per kWh"',
     "grid carbon intensity"),
]


@pytest.mark.parametrize("text", CORRECT, ids=range(len(CORRECT)))
def test_values_taken_from_the_engine_are_not_flagged(text):
    assert check_text(PAGE, text) == []


@pytest.mark.parametrize("text,name,what", TYPED, ids=[t[1] for t in TYPED])
def test_a_typed_shared_assumption_is_flagged_with_line_assumption_and_fix(text, name, what):
    problems = check_text(PAGE, text)
    assert len(problems) == 1, problems
    (problem,) = problems
    line = next(i for i, ln in enumerate(text.splitlines(), 1)
                if name.strip('`"').replace("\\\\", "\\").split()[0] in ln and not ln.startswith("#|"))
    assert problem.startswith(f"{PAGE}:{line}: {name}"), problem
    assert f"shared {what}" in problem
    assert "A." in problem or "ms." in problem  # the fix names the engine's value


def test_a_marked_what_if_needs_a_reason():
    assert check_text(PAGE, cell("mfu = 0.3  # scenario:")) != []
    assert check_text(PAGE, cell("mfu = 0.3  # scenario: a poorly tuned run")) == []


def test_the_content_check_fails_on_a_chapter_that_types_a_price(toy_book):
    toy_book.write(complete_chapter(extra="```{python}\nRENT = 2.5\n```\n"))
    errors = check_book(toy_book.root, volumes=("vol1",)).errors
    assert any("`RENT` types a value for the shared GPU-hour price" in e and "A.GPU_HOUR_PRICE_USD" in e
               for e in errors), errors
    toy_book.write(complete_chapter(extra="```{python}\nfrom mlsysim import assumptions as A\nRENT = A.GPU_HOUR_PRICE_USD\n```\n"))
    assert not [e for e in check_book(toy_book.root, volumes=("vol1",)).errors if "shared" in e]
