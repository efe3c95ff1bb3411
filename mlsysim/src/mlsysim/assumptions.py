"""Modeling assumptions shared by every estimate, in one place so a reader can challenge them.

Peak numbers in the catalogs are what a datasheet promises; real kernels reach a fraction of them.
These fractions are deliberately few and global (not fitted per validation case).
"""

#: Fraction of dense tensor-core peak a large, well-shaped GEMM sustains on datacenter accelerators.
#: cuBLAS/rocBLAS large-GEMM benchmarks land around 70-85% of the datasheet peak because sustained
#: clocks under the power cap sit below the boost clock used to quote the peak.
MATMUL_EFFICIENCY = {"datacenter": 0.78, "cpu": 0.6, "edge": 0.5, "mcu": 0.35}

#: Fraction of the quoted memory bandwidth a streaming kernel sustains (STREAM-like triad).
MEMORY_EFFICIENCY = {"datacenter": 0.85, "cpu": 0.75, "edge": 0.7, "mcu": 0.8}

#: Memory a runtime keeps for itself (CUDA context, allocator fragmentation, workspace) when
#: serving; fits() checks use the full capacity, concurrency limits keep this slack.
SERVING_MEMORY_RESERVE = 0.10

#: Power drawn by a busy accelerator as a fraction of TDP, used for energy of training runs.
TRAINING_POWER_FRACTION = 0.8

#: Default power usage effectiveness of a modern hyperscale data centre.
DEFAULT_PUE = 1.1

#: Tokens per parameter at the compute-optimal point (Hoffmann et al., 2022, arXiv:2203.15556).
CHINCHILLA_TOKENS_PER_PARAM = 20.0
