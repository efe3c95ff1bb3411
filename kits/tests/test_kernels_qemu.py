"""The DSP-extension kernels, with the real SMLAD/SXTB16 instructions, on the emulated
Cortex-M4: random layers (every code path: channel counts with and without a multiple of
four, padding, strides, odd row counts) and every layer of the shipped models give the
NumPy reference's outputs, and so do the portable kernels built the same way."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kits_host import kernel_check


@pytest.fixture(scope="module")
def model_cases(qemu_images, models):
    # qemu_images skips the module with its reason when the toolchain is missing.
    return kernel_check.model_cases(models)


def _check(cases, variant, out_dir):
    run = kernel_check.run_cases(cases, variant, out_dir)
    assert run.variant == variant  # the image reports which kernels its build selected
    # -icount shift=0 with a 25 MHz SysTick: 40 instructions per tick.
    assert run.instructions_per_tick == pytest.approx(40, rel=0.01)
    for case, out in zip(cases, run.outputs):
        np.testing.assert_array_equal(out, case.reference(), err_msg=case.name)
    assert all(n > 0 for n in run.instructions)


@pytest.mark.parametrize("variant", ["dsp", "portable"])
def test_model_layers_under_qemu_match_numpy(model_cases, variant, tmp_path):
    _check(model_cases, variant, tmp_path)


@settings(max_examples=2, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_layers_under_qemu_match_numpy(model_cases, tmp_path_factory, seed):
    # Each example is one firmware image holding 18 random layers (6 of each kind).
    _check(kernel_check.random_cases(seed=seed, per_kind=6), "dsp", tmp_path_factory.mktemp("random"))


def test_assembly_paths_under_qemu_match_numpy(model_cases, tmp_path):
    # The DSP kernels' inline assembly (depthwise rows with their edge pixels, the small
    # convolutions' dot products) runs only on the emulated core; these shapes reach every branch.
    _check(kernel_check.path_cases(), "dsp", tmp_path)


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="choose one of dsp, portable"):
        kernel_check.build_image([], "neon")
