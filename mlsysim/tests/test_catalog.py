import pytest

import mlsysim as ms

CANONICAL_HARDWARE = ("A100-40GB A100-80GB H100-SXM H100-PCIe H200 B200 MI300X TPUv4 TPUv5e TPUv5p Gaudi2 Gaudi3 "
                      "EPYC-9654 M2-Max Jetson-Orin-Nano Jetson-AGX-Orin RPi4 RPi5 Coral-EdgeTPU nRF52840 ESP32-S3 STM32H747").split()
CANONICAL_MODELS = ("ResNet-50 MobileNetV2 EfficientNet-B0 BERT-base BERT-large GPT-2 GPT-3-175B Llama-2-7B Llama-2-13B "
                    "Llama-2-70B Llama-3-8B Llama-3-70B Llama-3.1-405B Mixtral-8x7B DLRM DS-CNN-KWS MobileNet-PersonDet").split()


def test_every_contract_name_resolves_case_insensitively():
    for name in CANONICAL_HARDWARE:
        assert ms.hardware(name.lower()).name == name
    for name in CANONICAL_MODELS:
        assert ms.model(name.upper()).name == name


def test_every_entry_cites_a_source():
    for name in ms.list_hardware():
        assert len(ms.hardware(name).source) > 20, name
    for name in ms.list_models():
        assert len(ms.model(name).source) > 20, name
    for name in ms.list_interconnects():
        assert ms.interconnect(name).source
    for name in ms.list_nodes():
        assert ms.node(name).source


@pytest.mark.parametrize("name", [n for n in CANONICAL_MODELS if ms.model(n).published_params])
def test_derived_parameter_count_matches_the_authors(name):
    m = ms.model(name)
    assert m.params == pytest.approx(m.published_params, rel=0.03)


@pytest.mark.parametrize("name", [n for n in CANONICAL_MODELS if ms.model(n).published_macs])
def test_derived_macs_match_the_authors(name):
    m = ms.model(name)
    assert m.macs_per_sample == pytest.approx(m.published_macs, rel=0.03)


def test_exact_counts_of_well_known_implementations():
    # torchvision's resnet50 and mobilenet_v2 report these exact trainable-parameter counts
    assert ms.model("ResNet-50").params == 25_557_032
    assert ms.model("MobileNetV2").params == 3_504_872
    assert ms.model("GPT-2").params == 124_439_808


def test_mixture_of_experts_active_parameters():
    m = ms.model("Mixtral-8x7B")
    assert m.active_params == pytest.approx(m.published_active_params, rel=0.03)
    assert m.active_params < m.params / 3


def test_hardware_peaks_are_dense_and_ordered(h100):
    assert h100.peak_flops("bf16") == pytest.approx(989.4e12)
    assert h100.peak_flops("fp8") == pytest.approx(2 * h100.peak_flops("bf16"), rel=0.01)
    for name in ms.list_hardware("datacenter"):
        hw = ms.hardware(name)
        if hw.supports("fp32") and hw.supports("bf16"):
            assert hw.peak_flops("bf16") >= hw.peak_flops("fp32")


def test_nvlink_is_per_direction_per_gpu_and_nics_are_per_gpu():
    assert ms.interconnect("NVLink4").bandwidth_bytes_per_s == pytest.approx(450e9)
    assert ms.interconnect("NVLink3").bandwidth_bytes_per_s == pytest.approx(300e9)
    dgx = ms.node("DGX-H100")
    assert dgx.inter_link.bandwidth_bytes_per_s == pytest.approx(50e9)
    assert dgx.inter_node_bw_bytes_per_s == pytest.approx(400e9)


def test_categories_filter():
    mcus = ms.list_hardware("mcu")
    assert set(mcus) == {"nRF52840", "ESP32-S3", "STM32H747"}
    assert all(ms.hardware(n).flash_bytes for n in mcus)
    assert "Llama-3-8B" in ms.list_models("llama") and "ResNet-50" not in ms.list_models("llama")


def test_unknown_names_suggest_close_matches():
    with pytest.raises(ms.UnknownNameError, match="H100-SXM"):
        ms.hardware("H100 SXM")
    with pytest.raises(ms.UnknownNameError, match="Llama-3-70B"):
        ms.model("llama3-70b")
    with pytest.raises(ms.ValidationError, match="category"):
        ms.list_hardware("gpu-ish")


def test_unsupported_dtype_names_supported_ones():
    with pytest.raises(ms.ValidationError, match="supported: .*int8"):
        ms.hardware("TPUv4").peak_flops("fp8")
    with pytest.raises(ms.ValidationError, match="dtype"):
        ms.hardware("H100-SXM").peak_flops("fp12")


def test_flops_per_token_is_about_two_n():
    m = ms.model("Llama-3-70B")
    assert m.flops_per_token(1) == pytest.approx(2 * (m.params - m.vocab * m.hidden), rel=0.01)
    assert m.flops_per_token(8192) > m.flops_per_token(128)


def test_transformer_builder_validates():
    with pytest.raises(ms.ValidationError, match="kv_heads"):
        ms.transformer("bad", 2, 64, 8, kv_heads=3)
    with pytest.raises(ms.ValidationError, match="layers"):
        ms.transformer("bad", 0, 64, 8)


@pytest.mark.parametrize("name, sram, flash", [
    ("nRF52840", 256 * 2**10, 2**20),       # nRF52840 PS v1.7: 256 KB RAM, 1 MB flash (binary)
    ("ESP32-S3", 512 * 2**10, 8 * 2**20),   # ESP32-S3 datasheet: 512 KB SRAM; 8 MB (64 Mbit) flash
    ("STM32H747", 2**20, 2 * 2**20),        # DS12930: 1 MB RAM, 2 MB flash
])
def test_mcu_memories_are_exact_binary_byte_counts(name, sram, flash):
    hw = ms.hardware(name)
    assert hw.sram_bytes == sram and hw.memory_bytes == sram and hw.flash_bytes == flash


def test_edge_dram_and_caches_are_binary_sized():
    assert ms.hardware("RPi4").memory_bytes == 4 * 2**30
    assert ms.hardware("RPi5").memory_bytes == 8 * 2**30 and ms.hardware("RPi5").sram_bytes == 2 * 2**20
    assert ms.hardware("Jetson-AGX-Orin").memory_bytes == 64 * 2**30
    assert ms.hardware("H100-SXM").memory_bytes == 80e9      # vendor's decimal headline stays


def test_catalog_rows_give_each_size_in_exactly_one_unit():
    from mlsysim.catalog import _size_bytes
    assert _size_bytes({"name": "x", "sram_kib": 2}, "sram") == 2048
    with pytest.raises(ms.ValidationError, match="sram_kb, sram_kib"):
        _size_bytes({"name": "x", "sram_kb": 2, "sram_kib": 2}, "sram")
    with pytest.raises(ms.ValidationError, match="memory_gib"):
        _size_bytes({"name": "x"}, "memory")
    assert _size_bytes({"name": "x"}, "flash", required=False) is None
