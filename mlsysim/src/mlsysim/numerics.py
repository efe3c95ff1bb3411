"""Bit-level arithmetic of number formats: what a single flipped bit does to a BF16 value.

BF16 keeps the top 16 bits of an IEEE-754 float32: 1 sign bit, 8 exponent bits (bias 127) and 7 mantissa
bits. Converting a float to BF16 rounds to nearest, ties to even, as PyTorch's ``tensor.to(torch.bfloat16)``
and the hardware converters do. Pure Python (``struct``), so it also runs in the browser labs.

Used by the Volume II Robust AI chapter and its deck (the bit-flip figure and the "top exponent bit" number).
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from .errors import ValidationError

BF16_BITS = 16
BF16_MANTISSA_BITS = 7
BF16_EXPONENT_BITS = 8


def bf16_encode(x: float) -> int:
    """The 16-bit BF16 pattern of ``x``, rounded to nearest with ties to even (NaN stays a quiet NaN)."""
    if math.isnan(x):
        return 0x7FC0
    bits32 = struct.unpack(">I", struct.pack(">f", x))[0]
    rounding = 0x7FFF + ((bits32 >> 16) & 1)
    return ((bits32 + rounding) >> 16) & 0xFFFF


def bf16_decode(bits: int) -> float:
    """The value of a 16-bit BF16 pattern."""
    if not 0 <= bits <= 0xFFFF:
        raise ValidationError("bits", f"a BF16 pattern is 16 bits (0..0xFFFF), got {bits!r}")
    return struct.unpack(">f", struct.pack(">I", bits << 16))[0]


def bf16_round(x: float) -> float:
    """``x`` as BF16 stores it."""
    return bf16_decode(bf16_encode(x))


@dataclass(frozen=True)
class BitFlip:
    bit: int                  # 0 = least significant mantissa bit, 15 = sign
    field: str                # "mantissa", "exponent" or "sign"
    value: float              # the value after the flip (may be inf or nan)
    relative_change: float    # |after - before| / |before|; inf when the flip leaves the finite numbers


def bf16_bit_flips(x: float) -> list[BitFlip]:
    """Flip each of the 16 bits of ``x`` (rounded to BF16) in turn; one row per bit, bit 0 first."""
    if not math.isfinite(x) or x == 0:
        raise ValidationError("x", f"needs a finite non-zero value to measure a relative change, got {x!r}")
    before_bits = bf16_encode(x)
    before = bf16_decode(before_bits)
    rows = []
    for bit in range(BF16_BITS):
        after = bf16_decode(before_bits ^ (1 << bit))
        field = ("mantissa" if bit < BF16_MANTISSA_BITS
                 else "exponent" if bit < BF16_MANTISSA_BITS + BF16_EXPONENT_BITS else "sign")
        change = abs(after - before) / abs(before) if math.isfinite(after) else math.inf
        rows.append(BitFlip(bit, field, after, change))
    return rows
