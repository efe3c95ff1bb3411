"""The DSP-extension kernels, with the real SMLAD/SXTB16 instructions, on the emulated
Cortex-M4: random layers (every code path: channel counts with and without a multiple of
four, padding, strides, odd row counts) and every layer of the shipped models give the
NumPy reference's outputs, and so do the portable kernels in the same image layout."""

import numpy as np
import pytest

from kits_host import kernel_check


@pytest.fixture(scope="module")
def cases(qemu_images, models):
    # qemu_images skips the module with its reason when the toolchain is missing.
    return kernel_check.random_cases(seed=3, per_kind=6) + kernel_check.model_cases(models)


@pytest.mark.parametrize("variant", ["dsp", "portable"])
def test_kernels_under_qemu_match_numpy(cases, variant, tmp_path):
    run = kernel_check.run_cases(cases, variant, tmp_path)
    assert run.variant == variant  # the image reports which kernels its build selected
    # -icount shift=0 with a 25 MHz SysTick: 40 instructions per tick.
    assert run.instructions_per_tick == pytest.approx(40, rel=0.01)
    for case, out in zip(cases, run.outputs):
        np.testing.assert_array_equal(out, case.reference(), err_msg=case.name)
    assert all(n > 0 for n in run.instructions)


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="choose one of dsp, portable"):
        kernel_check.build_image([], "neon")
