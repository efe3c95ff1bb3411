"""Build errors that name the file and line a reader has to fix."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class SourceError(Exception):
    """One problem in one source file; `line` is 1-based, 0 when the whole file is at fault."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


class BuildFailed(Exception):
    """The build stopped; every collected SourceError is listed so they can all be fixed in one go."""

    def __init__(self, errors: list[SourceError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def line_of(text: str, needle: str, start_line: int = 1) -> int:
    """1-based line where `needle` first occurs in `text` (0 when absent); `start_line` offsets a slice."""
    index = text.find(needle)
    if index < 0:
        return 0
    return text.count("\n", 0, index) + start_line
