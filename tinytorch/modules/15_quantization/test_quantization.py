"""Module 15 tests: quantization error bounds, per-channel scales, quantized layers and models."""
import numpy as np
import pytest

from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.tensor import Tensor, manual_seed, randn
from tinytorch.optimization.quantization import (QuantizedLinear, calibrate_scale, dequantize, model_bytes, quantize_model,
                                                 quantize_tensor)

RNG = np.random.default_rng(0)


def test_roundtrip_error_is_at_most_half_a_step():
    x = RNG.standard_normal((16, 32)).astype(np.float32)
    for axis in (None, 0, 1):
        q, s = quantize_tensor(x, axis)
        assert q.dtype == np.int8 and np.abs(q).max() == 127
        assert np.all(np.abs(dequantize(q, s) - x) <= s / 2 + 1e-7)


def test_per_channel_beats_per_tensor_with_an_outlier_row():
    w = RNG.standard_normal((8, 16)).astype(np.float32)
    w[0] *= 100
    err = {axis: np.abs(dequantize(*quantize_tensor(w, axis)) - w)[1:].mean() for axis in (None, 0)}
    assert err[0] < err[None] / 10


def test_zero_tensor_does_not_divide_by_zero():
    q, s = quantize_tensor(np.zeros((3, 3)))
    assert np.all(q == 0) and np.all(np.isfinite(s))


def test_quantized_linear_close_to_float_and_smaller():
    manual_seed(0)
    layer = Linear(64, 32)
    x = randn(10, 64)
    ql = QuantizedLinear(layer)
    reference = layer(x).data
    assert np.abs(ql(x).data - reference).max() < 0.02 * np.abs(reference).max()
    assert ql.nbytes() < 4 * layer.weight.numel() / 3
    w8a8 = QuantizedLinear(layer, activation_scale=calibrate_scale([x]))
    assert np.abs(w8a8(x).data - reference).max() < 0.05 * np.abs(reference).max()
    assert "W8A8" in repr(w8a8)


def test_quantize_model_swaps_nested_linears_and_shrinks_memory():
    model = Sequential(Linear(32, 64), ReLU(), Linear(64, 8))
    x = randn(5, 32)
    before_bytes, before = model_bytes(model), model(x).data
    assert quantize_model(model) == 2
    assert all(isinstance(layer, QuantizedLinear) for layer in (model.layers[0], model.layers[2]))
    assert model_bytes(model) < before_bytes / 3  # biases and scales stay float32
    np.testing.assert_allclose(model(x).data, before, atol=0.05)


def test_calibration_uses_a_percentile_and_rejects_empty_input():
    samples = [np.concatenate([np.ones(100000), [1000.0]])]
    assert calibrate_scale(samples, percentile=99.0) == pytest.approx(1 / 127)
    with pytest.raises(ValueError, match="no calibration"):
        calibrate_scale([np.array([])])
