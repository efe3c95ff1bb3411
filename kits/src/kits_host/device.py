"""Talking to a kit board over a serial port (pyserial): requests with deadlines, so a
silent or confused board produces a clear error instead of a hang."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import serial

from .protocol import (MODEL_FORMAT_VERSION, PROTOCOL_VERSION, Frame, FrameDecoder, Hello, MsgType,
                       ProtocolError, Result, encode_frame, pack_load, pack_run, parse_error, parse_samples)

LOAD_CHUNK = 250  # int16 values per LOAD frame: 4 + 500 bytes fits the 512-byte body limit


class BoardError(RuntimeError):
    """The board answered, but not as asked; the message says what to do."""


class BoardTimeout(BoardError):
    """Nothing usable arrived before the deadline."""


class ModelVersionError(BoardError):
    """The firmware speaks another protocol or model format than this host tool."""


def open_port(port: str, baudrate: int = 115200) -> serial.Serial:
    try:
        return serial.serial_for_url(port, baudrate=baudrate, timeout=0.05, write_timeout=5)
    except (serial.SerialException, ValueError) as exc:
        raise BoardError(f"cannot open {port}: {exc}. List ports with `kits ports`") from None


@dataclass
class Board:
    link: serial.Serial
    name: str = ""
    timeout_s: float = 3.0
    decoder: FrameDecoder = field(default_factory=FrameDecoder)
    corrupt_frames: int = 0
    last_corruption: str = ""
    _pending: list[Frame] = field(default_factory=list)
    _seq: int = 0

    @classmethod
    def open(cls, port: str, baudrate: int = 115200, timeout_s: float = 3.0) -> "Board":
        return cls(open_port(port, baudrate), port, timeout_s)

    def close(self) -> None:
        self.link.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- low level --
    def send(self, msg_type: int, body: bytes = b"") -> None:
        self.link.write(encode_frame(msg_type, self._seq, body))
        self._seq = (self._seq + 1) & 0xFF

    def poll(self) -> list[Frame]:
        """Frames that arrived since the last call (non-blocking beyond the port timeout)."""
        try:
            data = self.link.read(self.link.in_waiting or 1)
        except serial.SerialException as exc:
            raise BoardError(f"{self.name}: link lost ({exc}); was the board unplugged or reset?") from None
        frames, errors = self.decoder.feed(data)
        if errors:
            self.corrupt_frames += len(errors)
            self.last_corruption = str(errors[-1])
        return self._pending + frames if self._pending else frames

    def wait_for(self, wanted: set[int], timeout_s: float | None = None, what: str = "an answer",
                 accept=lambda frame: True) -> Frame:
        """The first frame of a wanted type that `accept` approves; an ERROR frame raises."""
        deadline = time.monotonic() + (self.timeout_s if timeout_s is None else timeout_s)
        corrupt_before = self.corrupt_frames
        while time.monotonic() < deadline:
            frames = self.poll()
            self._pending = []
            for i, frame in enumerate(frames):
                if frame.type in wanted and accept(frame):
                    self._pending = frames[i + 1:]
                    return frame
                if frame.type == MsgType.ERROR and MsgType.ERROR not in wanted:
                    self._pending = frames[i + 1:]
                    code, text = parse_error(frame.body)
                    raise BoardError(f"{self.name}: board reported error {code}: {text}")
        corrupt = self.corrupt_frames - corrupt_before
        if corrupt:
            raise BoardTimeout(f"{self.name}: no valid {what} within {self.timeout_s if timeout_s is None else timeout_s:.1f} s; "
                               f"{corrupt} corrupt frame(s) received ({self.last_corruption}). Check the baud "
                               "rate (115200) and the cable, then retry")
        raise BoardTimeout(f"{self.name}: no {what} within {self.timeout_s if timeout_s is None else timeout_s:.1f} s. "
                           "Is the board powered, flashed with kits firmware (`kits flash BOARD`), and on this "
                           "port (`kits ports`)?")

    # -- requests --
    def drain(self) -> None:
        """Forget whatever the board sent before now (boot messages, old results)."""
        self.link.reset_input_buffer()
        self.decoder = FrameDecoder()
        self._pending = []

    def hello(self) -> Hello:
        self.drain()
        self.send(MsgType.PING)
        frame = self.wait_for({MsgType.HELLO}, what="HELLO reply to PING")
        try:
            hello = Hello.parse(frame.body)
        except ProtocolError as exc:
            raise BoardError(f"{self.name}: unreadable HELLO ({exc}); update the firmware") from None
        if hello.protocol_version != PROTOCOL_VERSION:
            raise ModelVersionError(f"{self.name}: firmware speaks protocol v{hello.protocol_version}, this kits "
                                    f"speaks v{PROTOCOL_VERSION}; reflash with `kits flash` from this checkout")
        if hello.model_format_version != MODEL_FORMAT_VERSION:
            raise ModelVersionError(f"{self.name}: board runs a model in format v{hello.model_format_version}, "
                                    f"this kits reads v{MODEL_FORMAT_VERSION}; re-export the model with "
                                    "`kits export` and reflash, or use the kits version that exported it")
        return hello

    def infer(self, samples: np.ndarray, hello: Hello | None = None) -> Result:
        hello = hello or self.hello()
        values = np.asarray(samples).reshape(-1)
        expected = hello.input_samples * hello.input_axes
        if values.size != expected:
            raise BoardError(f"the board's model takes {hello.input_samples} samples x {hello.input_axes} axes "
                             f"= {expected} values, the input has {values.size}; trim or pad the recording")
        if values.dtype.kind == "f" or values.min(initial=0) < -32768 or values.max(initial=0) > 32767:
            raise BoardError("input must be int16 sample values (-32768..32767); scale float audio by 32767")
        for offset in range(0, values.size, LOAD_CHUNK):
            self.send(MsgType.LOAD, pack_load(offset, values[offset:offset + LOAD_CHUNK]))
        self.send(MsgType.RUN, pack_run(values.size))
        # Self-test and live results may be interleaved; only the answer to this request counts.
        frame = self.wait_for({MsgType.RESULT}, what="RESULT",
                              accept=lambda f: len(f.body) > 0 and f.body[0] == Result.HOST_REQUEST)
        return Result.parse(frame.body)

    def stream(self, seconds: float) -> tuple[int, np.ndarray]:
        """Ask the board to stream sensor samples for `seconds`; returns (channels, [n, channels])."""
        self.send(MsgType.STREAM, b"\x01")
        channels, values = 0, []
        deadline = time.monotonic() + seconds
        last_data = time.monotonic()
        try:
            while time.monotonic() < deadline:
                for frame in self.poll():
                    if frame.type == MsgType.SAMPLES:
                        ch, vals = parse_samples(frame.body)
                        if channels and ch != channels:
                            raise BoardError(f"channel count changed mid-stream ({channels} -> {ch})")
                        channels = ch
                        values.extend(vals)
                        last_data = time.monotonic()
                self._pending = []
                if time.monotonic() - last_data > self.timeout_s:
                    raise BoardTimeout(f"{self.name}: streaming stopped (no samples for {self.timeout_s:.1f} s)")
        finally:
            self.send(MsgType.STREAM, b"\x00")
        if not values:
            raise BoardTimeout(f"{self.name}: no samples arrived in {seconds:.1f} s of streaming")
        return channels, np.asarray(values, np.int16).reshape(-1, channels)
