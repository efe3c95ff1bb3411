"""BF16 encoding and single-bit flips (mlsysim.numerics)."""
import math

import pytest

from mlsysim import ValidationError
from mlsysim.numerics import bf16_bit_flips, bf16_decode, bf16_encode, bf16_round


@pytest.mark.parametrize("x", [0.0234, -1.5, 3.14159, 1e-30, 65504.0, 1.00390625, 1.01171875, 2.0 ** -133])
def test_rounding_matches_pytorch_bfloat16(x):
    torch = pytest.importorskip("torch")
    assert bf16_round(x) == torch.tensor(x, dtype=torch.float32).to(torch.bfloat16).item()


def test_ties_round_to_even():
    # 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: the even mantissa (1.0) wins; 1 + 3*2^-8 rounds up to 1 + 2^-6
    assert bf16_round(1.0 + 2 ** -8) == 1.0
    assert bf16_round(1.0 + 3 * 2 ** -8) == 1.0 + 2 ** -6


def test_each_field_of_a_flip_does_what_the_format_says():
    rows = bf16_bit_flips(0.0234)
    w = bf16_round(0.0234)
    assert [r.field for r in rows] == ["mantissa"] * 7 + ["exponent"] * 8 + ["sign"]
    assert all(r.relative_change < 0.5 + 1e-12 for r in rows[:7])       # a mantissa bit is worth < half the value
    assert rows[15].value == -w                                          # the sign bit negates
    assert rows[7].value in (w * 2, w / 2)                               # the lowest exponent bit: x2 or /2
    assert rows[14].value == pytest.approx(w * 2.0 ** 128)               # exponent just below the bias: +128


def test_encode_decode_round_trip_every_pattern_that_is_a_number():
    for bits in range(0, 0x10000, 97):
        v = bf16_decode(bits)
        if math.isfinite(v) and not (v == 0 and bits == 0x8000):
            assert bf16_encode(v) == bits


def test_bad_input_names_the_field():
    with pytest.raises(ValidationError, match="x:"):
        bf16_bit_flips(0.0)
    with pytest.raises(ValidationError, match="bits:"):
        bf16_decode(0x10000)
