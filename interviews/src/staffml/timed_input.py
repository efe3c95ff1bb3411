"""Line input that can time out, so a countdown keeps running while the candidate types.

A daemon thread reads lines from the input stream into a queue; the mock interview polls the queue
once a second (redrawing its clock in between) and ends a question when the clock reaches zero,
whether or not a line arrived. Every prompt of the interview reads through the same reader, so no
line is lost between the timed notes and the self-scoring that follows.
"""

from __future__ import annotations

import queue
import threading
from typing import IO

_EOF = object()


class LineReader:
    def __init__(self, stream: IO[str]):
        self._stream = stream
        self._lines: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._ended = False

    def _pump(self) -> None:
        while True:
            try:
                line = self._stream.readline()
            except (OSError, ValueError):  # stream closed underneath us
                line = ""
            if not line:
                self._lines.put(_EOF)
                return
            self._lines.put(line.rstrip("\r\n"))

    def read(self, timeout: float | None = None) -> str | None:
        """The next line; None when ``timeout`` seconds pass first. Raises EOFError at end of input."""
        if self._ended:
            raise EOFError
        if self._thread is None:
            self._thread = threading.Thread(target=self._pump, name="staffml-input", daemon=True)
            self._thread.start()
        try:
            item = self._lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _EOF:
            self._ended = True
            raise EOFError
        return item
