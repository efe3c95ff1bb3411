"""Builds the C core for the host (a shared library loaded with ctypes) so tests can
compare it with the NumPy reference, and exposes thin typed wrappers."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import BUILD_DIR, CORE_DIR
from .quant import Window


KERNEL_VARIANTS = ("selected", "portable", "dsp")


class ToolchainError(RuntimeError):
    """A compiler or emulator the build needs is missing or failed."""


def core_sources() -> list[Path]:
    return sorted((CORE_DIR / "src").glob("*.c"))


def core_headers() -> list[Path]:
    return sorted((CORE_DIR / "include").glob("*.h"))


def _newest_mtime(paths) -> float:
    return max(p.stat().st_mtime for p in paths)


def build_host_library(out_dir: Path | None = None, cc: str | None = None) -> Path:
    """Compile kits/core into a shared library (rebuilt only when a source changed)."""
    out_dir = Path(out_dir or BUILD_DIR / "host")
    out_dir.mkdir(parents=True, exist_ok=True)
    lib = out_dir / "libkits_core.so"
    inputs = core_sources() + core_headers()
    if lib.exists() and lib.stat().st_mtime >= _newest_mtime(inputs):
        return lib
    compiler = cc or os.environ.get("CC", "cc")
    if shutil.which(compiler) is None:
        raise ToolchainError(f"C compiler {compiler!r} not found; install gcc (apt-get install gcc) or set CC")
    # Build under a temporary name and rename, so parallel test workers never load a half-written file.
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=out_dir)
    os.close(fd)
    cmd = [compiler, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
           "-I", str(CORE_DIR / "include"), *map(str, core_sources()), "-o", tmp]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        os.unlink(tmp)
        raise ToolchainError(f"host build of kits/core failed:\n{' '.join(cmd)}\n{result.stderr}")
    os.replace(tmp, lib)
    return lib


class _Window(ctypes.Structure):
    _fields_ = [(name, ctypes.c_int32) for name in (
        "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "kernel_h", "kernel_w",
        "stride_h", "stride_w", "pad_top", "pad_left")]

    @classmethod
    def of(cls, w: Window) -> "_Window":
        return cls(*(getattr(w, name) for name, _ in cls._fields_))


class _Quant(ctypes.Structure):
    _fields_ = [("input_offset", ctypes.c_int32), ("output_offset", ctypes.c_int32),
                ("act_min", ctypes.c_int32), ("act_max", ctypes.c_int32)]


class _Requant(ctypes.Structure):
    _fields_ = [("multiplier", ctypes.POINTER(ctypes.c_int32)),
                ("shift", ctypes.POINTER(ctypes.c_int32))]


def _ptr(array: np.ndarray, ctype):
    return array.ctypes.data_as(ctypes.POINTER(ctype))


def _c(array, dtype) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(array), dtype=dtype)


class Core:
    """The host-compiled C core with NumPy-friendly wrappers."""

    def __init__(self, lib_path: Path | None = None):
        self.lib = ctypes.CDLL(str(lib_path or build_host_library()))
        L = self.lib
        L.kits_requantize.restype = ctypes.c_int32
        L.kits_requantize.argtypes = [ctypes.c_int32] * 3
        L.kits_crc32.restype = ctypes.c_uint32
        L.kits_crc32.argtypes = [ctypes.c_uint32, ctypes.c_char_p, ctypes.c_size_t]
        L.kits_cobs_encode.restype = ctypes.c_size_t
        L.kits_cobs_decode.restype = ctypes.c_int32
        L.kits_frame_build.restype = ctypes.c_size_t
        L.kits_log2_q8.restype = ctypes.c_int32
        L.kits_log2_q8.argtypes = [ctypes.c_uint64]
        L.kits_logmel_s8.restype = ctypes.c_size_t
        L.kits_ring_init.restype = ctypes.c_int
        L.kits_ring_push.restype = ctypes.c_uint32
        L.kits_ring_pop.restype = ctypes.c_uint32
        L.kits_ring_count.restype = ctypes.c_uint32
        L.kits_imu_window_init.restype = ctypes.c_int
        L.kits_imu_window_push.restype = ctypes.c_int

    @staticmethod
    def _requant(multiplier, shift):
        m = _c(multiplier, np.int32)
        s = _c(shift, np.int32)
        return _Requant(_ptr(m, ctypes.c_int32), _ptr(s, ctypes.c_int32)), (m, s)

    def requantize(self, acc: int, multiplier: int, shift: int) -> int:
        return self.lib.kits_requantize(acc, multiplier, shift)

    def _kernel(self, name: str, variant: str):
        """variant: "selected" (what KITS_NN_DSP chose for this build), "portable" or "dsp"
        (the DSP-extension kernels; on the host they run C equivalents of the instructions)."""
        if variant not in KERNEL_VARIANTS:
            raise ValueError(f"unknown kernel variant {variant!r}; choose one of {', '.join(KERNEL_VARIANTS)}")
        return getattr(self.lib, name if variant == "selected" else f"{name}_{variant}")

    def uses_dsp(self) -> bool:
        return bool(self.lib.kits_nn_uses_dsp())

    def fully_connected_s8(self, x, weights, bias, multiplier, shift, input_offset, output_offset,
                           act_min=-128, act_max=127, variant="selected"):
        x = _c(x, np.int8).reshape(-1)
        w = _c(weights, np.int8)
        b = _c(bias, np.int32)
        out = np.zeros(w.shape[0], np.int8)
        rq, keep = self._requant(multiplier, shift)
        self._kernel("kits_fully_connected_s8", variant)(
            _ptr(x, ctypes.c_int8), ctypes.c_int32(x.size), _ptr(w, ctypes.c_int8),
            _ptr(b, ctypes.c_int32), ctypes.c_int32(w.shape[0]), rq,
            _Quant(input_offset, output_offset, act_min, act_max), _ptr(out, ctypes.c_int8))
        return out

    def conv2d_s8(self, x, w: Window, weights, bias, multiplier, shift, input_offset,
                  output_offset, act_min=-128, act_max=127, variant="selected"):
        x = _c(x, np.int8)
        k = _c(weights, np.int8)
        b = _c(bias, np.int32)
        out = np.zeros((w.out_h, w.out_w, w.out_c), np.int8)
        rq, keep = self._requant(multiplier, shift)
        win = _Window.of(w)
        self._kernel("kits_conv2d_s8", variant)(
            _ptr(x, ctypes.c_int8), ctypes.byref(win), _ptr(k, ctypes.c_int8), _ptr(b, ctypes.c_int32), rq,
            _Quant(input_offset, output_offset, act_min, act_max), _ptr(out, ctypes.c_int8))
        return out

    def depthwise_conv2d_s8(self, x, w: Window, depth_multiplier, weights, bias, multiplier,
                            shift, input_offset, output_offset, act_min=-128, act_max=127,
                            variant="selected"):
        x = _c(x, np.int8)
        k = _c(weights, np.int8)
        b = _c(bias, np.int32)
        out = np.zeros((w.out_h, w.out_w, w.out_c), np.int8)
        rq, keep = self._requant(multiplier, shift)
        win = _Window.of(w)
        self._kernel("kits_depthwise_conv2d_s8", variant)(
            _ptr(x, ctypes.c_int8), ctypes.byref(win), ctypes.c_int32(depth_multiplier),
            _ptr(k, ctypes.c_int8), _ptr(b, ctypes.c_int32), rq,
            _Quant(input_offset, output_offset, act_min, act_max), _ptr(out, ctypes.c_int8))
        return out

    def _pool(self, fn, x, w: Window, act_min, act_max):
        x = _c(x, np.int8)
        out = np.zeros((w.out_h, w.out_w, w.out_c), np.int8)
        win = _Window.of(w)
        fn(_ptr(x, ctypes.c_int8), ctypes.byref(win), ctypes.c_int32(act_min),
           ctypes.c_int32(act_max), _ptr(out, ctypes.c_int8))
        return out

    def max_pool_s8(self, x, w: Window, act_min=-128, act_max=127):
        return self._pool(self.lib.kits_max_pool_s8, x, w, act_min, act_max)

    def avg_pool_s8(self, x, w: Window, act_min=-128, act_max=127):
        return self._pool(self.lib.kits_avg_pool_s8, x, w, act_min, act_max)

    def softmax_s8(self, x, exp_lut):
        x = _c(x, np.int8).reshape(-1)
        lut = _c(exp_lut, np.uint32)
        out = np.zeros_like(x)
        self.lib.kits_softmax_s8(_ptr(x, ctypes.c_int8), ctypes.c_int32(x.size),
                                 _ptr(lut, ctypes.c_uint32), _ptr(out, ctypes.c_int8))
        return out

    def crc32(self, data: bytes) -> int:
        return self.lib.kits_crc32(0, data, len(data))

    def frame_build(self, frame_type: int, seq: int, body: bytes) -> bytes:
        out = ctypes.create_string_buffer(1024)
        n = self.lib.kits_frame_build(ctypes.c_uint8(frame_type), ctypes.c_uint8(seq), body,
                                      ctypes.c_size_t(len(body)), out)
        if n == 0:
            raise ValueError(f"body of {len(body)} bytes exceeds the firmware frame limit")
        return out.raw[:n]

    def log2_q8(self, value: int) -> int:
        return self.lib.kits_log2_q8(value)

    def logmel_s8(self, audio) -> np.ndarray:
        from .features import N_MELS, n_frames
        a = _c(audio, np.int16)
        frames = n_frames(a.size)
        out = np.zeros((max(frames, 1), N_MELS), np.int8)
        scratch = ctypes.create_string_buffer(8 * 512)
        got = self.lib.kits_logmel_s8(_ptr(a, ctypes.c_int16), ctypes.c_size_t(a.size), scratch,
                                      _ptr(out, ctypes.c_int8))
        return out[:got]

    def mfcc_q8(self, logmel_q8) -> np.ndarray:
        from .features import N_MFCC
        x = _c(logmel_q8, np.int32)
        out = np.zeros(N_MFCC, np.int32)
        self.lib.kits_mfcc_q8(_ptr(x, ctypes.c_int32), _ptr(out, ctypes.c_int32))
        return out


@lru_cache(maxsize=1)
def core() -> Core:
    return Core()


MAX_BODY = 512
MAX_RAW = MAX_BODY + 6
MAX_ENCODED = MAX_RAW + MAX_RAW // 254 + 2


class _Decoder(ctypes.Structure):
    """Mirror of kits_frame_decoder_t (kits_frame.h)."""

    _fields_ = [("encoded", ctypes.c_uint8 * MAX_ENCODED), ("encoded_len", ctypes.c_size_t),
                ("overflowed", ctypes.c_int), ("type", ctypes.c_uint8), ("seq", ctypes.c_uint8),
                ("body", ctypes.c_uint8 * MAX_RAW), ("body_len", ctypes.c_size_t)]


class CFrameDecoder:
    """The firmware's byte-at-a-time frame decoder, driven from Python."""

    PENDING, FRAME, CORRUPT, OVERFLOW = range(4)

    def __init__(self, native: Core):
        self.lib = native.lib
        self.state = _Decoder()
        self.lib.kits_frame_decoder_feed.restype = ctypes.c_int
        self.lib.kits_frame_decoder_init(ctypes.byref(self.state))

    def feed(self, data: bytes) -> list[tuple[int, object]]:
        """Returns (status, (type, seq, body) or None) for every delimiter seen."""
        events = []
        for byte in data:
            status = self.lib.kits_frame_decoder_feed(ctypes.byref(self.state), ctypes.c_uint8(byte))
            if status == self.FRAME:
                s = self.state
                events.append((status, (s.type, s.seq, bytes(s.body[:s.body_len]))))
            elif status != self.PENDING:
                events.append((status, None))
        return events


class CRing:
    def __init__(self, native: Core, capacity: int):
        self.lib = native.lib
        self.storage = ctypes.create_string_buffer(max(capacity, 1))
        self.ring = ctypes.create_string_buffer(32)  # kits_ring_t is 16 bytes on 64-bit hosts
        self.status = self.lib.kits_ring_init(self.ring, self.storage, ctypes.c_uint32(capacity))

    def push(self, data: bytes) -> int:
        return self.lib.kits_ring_push(self.ring, data, ctypes.c_uint32(len(data)))

    def pop(self, n: int) -> bytes:
        out = ctypes.create_string_buffer(max(n, 1))
        got = self.lib.kits_ring_pop(self.ring, out, ctypes.c_uint32(n))
        return out.raw[:got]

    def count(self) -> int:
        return self.lib.kits_ring_count(self.ring)


class CImuWindow:
    def __init__(self, native: Core, n_axes: int, window_len: int, hop: int):
        self.lib = native.lib
        self.n_axes, self.window_len = n_axes, window_len
        self.storage = (ctypes.c_int16 * max(n_axes * window_len, 1))()
        self.state = ctypes.create_string_buffer(64)
        self.status = self.lib.kits_imu_window_init(self.state, self.storage, ctypes.c_uint32(n_axes),
                                                    ctypes.c_uint32(window_len), ctypes.c_uint32(hop))

    def push(self, sample) -> bool:
        s = (ctypes.c_int16 * self.n_axes)(*[int(v) for v in sample])
        return bool(self.lib.kits_imu_window_push(self.state, s))

    def read_s8(self, shift: int) -> np.ndarray:
        out = np.zeros((self.window_len, self.n_axes), np.int8)
        self.lib.kits_imu_window_read_s8(self.state, ctypes.c_int32(shift), _ptr(out, ctypes.c_int8))
        return out


class CKwsPost:
    """kits_kws_post (keyword decisions on a stream of scores), driven from Python."""

    def __init__(self, native: Core, n_classes: int, window: int, threshold: int, suppress: int, background: int):
        self.lib = native.lib
        self.n_classes = n_classes
        self.state = ctypes.create_string_buffer(4096)  # kits_kws_post_t is about 530 bytes
        self.lib.kits_kws_post_init.restype = ctypes.c_int
        self.lib.kits_kws_post_push.restype = ctypes.c_int32
        self.status = self.lib.kits_kws_post_init(self.state, ctypes.c_uint8(n_classes), ctypes.c_uint8(window),
                                                  ctypes.c_uint8(threshold), ctypes.c_uint16(suppress),
                                                  ctypes.c_int8(background))

    def push(self, scores) -> tuple[int, np.ndarray]:
        s = _c(scores, np.int8).reshape(-1)
        averages = np.zeros(self.n_classes, np.uint8)
        label = self.lib.kits_kws_post_push(self.state, _ptr(s, ctypes.c_int8), _ptr(averages, ctypes.c_uint8))
        return label, averages


def image_downsample(native: Core, gray: np.ndarray, side: int, invert: bool) -> np.ndarray:
    g = _c(gray, np.uint8)
    out = np.zeros(side * side, np.int16)
    status = native.lib.kits_image_downsample(_ptr(g, ctypes.c_uint8), ctypes.c_uint32(g.shape[1]),
                                              ctypes.c_uint32(g.shape[0]), ctypes.c_uint32(side),
                                              ctypes.c_int(int(invert)), _ptr(out, ctypes.c_int16))
    if status != 0:
        raise ValueError("frame smaller than the output image")
    return out.reshape(side, side)


def imu_window_read_s16(window: "CImuWindow") -> np.ndarray:
    out = np.zeros((window.window_len, window.n_axes), np.int16)
    window.lib.kits_imu_window_read_s16(window.state, _ptr(out, ctypes.c_int16))
    return out
