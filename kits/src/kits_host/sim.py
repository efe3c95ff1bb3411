"""Pseudo-terminal helpers: run the host-compiled firmware (or any fake board) behind a
serial-port path, so the host tool can be used and tested without hardware."""

from __future__ import annotations

import os
import subprocess
import tty
from dataclasses import dataclass
from pathlib import Path


def open_raw_pty() -> tuple[int, int, str]:
    """(master fd, slave fd, slave path) in raw mode: no echo, no newline translation.
    Without raw mode the line discipline would echo the board's own frames back to it."""
    master, slave = os.openpty()
    tty.setraw(slave)
    tty.setraw(master)
    return master, slave, os.ttyname(slave)


@dataclass
class SimulatedBoard:
    process: subprocess.Popen
    slave_fd: int
    port: str

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.slave_fd)


def start_simulated_board(binary: Path) -> SimulatedBoard:
    """Start a `kits_sim_<model>` binary on a fresh pty; connect to `.port` like a board."""
    master, slave, path = open_raw_pty()
    process = subprocess.Popen([str(binary), str(master)], pass_fds=(master,))
    os.close(master)
    return SimulatedBoard(process, slave, path)
