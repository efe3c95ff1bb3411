"""NumPy reference of the integer audio front end in kits/core/src/kits_features.c,
and the generator of its constant tables (kits/core/src/kits_feature_tables.c)."""

from __future__ import annotations

import math

import numpy as np

from .quant import rounding_divide_by_pot

SAMPLE_RATE = 16000
FFT_SIZE = 512
FFT_LOG2 = 9
HOP = 320
N_MELS = 20
N_MFCC = 10
MEL_FMIN_HZ = 20.0
MEL_FMAX_HZ = 7600.0
LOGMEL_SHIFT = 6
LOGMEL_OFFSET = -128
Q15_ONE = 32767


def _q15(values: np.ndarray) -> np.ndarray:
    return np.clip(np.floor(values * Q15_ONE + 0.5), -Q15_ONE, Q15_ONE).astype(np.int64)


def _hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def _mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def make_tables() -> dict[str, np.ndarray]:
    """All constant tables of the front end, as integers."""
    n = np.arange(FFT_SIZE)
    hann = _q15(0.5 - 0.5 * np.cos(2 * math.pi * n / FFT_SIZE))  # periodic Hann
    k = np.arange(FFT_SIZE // 2)
    cos_t = _q15(np.cos(2 * math.pi * k / FFT_SIZE))
    sin_t = _q15(np.sin(2 * math.pi * k / FFT_SIZE))
    # Triangular HTK-mel filters evaluated at FFT bin centre frequencies.
    edges_hz = _mel_to_hz(np.linspace(_hz_to_mel(MEL_FMIN_HZ), _hz_to_mel(MEL_FMAX_HZ), N_MELS + 2))
    bin_hz = np.arange(FFT_SIZE // 2 + 1) * SAMPLE_RATE / FFT_SIZE
    first, count, offset, weights = [], [], [], []
    for m in range(N_MELS):
        lo, centre, hi = edges_hz[m:m + 3]
        rising = (bin_hz - lo) / (centre - lo)
        falling = (hi - bin_hz) / (hi - centre)
        tri = np.clip(np.minimum(rising, falling), 0.0, None)
        q = _q15(tri)
        nonzero = np.flatnonzero(q)
        if nonzero.size == 0:
            raise ValueError(f"mel band {m} ({lo:.0f}-{hi:.0f} Hz) covers no FFT bin; "
                             f"use fewer bands or a larger FFT")
        start, stop = nonzero[0], nonzero[-1] + 1
        first.append(start)
        count.append(stop - start)
        offset.append(sum(len(w) for w in weights))
        weights.append(q[start:stop])
    mel_k = np.arange(N_MFCC)[:, None]
    mel_m = np.arange(N_MELS)[None, :]
    dct = np.sqrt(2.0 / N_MELS) * np.cos(math.pi / N_MELS * (mel_m + 0.5) * mel_k)
    dct[0] *= 1.0 / math.sqrt(2.0)  # orthonormal DCT-II
    return {
        "hann": hann, "cos": cos_t, "sin": sin_t,
        "mel_first_bin": np.array(first, np.int64), "mel_n_bins": np.array(count, np.int64),
        "mel_weight_offset": np.array(offset, np.int64),
        "mel_weights": np.concatenate(weights), "dct": _q15(dct).reshape(-1),
    }


TABLES = make_tables()


def log2_q8(values) -> np.ndarray:
    """Mitchell's log2 approximation in Q8, exactly as kits_log2_q8 (0 for 0)."""
    v = np.asarray(values, dtype=np.uint64)
    out = np.zeros(v.shape, dtype=np.int64)
    nz = v > 0
    vv = v[nz]
    msb = np.floor(np.log2(vv.astype(np.float64))).astype(np.int64)
    # float log2 can be off by one right at powers of two for huge values: fix up exactly.
    msb = np.where((vv >> msb.astype(np.uint64)) == 0, msb - 1, msb)
    msb = np.where((vv >> (msb + 1).astype(np.uint64)) > 0, msb + 1, msb)
    down = np.where(msb >= 8, msb - 8, 0).astype(np.uint64)
    up = np.where(msb < 8, 8 - msb, 0).astype(np.uint64)
    frac = np.where(msb >= 8, vv >> down, vv << up) & np.uint64(0xFF)
    out[nz] = msb * 256 + frac.astype(np.int64)
    return out


def _round_q15(x: np.ndarray) -> np.ndarray:
    return (x + (1 << 14)) >> 15


def _bit_reverse_indices() -> np.ndarray:
    idx = np.arange(FFT_SIZE)
    rev = np.zeros_like(idx)
    for b in range(FFT_LOG2):
        rev |= ((idx >> b) & 1) << (FFT_LOG2 - 1 - b)
    return rev


_BITREV = _bit_reverse_indices()


def fft_q15(re: np.ndarray, im: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-point radix-2 FFT over the last axis (size FFT_SIZE), as kits_fft_q15."""
    re = np.asarray(re, dtype=np.int64)[..., _BITREV].copy()
    im = np.asarray(im, dtype=np.int64)[..., _BITREV].copy()
    cos_t, sin_t = TABLES["cos"], TABLES["sin"]
    size = 2
    while size <= FFT_SIZE:
        half = size // 2
        step = FFT_SIZE // size
        k = np.arange(half)
        wr = cos_t[k * step]
        wi = -sin_t[k * step]
        a = (np.arange(0, FFT_SIZE, size)[:, None] + k[None, :]).reshape(-1)
        b = a + half
        wr_all = np.tile(wr, FFT_SIZE // size)
        wi_all = np.tile(wi, FFT_SIZE // size)
        tr = _round_q15(re[..., b] * wr_all - im[..., b] * wi_all)
        ti = _round_q15(re[..., b] * wi_all + im[..., b] * wr_all)
        ra, ia = re[..., a].copy(), im[..., a].copy()
        re[..., b] = ra - tr
        im[..., b] = ia - ti
        re[..., a] = ra + tr
        im[..., a] = ia + ti
        size *= 2
    return re, im


def n_frames(n_samples: int) -> int:
    return 0 if n_samples < FFT_SIZE else 1 + (n_samples - FFT_SIZE) // HOP


def _frames(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio)
    if audio.dtype != np.int16:
        raise TypeError(f"audio must be int16 PCM, got {audio.dtype}; scale floats by 32767 first")
    count = n_frames(audio.size)
    starts = np.arange(count) * HOP
    return audio[starts[:, None] + np.arange(FFT_SIZE)[None, :]].astype(np.int64)


def logmel_q8(audio: np.ndarray) -> np.ndarray:
    """[n_frames, N_MELS] log2 mel energies in Q8, as kits_logmel_frame_q8 per frame."""
    frames = _frames(audio)
    windowed = _round_q15(frames * TABLES["hann"])
    re, im = fft_q15(windowed, np.zeros_like(windowed))
    power = ((re * re).astype(np.uint64) + (im * im).astype(np.uint64)) >> np.uint64(15)
    out = np.zeros((frames.shape[0], N_MELS), dtype=np.int64)
    for m in range(N_MELS):
        first = TABLES["mel_first_bin"][m]
        count = TABLES["mel_n_bins"][m]
        off = TABLES["mel_weight_offset"][m]
        w = TABLES["mel_weights"][off:off + count].astype(np.uint64)
        energy = (power[:, first:first + count] * w).sum(axis=1, dtype=np.uint64)
        out[:, m] = log2_q8(energy)
    return out


def logmel_s8(audio: np.ndarray) -> np.ndarray:
    """Whole clip -> int8 features [n_frames, N_MELS], as kits_logmel_s8."""
    q = rounding_divide_by_pot(logmel_q8(audio), LOGMEL_SHIFT) + LOGMEL_OFFSET
    return np.clip(q, -128, 127).astype(np.int8)


def mfcc_q8(logmel: np.ndarray) -> np.ndarray:
    """DCT-II of log-mel frames (Q8 in, Q8 out), as kits_mfcc_q8."""
    dct = TABLES["dct"].reshape(N_MFCC, N_MELS)
    return _round_q15(np.asarray(logmel, dtype=np.int64) @ dct.T)


def render_tables_c() -> str:
    """Source text of kits/core/src/kits_feature_tables.c."""
    def block(ctype, name, values, size_expr):
        body = ",".join(("\n    " if i % 12 == 0 else " ") + str(int(v)) for i, v in enumerate(values))
        return f"const {ctype} {name}[{size_expr}] = {{{body}\n}};\n"

    t = TABLES
    parts = [
        "/* Generated by `kits tables` from kits/src/kits_host/features.py; do not edit by hand.\n"
        f" * {SAMPLE_RATE} Hz, {FFT_SIZE}-point FFT, {N_MELS} HTK-mel bands {MEL_FMIN_HZ:g}-{MEL_FMAX_HZ:g} Hz,"
        f" {N_MFCC} DCT-II coefficients. */\n",
        '#include "kits_features.h"\n\n',
        block("int16_t", "kits_hann_q15", t["hann"], "KITS_FFT_SIZE"),
        block("int16_t", "kits_fft_cos_q15", t["cos"], "KITS_FFT_SIZE / 2"),
        block("int16_t", "kits_fft_sin_q15", t["sin"], "KITS_FFT_SIZE / 2"),
        block("uint16_t", "kits_mel_first_bin", t["mel_first_bin"], "KITS_N_MELS"),
        block("uint16_t", "kits_mel_n_bins", t["mel_n_bins"], "KITS_N_MELS"),
        block("uint16_t", "kits_mel_weight_offset", t["mel_weight_offset"], "KITS_N_MELS"),
        block("uint16_t", "kits_mel_weights_q15", t["mel_weights"], str(len(t["mel_weights"]))),
        block("int16_t", "kits_dct_q15", t["dct"], "KITS_N_MFCC * KITS_N_MELS"),
    ]
    return "\n".join(parts)


def image_downsample(gray: np.ndarray, side: int, invert: bool) -> np.ndarray:
    """NumPy reference of kits_image_downsample: [side, side] values 0..255."""
    gray = np.asarray(gray, np.int64)
    height, width = gray.shape
    if side == 0 or width < side or height < side:
        raise ValueError(f"frame {width}x{height} is smaller than {side}x{side}")
    cell = min(width, height) // side
    y0, x0 = (height - cell * side) // 2, (width - cell * side) // 2
    crop = gray[y0:y0 + cell * side, x0:x0 + cell * side]
    sums = crop.reshape(side, cell, side, cell).sum(axis=(1, 3))
    mean = (sums + cell * cell // 2) // (cell * cell)
    if invert:
        mean = 255 - mean
    lo, hi = mean.min(), mean.max()
    if hi == lo:
        return np.zeros_like(mean)
    return ((mean - lo) * 255 + (hi - lo) // 2) // (hi - lo)
