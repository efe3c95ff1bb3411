# Hardware kits: portable C core, MCU firmware (PlatformIO), QEMU emulation, Linux-board
# benchmarks and the `kits` host tool (see kits/README.md).
TEST_TARGETS      += test-kits kits-pio
SLOW_TEST_TARGETS += test-kits-slow
BENCH_TARGETS     += bench-kits

# Cortex-M4 cross compiler, its C library, and the emulator for the mps2-an386 board.
KITS_APT_PACKAGES := gcc gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm

.PHONY: kits-toolchain test-kits test-kits-slow bench-kits kits-emulate kits-size kits-models kits-pio

kits-toolchain:
	@$(APT) $(KITS_APT_PACKAGES) || echo "kits: could not install $(KITS_APT_PACKAGES); the emulation tests will be SKIPPED (see the reasons pytest prints)" >&2

test-kits: venv kits-toolchain ## Kits fast tests: C core bit-exact vs NumPy, QEMU Cortex-M4 runs, host tool end to end
	$(PYTEST) -rs -n 2 kits/tests -m "not slow"

test-kits-slow: venv kits-toolchain ## Kits slow tests: retrain the reference models, long fuzz runs
	$(PYTEST) -rs kits/tests -m slow

bench-kits: venv kits-toolchain ## Kits: C kernels vs NumPy reference, emulated instruction counts, Linux-board harness
	$(PY) -m kits_host.bench

# CI job for the board projects (part of `make test`, which CI runs): `pio run` for every
# environment of every board. It needs the PlatformIO registry (platforms, toolchains, Arduino
# cores: minutes and about 2 GB on first run); where the registry is unreachable (a 5 s probe) it
# prints a SKIPPED notice and succeeds, having built nothing.
kits-pio: venv ## Kits: build every PlatformIO board environment (skipped, with a notice, without the PlatformIO registry)
	$(PY) -m kits_host.pio_ci

kits-emulate: venv kits-toolchain ## Kits: run every reference model in QEMU (mps2-an386) and compare with the host reference
	$(BIN)/kits emulate

kits-size: venv kits-toolchain ## Kits: flash/RAM of each firmware image vs each board's limits
	$(BIN)/kits size

kits-models: venv ## Kits: retrain the reference models (needs PyTorch) and re-export kits/models
	@set -e; for m in kws motion digits; do $(BIN)/kits train $$m --out $(BUILD)/kits/models; \
	  $(BIN)/kits export $(BUILD)/kits/models/$$m.kmodel.json; done
