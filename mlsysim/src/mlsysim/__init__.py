"""MLSys·im: analytical models of machine-learning systems.

All quantities are SI floats; names carry the unit as a suffix (``_s``, ``_bytes``, ``_flops`` for
FLOP/s, ``_flop`` for counts, ``_w``, ``_j``, ``_usd``, ``_gco2``). Every result has ``.explain()``
and ``.to_dict()``. See ARCHITECTURE.md ("MLSys·im API") for the contract.
"""
from .errors import DoesNotFitError, MissingDependencyError, MLSysimError, UnknownNameError, ValidationError
from .catalog import (Cluster, Hardware, Link, Model, Node, cluster, hardware, interconnect, list_hardware,
                      list_interconnects, list_models, list_nodes, model, node, transformer)
from .roofline import Roofline, matmul, model_roofline, roofline
from .memory import Fit, MemoryBreakdown, fit, inference_memory, kv_cache_bytes, training_memory
from .collectives import Collective, collective
from .training import (ScalingPoint, TrainRun, TrainStep, chinchilla_optimal, chinchilla_tokens, time_to_train,
                       train_step, training_flop)
from .serving import Serving, serve, serve_max_throughput
from .queueing import QueueStats, simulate_queue
from .energy import TCO, carbon, cloud_price, energy, grid_intensity, list_regions, tco
from .edge import EdgeFit, edge_fit
from .reliability import (CheckpointPlan, checkpoint_interval, checkpoint_lost_fraction, daly_interval, job_mtbf,
                          young_interval)
from .units import fmt_bytes, fmt_count, fmt_rate, fmt_time


def __getattr__(name: str):
    # ``mlsysim.sweep`` is the one NumPy-backed module: import it on first use so that ``import mlsysim``
    # and every scalar function work where NumPy is absent (Pyodide); without NumPy this raises
    # MissingDependencyError naming the fix.
    if name == "sweep":
        import importlib
        return importlib.import_module(".sweep", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__version__ = "0.1.0"
