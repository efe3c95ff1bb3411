"""An int8 TensorFlow Lite flatbuffer, written here with the schema-generated builder code of
the `tflite` package, imports into the kits model format and computes what the TFLite
interpreter's reference kernels compute."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tflite_builder
from kits_host.export import OP_FC, OP_SOFTMAX, QuantizedModel
from kits_host.tflite_import import TFLiteImportError, from_tflite


def _litert(data):
    litert = pytest.importorskip("ai_edge_litert.interpreter",
                                 reason="the TFLite interpreter (pip install ai-edge-litert) is the reference")
    # The reference kernels, not XNNPACK (whose int8 requantization rounds differently).
    interp = litert.Interpreter(model_content=data, experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF,
                                experimental_preserve_all_tensors=True)
    interp.allocate_tensors()
    return interp


LAYER_TENSORS = ["conv", "dw", "maxpool", "avgpool", "logits", "probs"]


def _single_rounding(acc, multiplier, shift):
    """(acc * multiplier) / 2^(31 - shift) rounded once, half up: how the LiteRT interpreter's
    int8 fully connected reference kernel requantizes (its convolutions round twice, as
    gemmlowp, CMSIS-NN, TFLite Micro and kits do)."""
    acc, multiplier, shift = (np.asarray(v, np.int64) for v in (acc, multiplier, shift))
    total = 31 - shift
    return (acc * multiplier + (np.int64(1) << (total - 1))) >> total


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
@example(seed=645)  # a fully connected output on an exact tie: LiteRT rounds it once, kits twice
def test_imported_model_matches_the_tflite_interpreter(seed):
    from unittest import mock

    from kits_host import quant

    rng = np.random.default_rng(seed)
    data = tflite_builder.small_cnn(rng)
    model = from_tflite(data, "tiny", labels=["a", "b", "c", "d"])
    interp = _litert(data)
    by_name = {d["name"]: d["index"] for d in interp.get_tensor_details()}
    for _ in range(4):
        x = rng.integers(-128, 128, (1, 12, 12, 1)).astype(np.int8)
        interp.set_tensor(interp.get_input_details()[0]["index"], x)
        interp.invoke()
        h = x.reshape(12, 12, 1)
        for layer, tensor in zip(model.layers, LAYER_TENSORS):
            got = np.asarray(layer.run(h))
            expected = interp.get_tensor(by_name[tensor]).reshape(got.shape)
            if layer.op == OP_SOFTMAX:
                # kits' softmax (Q16 exp table) and TFLite's differ by at most one output step
                assert np.abs(got.astype(int) - expected).max() <= 1, tensor
            elif layer.op == OP_FC:
                differ = got != expected
                if differ.any():  # only on ties, where LiteRT's single rounding goes the other way
                    with mock.patch.object(quant, "requantize", _single_rounding):
                        once = np.asarray(layer.run(h))
                    np.testing.assert_array_equal(expected[differ], once[differ], err_msg=tensor)
                    assert np.abs(got[differ].astype(int) - expected[differ]).max() == 1
            else:
                np.testing.assert_array_equal(got, expected, err_msg=tensor)
            h = expected  # each layer gets the interpreter's input, so layers are checked one by one


def test_import_records_what_the_firmware_needs(tmp_path):
    data = tflite_builder.small_cnn(np.random.default_rng(0))
    model = from_tflite(data, "tiny", labels=["a", "b", "c", "d"])
    assert model.input_shape == (12, 12, 1)
    assert (model.input_scale, model.input_zero_point) == (pytest.approx(0.02), -3)
    assert [layer.op for layer in model.layers] == [1, 2, 4, 5, 3, 6]  # RESHAPE needs no layer
    conv, dw = model.layers[:2]
    assert conv.input_offset == 3 and conv.act_min == -128  # ReLU at the output zero point
    assert dw.act_max == -100 + round(6 / 0.04)  # ReLU6
    assert dw.window.stride_h == 2 and conv.window.pad_top == 1  # SAME padding, as TFLite pads
    model.save(tmp_path)
    again = QuantizedModel.load(tmp_path / "tiny.kmodel.json")
    x = np.random.default_rng(1).integers(-128, 128, model.input_size)
    np.testing.assert_array_equal(again.run(x), model.run(x))


def test_unsupported_operator_is_named():
    data = tflite_builder.small_cnn(np.random.default_rng(0), extra_op="ADD")
    with pytest.raises(TFLiteImportError, match=r"unsupported TFLite operator\(s\): ADD; kits runs CONV_2D"):
        from_tflite(data, "tiny")


def test_not_a_tflite_file():
    with pytest.raises(TFLiteImportError, match="not a TensorFlow Lite flatbuffer"):
        from_tflite(b"\x00" * 64, "tiny")


def test_wrong_label_count():
    data = tflite_builder.small_cnn(np.random.default_rng(0))
    with pytest.raises(TFLiteImportError, match="3 labels given for a model with 4 outputs"):
        from_tflite(data, "tiny", labels=["a", "b", "c"])


def test_cli_import_writes_a_platformio_model_library(tmp_path):
    from click.testing import CliRunner
    from kits_host.cli import main

    path = tmp_path / "tiny.tflite"
    path.write_bytes(tflite_builder.small_cnn(np.random.default_rng(0)))
    out = tmp_path / "lib"
    result = CliRunner().invoke(main, ["import-tflite", str(path), "--labels", "a,b,c,d", "--kind", "image",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("tiny_model.c", "tiny_model.h", "tiny.kmodel.json", "library.json"):
        assert (out / name).exists(), name
    bad = tmp_path / "add.tflite"
    bad.write_bytes(tflite_builder.small_cnn(np.random.default_rng(0), extra_op="ADD"))
    result = CliRunner().invoke(main, ["import-tflite", str(bad), "--out", str(out)])
    assert result.exit_code != 0 and "unsupported TFLite operator(s): ADD" in result.output
