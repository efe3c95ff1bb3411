"""`make kits-pio`: build every environment of every board project with PlatformIO, so a
broken board project is seen. PlatformIO downloads platforms, toolchains and Arduino cores
from its registry; where that registry cannot be reached the job is skipped with a notice
saying so (exit status 0, nothing was verified), never silently passed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from . import BOARDS_DIR
from .boards import MCU_BOARDS

REGISTRY_URL = "https://api.registry.platformio.org/v3/packages/platformio/platform/nordicnrf52"


def environments(board_key: str) -> list[str]:
    import configparser

    ini = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    ini.read(BOARDS_DIR / board_key / "platformio.ini")
    return [s.split(":", 1)[1] for s in ini.sections() if s.startswith("env:")]


def registry_reachable(url: str = REGISTRY_URL, timeout_s: float = 5.0) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return True, f"HTTP {response.status}"
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return False, str(getattr(exc, "reason", exc))


def find_pio() -> str | None:
    """$KITS_PIO, else `pio` next to this Python (the venv), else on PATH."""
    if os.environ.get("KITS_PIO"):
        return os.environ["KITS_PIO"]
    beside = Path(sys.executable).parent / "pio"
    return str(beside) if beside.exists() else shutil.which("pio")


def build_all(pio: str, boards: list[str]) -> list[tuple[str, str, int]]:
    results = []
    for key in boards:
        for env in environments(key):
            cmd = [pio, "run", "-d", str(BOARDS_DIR / key), "-e", env]
            print("kits-pio: " + " ".join(cmd), flush=True)
            results.append((key, env, subprocess.call(cmd)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("boards", nargs="*", help=f"default: every board ({', '.join(sorted(MCU_BOARDS))})")
    parser.add_argument("--registry", default=os.environ.get("KITS_PIO_REGISTRY_URL", REGISTRY_URL),
                        help="URL probed to decide whether the PlatformIO registry is reachable")
    args = parser.parse_args(argv)
    unknown = [b for b in args.boards if b not in MCU_BOARDS]
    if unknown:
        parser.error(f"unknown board {', '.join(unknown)}; choose from {', '.join(sorted(MCU_BOARDS))}")
    ok, why = registry_reachable(args.registry)
    if not ok:
        print(f"kits-pio: SKIPPED, board projects NOT built: the PlatformIO registry ({args.registry}) "
              f"is not reachable from this machine ({why}). Run `make kits-pio` where it is.", flush=True)
        return 0
    pio = find_pio()
    if pio is None:
        print("kits-pio: PlatformIO is not installed; installing it from PyPI (pip install platformio)", flush=True)
        if subprocess.call([sys.executable, "-m", "pip", "install", "-q", "platformio"]) != 0:
            print("kits-pio: FAILED: could not install platformio with pip", file=sys.stderr)
            return 1
        pio = find_pio()
    results = build_all(pio, args.boards or sorted(MCU_BOARDS))
    failed = [f"{key}:{env}" for key, env, code in results if code != 0]
    print(f"kits-pio: {len(results) - len(failed)} of {len(results)} environments built"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
