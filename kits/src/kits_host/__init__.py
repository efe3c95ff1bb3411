"""MLSysBook hardware kits: quantized models for microcontrollers and the `kits` host tool."""

from pathlib import Path

__version__ = "0.1.0"

#: The checkout's kits/ folder (firmware sources, board projects, site pages).
KITS_ROOT = Path(__file__).resolve().parents[2]
CORE_DIR = KITS_ROOT / "core"
BOARDS_DIR = KITS_ROOT / "boards"

#: Scratch output (host library, firmware images, trained models); git-ignored at the repo root.
BUILD_DIR = KITS_ROOT.parent / "build" / "kits"
