"""Host side of the framed serial protocol in kits/core/include/kits_frame.h.

A frame on the wire is ``COBS(type | seq | body | crc32 LE) 0x00``. The CRC is zlib's
CRC-32 over type, seq and body. Message bodies are little-endian structs described
next to each pack/parse helper below.
"""

from __future__ import annotations

import enum
import struct
import zlib
from dataclasses import dataclass, field

from cobs import cobs

PROTOCOL_VERSION = 1
MODEL_FORMAT_VERSION = 1
MAX_BODY = 512


class MsgType(enum.IntEnum):
    HELLO = 0x01
    LOG = 0x02
    SAMPLES = 0x03
    RESULT = 0x04
    ERROR = 0x05
    PING = 0x10
    LOAD = 0x11
    RUN = 0x12
    STREAM = 0x13


class InputKind(enum.IntEnum):
    AUDIO = 1
    IMU = 2
    IMAGE = 3


class ProtocolError(Exception):
    """The byte stream or a message body is malformed."""


class FrameError(ProtocolError):
    """A frame failed COBS decoding, was too short, or its CRC did not match."""


@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    body: bytes = b""

    def encode(self) -> bytes:
        return encode_frame(self.type, self.seq, self.body)


def encode_frame(msg_type: int, seq: int, body: bytes = b"") -> bytes:
    if len(body) > MAX_BODY:
        raise ValueError(f"frame body of {len(body)} bytes exceeds the {MAX_BODY}-byte limit; "
                         "split the payload into several frames")
    raw = bytes([msg_type & 0xFF, seq & 0xFF]) + body
    raw += struct.pack("<I", zlib.crc32(raw))
    return cobs.encode(raw) + b"\x00"


def decode_frame(encoded: bytes) -> Frame:
    """Decode one frame given without its trailing zero."""
    try:
        raw = cobs.decode(encoded)
    except cobs.DecodeError as exc:
        raise FrameError(f"corrupt frame (COBS: {exc})") from None
    if len(raw) < 6:
        raise FrameError(f"corrupt frame: {len(raw)} bytes is shorter than the 6-byte minimum")
    (crc,) = struct.unpack("<I", raw[-4:])
    if zlib.crc32(raw[:-4]) != crc:
        raise FrameError(f"CRC mismatch on frame type 0x{raw[0]:02x}: "
                         f"got 0x{crc:08x}, computed 0x{zlib.crc32(raw[:-4]):08x}")
    return Frame(raw[0], raw[1], raw[2:-4])


@dataclass
class FrameDecoder:
    """Incremental decoder: feed arbitrary chunks, collect frames and errors.

    Bytes beyond ``max_encoded`` without a delimiter are discarded (and reported),
    so a stream of garbage can never grow memory without bound.
    """

    max_encoded: int = MAX_BODY + 6 + (MAX_BODY + 6) // 254 + 2
    _buffer: bytearray = field(default_factory=bytearray)
    _overflow: bool = False

    def feed(self, data: bytes) -> tuple[list[Frame], list[FrameError]]:
        frames: list[Frame] = []
        errors: list[FrameError] = []
        start = 0
        while True:
            end = data.find(b"\x00", start)
            if end < 0:
                self._append(data[start:])
                break
            self._append(data[start:end])
            if self._overflow:
                errors.append(FrameError(f"frame longer than {self.max_encoded} bytes dropped"))
            elif self._buffer:
                try:
                    frames.append(decode_frame(bytes(self._buffer)))
                except FrameError as exc:
                    errors.append(exc)
            self._buffer.clear()
            self._overflow = False
            start = end + 1
        return frames, errors

    def _append(self, part: bytes) -> None:
        if self._overflow:
            return
        if len(self._buffer) + len(part) > self.max_encoded:
            self._overflow = True
            self._buffer.clear()
        else:
            self._buffer.extend(part)


# ---- message bodies -------------------------------------------------------------------------

@dataclass(frozen=True)
class Hello:
    """HELLO body: protocol u8, model_format u16, model_hash u32, input_kind u8,
    input_samples u32, input_axes u8, n_classes u8, board name and labels as
    NUL-free text ``board\\nlabel0\\nlabel1...``."""

    protocol_version: int
    model_format_version: int
    model_hash: int
    input_kind: int
    input_samples: int
    input_axes: int
    board: str
    labels: tuple[str, ...]

    _HEAD = struct.Struct("<BHIBIBB")

    def pack(self) -> bytes:
        text = "\n".join((self.board, *self.labels)).encode()
        return self._HEAD.pack(self.protocol_version, self.model_format_version, self.model_hash,
                               self.input_kind, self.input_samples, self.input_axes,
                               len(self.labels)) + text

    @classmethod
    def parse(cls, body: bytes) -> "Hello":
        if len(body) < cls._HEAD.size:
            raise ProtocolError(f"HELLO body too short ({len(body)} bytes)")
        proto, fmt, model_hash, kind, samples, axes, n = cls._HEAD.unpack_from(body)
        try:
            text = body[cls._HEAD.size:].decode()
        except UnicodeDecodeError:
            raise ProtocolError("HELLO labels are not UTF-8") from None
        parts = text.split("\n")
        if len(parts) != n + 1:
            raise ProtocolError(f"HELLO announces {n} labels but carries {len(parts) - 1}")
        return cls(proto, fmt, model_hash, kind, samples, axes, parts[0], tuple(parts[1:]))


@dataclass(frozen=True)
class Result:
    """RESULT body: source u8 (0 self-test, 1 host request, 2 live sensor), clip u16,
    class u8, latency_us u32, n u8, n int8 scores (softmax: p = (s + 128) / 256)."""

    source: int
    clip: int
    label_index: int
    latency_us: int
    scores: tuple[int, ...]

    _HEAD = struct.Struct("<BHBIB")
    SELF_TEST, HOST_REQUEST, LIVE = 0, 1, 2

    def pack(self) -> bytes:
        return self._HEAD.pack(self.source, self.clip, self.label_index, self.latency_us,
                               len(self.scores)) + struct.pack(f"<{len(self.scores)}b", *self.scores)

    @classmethod
    def parse(cls, body: bytes) -> "Result":
        if len(body) < cls._HEAD.size:
            raise ProtocolError(f"RESULT body too short ({len(body)} bytes)")
        source, clip, index, latency, n = cls._HEAD.unpack_from(body)
        if len(body) != cls._HEAD.size + n:
            raise ProtocolError(f"RESULT announces {n} scores but carries {len(body) - cls._HEAD.size}")
        scores = struct.unpack_from(f"<{n}b", body, cls._HEAD.size)
        if n and index >= n:
            raise ProtocolError(f"RESULT class {index} out of range for {n} scores")
        return cls(source, clip, index, latency, tuple(scores))

    def probabilities(self) -> list[float]:
        return [(s + 128) / 256.0 for s in self.scores]


def pack_samples(channels: int, samples) -> bytes:
    """SAMPLES body: channels u8 then interleaved int16 LE samples."""
    values = [int(v) for v in samples]
    return struct.pack(f"<B{len(values)}h", channels, *values)


def parse_samples(body: bytes) -> tuple[int, tuple[int, ...]]:
    if len(body) < 1 or (len(body) - 1) % 2:
        raise ProtocolError(f"SAMPLES body of {len(body)} bytes is not channels + int16 values")
    channels = body[0]
    values = struct.unpack_from(f"<{(len(body) - 1) // 2}h", body, 1)
    if channels == 0 or len(values) % channels:
        raise ProtocolError(f"SAMPLES carries {len(values)} values, not a multiple of {channels} channels")
    return channels, values


def pack_load(offset: int, samples) -> bytes:
    """LOAD body: offset u32 (in samples) then int16 LE samples."""
    values = [int(v) for v in samples]
    return struct.pack(f"<I{len(values)}h", offset, *values)


def pack_run(n_samples: int) -> bytes:
    return struct.pack("<I", n_samples)


def parse_error(body: bytes) -> tuple[int, str]:
    if not body:
        raise ProtocolError("ERROR frame without a code")
    return body[0], body[1:].decode(errors="replace")
