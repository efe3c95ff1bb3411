"""Numbers and figures of individual decks, one module per deck (``vol2_<chapter>.py``).

Each module registers with ``number``/``figure`` from ``..assets`` and reuses its helpers (``hw``,
``mdl``, ``_sig``); a deck's owner edits only that deck's module. ``assets`` imports every module
here once its registry and helpers exist, so ``NUMBERS`` and ``FIGURES`` hold all decks.
"""
from __future__ import annotations

import importlib
import pkgutil


def load_all() -> list[str]:
    """Import every deck module in this package (registering its numbers and figures); return their names."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return names
