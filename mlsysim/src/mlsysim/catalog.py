"""Catalog records (hardware, links, nodes, clusters, models) loaded from the YAML files in ``data/``.

Every number in a record traces to the ``source`` of its YAML entry. Model parameter counts and FLOPs
are *derived* here from architecture hyper-parameters, never typed in.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Mapping

import yaml

from . import architectures
from .errors import UnknownNameError, ValidationError, choice, positive, positive_int
from .units import DTYPE_BYTES, GB, GiB, KB, KiB, MB, MiB, TERA, dtype_name

CATEGORIES = ("datacenter", "cpu", "edge", "mcu")
TOPOLOGIES = ("rail-optimized", "fat-tree", "torus")


def _load(filename: str) -> list[dict]:
    with resources.files("mlsysim.data").joinpath(filename).open("r", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _num(value) -> float | None:
    """YAML 1.1 reads '1.5e9' as a string; accept both spellings."""
    return None if value is None else float(value)


#: Capacity spellings a catalog row may use: decimal where the source quotes decimal units, binary
#: (KiB/MiB/GiB) where the part is binary-sized, e.g. MCU SRAM/flash and DRAM chips (JEDEC "GB" = 2**30).
_SIZE_UNITS = {"kb": KB, "mb": MB, "gb": GB, "kib": KiB, "mib": MiB, "gib": GiB}


def _size_bytes(row: Mapping, field_name: str, required: bool = True) -> float | None:
    """Exact byte count of ``<field_name>_<unit>``; exactly one unit spelling per field."""
    given = {unit: row[f"{field_name}_{unit}"] for unit in _SIZE_UNITS if row.get(f"{field_name}_{unit}") is not None}
    if len(given) > 1:
        raise ValidationError(f"{row.get('name')}.{field_name}",
                              f"give one of {', '.join(f'{field_name}_{u}' for u in given)}, not several")
    if not given:
        if required:
            raise ValidationError(f"{row.get('name')}.{field_name}",
                                  f"missing; give {field_name}_gb (decimal) or {field_name}_gib (binary)")
        return None
    (unit, value), = given.items()
    return float(value) * _SIZE_UNITS[unit]


class _Record:
    def to_dict(self) -> dict:
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, _Record):
                value = value.name
            elif isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple) and value and isinstance(value[0], architectures.Layer):
                continue
            out[f.name] = value
        return out


# --------------------------------------------------------------------------------------------------
# Hardware
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Hardware(_Record):
    """One accelerator, CPU, edge board or microcontroller. Peaks are dense (no 2:4 sparsity)."""

    name: str
    vendor: str
    category: str
    form_factor: str
    peak_flops_by_dtype: Mapping[str, float]
    memory_bytes: float
    memory_bw_bytes_per_s: float
    sram_bytes: float | None
    flash_bytes: float | None
    tdp_w: float | None
    price_usd: float | None
    notes: str
    source: str
    sustained_fraction: float | None = None
    sustained_fraction_source: str = ""

    def peak_flops(self, dtype: str = "bf16") -> float:
        """Dense peak FLOP/s (or OP/s for integer types) in ``dtype``."""
        key = dtype_name(dtype)
        if key not in self.peak_flops_by_dtype:
            raise ValidationError("dtype", f"{self.name} has no published {key} peak; supported: "
                                  f"{', '.join(self.peak_flops_by_dtype)}")
        return self.peak_flops_by_dtype[key]

    def supports(self, dtype: str) -> bool:
        return dtype_name(dtype) in self.peak_flops_by_dtype

    def ridge_point(self, dtype: str = "bf16") -> float:
        """Arithmetic intensity (FLOP/byte) where the roofline turns from memory- to compute-bound."""
        return self.peak_flops(dtype) / self.memory_bw_bytes_per_s

    def replace(self, **changes) -> "Hardware":
        """A what-if copy, e.g. ``hw.replace(memory_bw_bytes_per_s=2 * hw.memory_bw_bytes_per_s)``."""
        return dataclasses.replace(self, **changes)


@functools.lru_cache(maxsize=None)
def _hardware_table() -> dict[str, Hardware]:
    table = {}
    for row in _load("hardware.yaml"):
        peaks = {dtype_name(k): float(v) * TERA for k, v in row["peak_tflops"].items()}
        table[row["name"].lower()] = Hardware(
            name=row["name"], vendor=row["vendor"], category=row["category"], form_factor=row.get("form_factor", ""),
            peak_flops_by_dtype=peaks, memory_bytes=_size_bytes(row, "memory"),
            memory_bw_bytes_per_s=float(row["memory_gbps"]) * GB,
            sram_bytes=_size_bytes(row, "sram", required=False),
            flash_bytes=_size_bytes(row, "flash", required=False),
            tdp_w=_num(row.get("tdp_w")), price_usd=_num(row.get("price_usd")),
            notes=row.get("notes", ""), source=row["source"],
            sustained_fraction=_num((row.get("sustained") or {}).get("fraction")),
            sustained_fraction_source=(row.get("sustained") or {}).get("calibration", ""))
    return table


def hardware(name) -> Hardware:
    """Look up a device by name (case-insensitive). Passing a Hardware returns it unchanged."""
    if isinstance(name, Hardware):
        return name
    table = _hardware_table()
    try:
        return table[str(name).lower()]
    except KeyError:
        raise UnknownNameError("hardware", name, [h.name for h in table.values()]) from None


def list_hardware(category: str | None = None) -> list[str]:
    rows = _hardware_table().values()
    if category is not None:
        category = choice("category", category, CATEGORIES)
        rows = [h for h in rows if h.category == category]
    return [h.name for h in rows]


# --------------------------------------------------------------------------------------------------
# Links, nodes, clusters
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Link(_Record):
    """A link tier. ``bandwidth_bytes_per_s`` is per direction and per device."""

    name: str
    kind: str
    bandwidth_bytes_per_s: float
    latency_s: float
    peak_efficiency: float
    notes: str
    source: str

    def replace(self, **changes) -> "Link":
        return dataclasses.replace(self, **changes)


@functools.lru_cache(maxsize=None)
def _link_table() -> dict[str, Link]:
    return {row["name"].lower(): Link(name=row["name"], kind=row["kind"],
                                      bandwidth_bytes_per_s=float(row["bandwidth_gbps"]) * GB,
                                      latency_s=float(row["latency_us"]) * 1e-6,
                                      peak_efficiency=float(row["peak_efficiency"]),
                                      notes=row.get("notes", ""), source=row["source"])
            for row in _load("interconnects.yaml")}


def interconnect(name) -> Link:
    if isinstance(name, Link):
        return name
    table = _link_table()
    try:
        return table[str(name).lower()]
    except KeyError:
        raise UnknownNameError("interconnect", name, [l.name for l in table.values()]) from None


def is_interconnect_name(name) -> bool:
    """Whether ``name`` is a catalog link (a cheap test: no error, no close-match search)."""
    return str(name).lower() in _link_table()


def is_node_name(name) -> bool:
    return str(name).lower() in _node_table()


def is_hardware_name(name) -> bool:
    return str(name).lower() in _hardware_table()


def list_interconnects() -> list[str]:
    return [l.name for l in _link_table().values()]


@dataclass(frozen=True, eq=False)
class Node(_Record):
    """A server: ``count`` accelerators joined by ``intra_link``; ``inter_link`` is per accelerator."""

    name: str
    accelerator: Hardware
    count: int
    intra_link: Link
    inter_link: Link
    nics_per_node: int
    power_w: float | None
    source: str

    @property
    def inter_node_bw_bytes_per_s(self) -> float:
        """Scale-out bandwidth of the whole node (all NICs, one direction)."""
        return self.nics_per_node * self.inter_link.bandwidth_bytes_per_s


@functools.lru_cache(maxsize=None)
def _node_table() -> dict[str, Node]:
    return {row["name"].lower(): Node(name=row["name"], accelerator=hardware(row["accelerator"]), count=int(row["count"]),
                                      intra_link=interconnect(row["intra_link"]), inter_link=interconnect(row["inter_link"]),
                                      nics_per_node=int(row["nics_per_node"]), power_w=_num(row.get("power_w")),
                                      source=row["source"])
            for row in _load("nodes.yaml")}


def node(name) -> Node:
    if isinstance(name, Node):
        return name
    table = _node_table()
    try:
        return table[str(name).lower()]
    except KeyError:
        raise UnknownNameError("node", name, [n.name for n in table.values()]) from None


def list_nodes() -> list[str]:
    return [n.name for n in _node_table().values()]


@dataclass(frozen=True, eq=False)
class Cluster(_Record):
    """``nodes`` copies of ``node`` on a scale-out network of the given topology.

    ``oversubscription`` > 1 divides the per-accelerator scale-out bandwidth for traffic that crosses
    the spine of a fat-tree (a rail-optimized network keeps same-rank traffic on one leaf switch).
    """

    name: str
    node: Node
    nodes: int
    topology: str
    oversubscription: float

    @property
    def accelerator(self) -> Hardware:
        return self.node.accelerator

    @property
    def n_devices(self) -> int:
        return self.node.count * self.nodes

    @property
    def gpus_per_node(self) -> int:
        return self.node.count

    @property
    def scale_out_link(self) -> Link:
        """The per-accelerator scale-out link after topology effects."""
        link = self.node.inter_link
        if self.topology != "fat-tree":
            return link
        # a packet crosses up to three switch tiers instead of one leaf, tapered or not
        link = link.replace(latency_s=link.latency_s * 1.5)
        if self.oversubscription > 1:
            link = link.replace(name=f"{link.name}/{self.oversubscription:g}:1",
                                bandwidth_bytes_per_s=link.bandwidth_bytes_per_s / self.oversubscription)
        return link


def cluster(node_name, nodes: int = 1, topology: str = "rail-optimized", oversubscription: float = 1.0) -> Cluster:
    n = node(node_name)
    nodes = positive_int("nodes", nodes)
    topology = choice("topology", topology, TOPOLOGIES)
    oversubscription = positive("oversubscription", oversubscription)
    if oversubscription < 1:
        raise ValidationError("oversubscription", f"must be >= 1 (1 = non-blocking), got {oversubscription}")
    return Cluster(name=f"{nodes}x {n.name} ({topology})", node=n, nodes=nodes, topology=topology,
                   oversubscription=oversubscription)


def single_device_cluster(hw: Hardware, n_devices: int) -> Cluster:
    """A cluster of ``n_devices`` of a bare device type.

    When the catalog has a server built around the device (H100-SXM -> DGX-H100), its nodes are used,
    holding the given Hardware object so what-if copies (``hw.replace(...)``) keep their changes.
    Otherwise devices are grouped up to 8 per node on PCIe with one 400 Gb/s NIC each.
    """
    n_devices = positive_int("n_devices", n_devices)
    server = next((n for n in _node_table().values() if n.accelerator.name == hw.name), None)
    if server is not None:
        per_node = math.gcd(n_devices, server.count)
        base = dataclasses.replace(server, accelerator=hw, count=per_node,
                                   name=server.name if per_node == server.count else f"{per_node}-device {server.name}")
        return Cluster(name=f"{n_devices // per_node}x {base.name}", node=base, nodes=n_devices // per_node,
                       topology="rail-optimized", oversubscription=1.0)
    per_node = math.gcd(n_devices, 8)
    intra = "PCIe5" if hw.category == "datacenter" else "PCIe4"
    fake = Node(name=f"{per_node}x {hw.name} server", accelerator=hw, count=per_node, intra_link=interconnect(intra),
                inter_link=interconnect("IB-NDR"), nics_per_node=per_node, power_w=None,
                source="assembled by mlsysim.single_device_cluster (PCIe server, one NDR NIC per device)")
    return Cluster(name=f"{n_devices // per_node}x {fake.name}", node=fake, nodes=n_devices // per_node,
                   topology="rail-optimized", oversubscription=1.0)


# --------------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Model(_Record):
    """A model's architecture. Parameter counts and FLOPs are derived from the hyper-parameters."""

    name: str
    family: str
    kind: str  # 'transformer' | 'cnn' | 'dlrm'
    source: str = ""
    layers: int = 0
    hidden: int = 0
    heads: int = 0
    kv_heads: int = 0
    head_dim: int = 0
    ffn_hidden: int = 0
    ffn: str = "gelu"
    vocab: int = 0
    experts: int = 1
    active_experts: int = 1
    max_seq_len: int = 0
    position: str = "rope"
    bias: bool = False
    norm: str = "layernorm"
    tied_embeddings: bool = False
    encoder: bool = False
    token_types: int = 0
    published_params: float | None = None
    published_active_params: float | None = None
    published_macs: float | None = None
    published_memory_bytes: float | None = None
    cnn_layers: tuple = ()
    dense_features: int = 0
    embedding_dim: int = 0
    table_rows: tuple = ()
    bottom_mlp: tuple = ()
    top_mlp: tuple = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    # -- transformer pieces -------------------------------------------------------------------
    @property
    def q_dim(self) -> int:
        return self.heads * self.head_dim

    @property
    def kv_dim(self) -> int:
        return self.kv_heads * self.head_dim

    @property
    def ffn_matrices(self) -> int:
        return 3 if self.ffn == "swiglu" else 2

    @property
    def attention_params_per_layer(self) -> int:
        d = self.hidden
        weights = d * self.q_dim + 2 * d * self.kv_dim + self.q_dim * d
        biases = (self.q_dim + 2 * self.kv_dim + d) if self.bias else 0
        return weights + biases

    @property
    def expert_params(self) -> int:
        """Parameters of one feed-forward expert (the whole FFN for a dense model)."""
        weights = self.ffn_matrices * self.hidden * self.ffn_hidden
        biases = ((self.ffn_matrices - 1) * self.ffn_hidden + self.hidden) if self.bias else 0
        return weights + biases

    @property
    def norm_params_per_layer(self) -> int:
        return 2 * (2 * self.hidden if self.norm == "layernorm" else self.hidden)

    @property
    def router_params_per_layer(self) -> int:
        return self.hidden * self.experts if self.experts > 1 else 0

    @property
    def params_per_layer(self) -> int:
        return (self.attention_params_per_layer + self.experts * self.expert_params
                + self.router_params_per_layer + self.norm_params_per_layer)

    @property
    def active_params_per_layer(self) -> int:
        return (self.attention_params_per_layer + self.active_experts * self.expert_params
                + self.router_params_per_layer + self.norm_params_per_layer)

    @property
    def embedding_params(self) -> int:
        """Token (+ position, + segment) embeddings and an untied output head."""
        if self.kind != "transformer":
            return int(sum(self.table_rows) * self.embedding_dim)
        d = self.hidden
        table = self.vocab * d
        positions = self.max_seq_len * d if self.position == "learned" else 0
        segments = self.token_types * d
        head = 0 if self.tied_embeddings else self.vocab * d
        return table + positions + segments + head

    @property
    def _final_params(self) -> int:
        d = self.hidden
        norm = 2 * d if self.norm == "layernorm" else d
        # encoders normalise the embeddings and add a pooler; decoders end in a final norm
        return norm + (d * d + d if self.encoder else 0)

    @property
    def params(self) -> float:
        """Total parameters."""
        if self.kind == "transformer":
            return float(self.layers * self.params_per_layer + self.embedding_params + self._final_params)
        if self.kind == "cnn":
            return float(sum(l.params for l in self.cnn_layers))
        return float(self.embedding_params + self.mlp_params)

    @property
    def active_params(self) -> float:
        """Parameters touched per token (differs from ``params`` only for mixture-of-experts)."""
        if self.kind != "transformer":
            return self.params
        return float(self.layers * self.active_params_per_layer + self.embedding_params + self._final_params)

    @property
    def matmul_params(self) -> float:
        """Active parameters that take part in matrix multiplies per token (embedding lookups excluded,
        the output projection onto the vocabulary included)."""
        if self.kind != "transformer":
            return self.active_params
        layer = self.attention_params_per_layer + self.active_experts * self.expert_params + self.router_params_per_layer
        return float(self.layers * layer + (0 if self.encoder else self.vocab * self.hidden))

    def flops_per_token(self, seq_len: int | None = None) -> float:
        """Forward FLOPs for one token attending over ``seq_len`` positions: 2*matmul params + 4*L*s*d_attn.

        Training costs three times this (forward + two backward matmuls); recomputation adds one more.
        """
        if self.kind != "transformer":
            raise ValidationError("model", f"{self.name} is a {self.kind}; use flops_per_sample")
        seq_len = positive_int("seq_len", seq_len if seq_len is not None else self.max_seq_len)
        return 2.0 * self.matmul_params + 4.0 * self.layers * seq_len * self.q_dim

    @property
    def flops_per_sample(self) -> float:
        """Forward FLOPs for one input (CNN image, DLRM sample; a transformer at its max sequence)."""
        if self.kind == "cnn":
            return 2.0 * sum(l.macs for l in self.cnn_layers)
        if self.kind == "dlrm":
            n_vectors = len(self.table_rows) + 1
            interactions = n_vectors * (n_vectors - 1) // 2 * self.embedding_dim
            return 2.0 * (self.mlp_params + interactions)
        return self.flops_per_token(self.max_seq_len) * self.max_seq_len

    @property
    def macs_per_sample(self) -> float:
        return self.flops_per_sample / 2

    # -- memory-related ------------------------------------------------------------------------
    def weight_bytes(self, dtype: str = "bf16") -> float:
        return self.params * DTYPE_BYTES[dtype_name(dtype)]

    def kv_bytes_per_token(self, dtype: str = "bf16") -> float:
        """K and V for one token across all layers: 2 * layers * kv_heads * head_dim * bytes."""
        if self.kind != "transformer" or self.encoder:
            raise ValidationError("model", f"{self.name} has no KV cache (only decoder transformers do)")
        return 2.0 * self.layers * self.kv_dim * DTYPE_BYTES[dtype_name(dtype)]

    @property
    def peak_activation_elements(self) -> int:
        """Largest set of activations alive at once during single-sample inference (CNNs)."""
        if self.kind != "cnn":
            raise ValidationError("model", f"{self.name} is a {self.kind}; peak activation is defined for CNNs")
        return max(l.live_elements for l in self.cnn_layers)

    @property
    def mlp_params(self) -> float:
        if self.kind != "dlrm":
            return 0.0
        total, width = 0, self.dense_features
        for out in self.bottom_mlp:
            total += width * out + out
            width = out
        n_vectors = len(self.table_rows) + 1
        width = self.embedding_dim + n_vectors * (n_vectors - 1) // 2
        for out in self.top_mlp:
            total += width * out + out
            width = out
        return float(total)

    def replace(self, **changes) -> "Model":
        return dataclasses.replace(self, **changes)


def transformer(name: str, layers: int, hidden: int, heads: int, *, kv_heads: int | None = None,
                head_dim: int | None = None, ffn_hidden: int | None = None, vocab: int = 51200,
                ffn: str = "gelu", max_seq_len: int = 2048, experts: int = 1, active_experts: int = 1,
                position: str = "learned", bias: bool = True, norm: str = "layernorm",
                tied_embeddings: bool = True, family: str = "custom", source: str = "user-defined") -> Model:
    """Build a decoder transformer from hyper-parameters (e.g. a configuration from a paper's table)."""
    layers = positive_int("layers", layers)
    hidden = positive_int("hidden", hidden)
    heads = positive_int("heads", heads)
    kv_heads = positive_int("kv_heads", kv_heads if kv_heads is not None else heads)
    if heads % kv_heads:
        raise ValidationError("kv_heads", f"must divide heads={heads}; got {kv_heads}")
    if head_dim is None:
        if hidden % heads:
            raise ValidationError("heads", f"must divide hidden={hidden} when head_dim is not given; got {heads}")
        head_dim = hidden // heads
    experts = positive_int("experts", experts)
    active_experts = positive_int("active_experts", active_experts)
    if active_experts > experts:
        raise ValidationError("active_experts", f"must be <= experts={experts}; got {active_experts}")
    return Model(name=name, family=family, kind="transformer", source=source, layers=layers, hidden=hidden,
                 heads=heads, kv_heads=kv_heads, head_dim=positive_int("head_dim", head_dim),
                 ffn_hidden=positive_int("ffn_hidden", ffn_hidden if ffn_hidden is not None else 4 * hidden),
                 ffn=choice("ffn", ffn, ("gelu", "swiglu")), vocab=positive_int("vocab", vocab), experts=experts,
                 active_experts=active_experts, max_seq_len=positive_int("max_seq_len", max_seq_len),
                 position=choice("position", position, ("learned", "rope")), bias=bool(bias),
                 norm=choice("norm", norm, ("layernorm", "rmsnorm")), tied_embeddings=bool(tied_embeddings))


_MODEL_FIELDS = {f.name for f in dataclasses.fields(Model)}


def _model_from_row(row: dict) -> Model:
    row = dict(row)
    kwargs: dict[str, Any] = {}
    if row["kind"] == "cnn":
        builder = row.pop("builder")
        kwargs["cnn_layers"] = tuple(architectures.BUILDERS[builder](row))
        kwargs["extra"] = {k: row[k] for k in ("input", "width", "blocks", "channels", "ds_blocks", "classes") if k in row}
    for key in ("table_rows", "bottom_mlp", "top_mlp"):
        if key in row:
            row[key] = tuple(int(v) for v in row[key])
    for key in ("published_params", "published_active_params", "published_macs", "published_memory_bytes"):
        if key in row:
            row[key] = float(row[key])
    kwargs.update({k: v for k, v in row.items() if k in _MODEL_FIELDS})
    return Model(**kwargs)


@functools.lru_cache(maxsize=None)
def _model_table() -> dict[str, Model]:
    return {row["name"].lower(): _model_from_row(row) for row in _load("models.yaml")}


def model(name) -> Model:
    if isinstance(name, Model):
        return name
    table = _model_table()
    try:
        return table[str(name).lower()]
    except KeyError:
        raise UnknownNameError("model", name, [m.name for m in table.values()]) from None


def list_models(family: str | None = None) -> list[str]:
    rows = list(_model_table().values())
    if family is not None:
        families = sorted({m.family for m in rows} | {m.kind for m in rows})
        family = choice("family", family, families)
        rows = [m for m in rows if family in (m.family, m.kind)]
    return [m.name for m in rows]
