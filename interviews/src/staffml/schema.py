"""The question schema: one YAML file per question, validated with pydantic.

Unknown fields are rejected (``extra="forbid"``) so a typo such as ``follow_up:`` fails loudly
instead of silently dropping content.
"""

from __future__ import annotations

import ast
import keyword
import re
import string
from enum import Enum
from typing import Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
CHAPTER_PATTERN = r"^vol[12]/[a-z0-9_]+$"
_NUMBER_LIKE = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class Track(str, Enum):
    cloud = "cloud"
    edge = "edge"
    mobile = "mobile"
    tinyml = "tinyml"


class Area(str, Enum):
    silicon_numerics = "silicon-numerics"
    memory_hierarchy = "memory-hierarchy"
    single_node_performance = "single-node-performance"
    distributed_training = "distributed-training"
    storage_data_pipelines = "storage-data-pipelines"
    serving_latency = "serving-latency"
    reliability = "reliability"
    mlops_monitoring = "mlops-monitoring"
    efficiency_compression = "efficiency-compression"
    cost_energy_carbon = "cost-energy-carbon"
    system_design = "system-design"
    # Volume II: machine learning at fleet scale
    training_layouts = "training-layouts"
    collectives = "collectives"
    fault_tolerance = "fault-tolerance"
    cluster_networking_storage = "cluster-networking-storage"
    fleet_scheduling = "fleet-scheduling"
    fleet_inference = "fleet-inference"
    ops_at_scale = "ops-at-scale"
    sustainability = "sustainability"
    security_privacy = "security-privacy"


# Areas taught by Volume II; their questions must link the book section that teaches them.
VOLUME2_AREAS = frozenset({
    Area.training_layouts, Area.collectives, Area.fault_tolerance, Area.cluster_networking_storage,
    Area.fleet_scheduling, Area.fleet_inference, Area.ops_at_scale, Area.sustainability, Area.security_privacy,
})

AREA_TITLES = {
    Area.silicon_numerics: "Silicon physics and numerics",
    Area.memory_hierarchy: "Memory hierarchy",
    Area.single_node_performance: "Single-node performance",
    Area.distributed_training: "Distributed training and collectives",
    Area.storage_data_pipelines: "Storage and data pipelines",
    Area.serving_latency: "Serving and latency",
    Area.reliability: "Reliability and fault tolerance",
    Area.mlops_monitoring: "MLOps and monitoring",
    Area.efficiency_compression: "Efficiency and compression",
    Area.cost_energy_carbon: "Cost, energy and carbon",
    Area.system_design: "System-design cases",
    Area.training_layouts: "Distributed training layouts",
    Area.collectives: "Collective communication",
    Area.fault_tolerance: "Fault tolerance and checkpointing",
    Area.cluster_networking_storage: "Cluster networking and storage",
    Area.fleet_scheduling: "Fleet scheduling",
    Area.fleet_inference: "Inference at fleet scale",
    Area.ops_at_scale: "Operations at scale",
    Area.sustainability: "Sustainability",
    Area.security_privacy: "Security and privacy",
}

TRACK_TITLES = {
    Track.cloud: "Cloud",
    Track.edge: "Edge",
    Track.mobile: "Mobile",
    Track.tinyml: "TinyML",
}


class Level(str, Enum):
    junior = "junior"
    mid = "mid"
    senior = "senior"
    staff = "staff"


LEVEL_ORDER = {Level.junior: 0, Level.mid: 1, Level.senior: 2, Level.staff: 3}
LEVEL_TITLES = {Level.junior: "Junior", Level.mid: "Mid-level", Level.senior: "Senior", Level.staff: "Staff"}


RATIO_UNIT = "x"

# Verdict words: the conclusion an answer reaches. In a solution they may only be printed by a
# verdict placeholder ``{check:words if true|words if false}`` of a boolean check, so the sentence
# is computed from the numbers and a catalog change that flips the verdict fails the tests.
VERDICT_PHRASES = re.compile(
    r"(?<![\w-])(?:(?-i:fit|fits|fitting)|"
    r"(?:compute|memory|bandwidth|communication|network|latency|I/O|io|power|launch|overhead|"
    r"storage|input|CPU|GPU|NPU|radio|energy|PCIe|straggler)-bound|"
    r"keeps? up|kept up|keeping up|"
    r"cheaper|costlier|more expensive|less expensive|"
    r"(?:meets?|met|misses|missed|exceeds?|blows?)\s+(?:the|its|their|our|a|every|each|this|that)\b|"
    # comparative verdicts: "four boards are slower than one", "over budget", "fast enough"
    r"(?:slower|faster|quicker|sooner|later) than|"
    r"(?:over|under|within|inside|outside) (?:the |its |their |our |a |this |that )?(?:[^\s.;:]+ ){0,3}budget|"
    r"enough|"
    # winners and the larger share: "race to sleep wins", "favours streaming", "the bigger energy cost"
    r"wins|wins out|favou?rs|beats?|outweighs?|dominates|dominated by|"
    r"(?:bigger|larger|smaller|biggest|largest|smallest|dominant) (?:[\w-]+ ){0,2}(?:cost|costs|term|terms)|"
    r"(?:is|are|was|were|becomes?|remains?) (?:not |no longer |still )?(?:the|a) bottleneck|"
    r"no overflow|overflows|(?:will|would|does|do|cannot|can't|never) (?:not )?overflow"
    r")\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")


def parse_placeholders(text: str) -> list[tuple[str, str, str]]:
    """``(literal text before, field name, format spec)`` for each ``{name:spec}`` in ``text``."""
    parts = []
    for literal, field, spec, _ in string.Formatter().parse(text):
        name = field.split(".")[0].split("[")[0] if field is not None else ""
        parts.append((literal, name, spec or ""))
    return parts


def verdict_branches(spec: str) -> tuple[str, str] | None:
    """``("fits", "does not fit")`` from a verdict spec ``fits|does not fit``; None otherwise."""
    if "|" not in spec:
        return None
    when_true, _, when_false = spec.partition("|")
    return when_true, when_false


def unpinned_verdicts(text: str, conclusions: set[str]) -> list[str]:
    """Sentences of ``text`` that state a verdict in plain words instead of a verdict placeholder."""
    visible = []
    for literal, name, spec in parse_placeholders(text):
        visible.append(literal)
        # a verdict placeholder of a boolean check is pinned; any other placeholder is a number
        visible.append(" ⟨pinned⟩ " if name in conclusions and verdict_branches(spec) else " ⟨n⟩ ")
    plain = " ".join("".join(visible).split())
    return [sentence for sentence in _SENTENCE_END.split(plain) if VERDICT_PHRASES.search(sentence)]


# Units that make a given a property of a technology rather than of the scenario: how fast a link,
# memory or device moves bits, how much power or energy it draws, how much compute it sustains, how
# much a battery or memory holds, how long a network round trip takes. A number of this kind either
# comes from the MLSys·im catalog by name (then it is computed in a check, not typed as a given),
# carries a cited source, or is declared a parameter of the scenario that the candidate is told.
CAPACITY = "a memory or storage capacity"
_TECHNOLOGY_UNITS = (
    ("a bit or byte rate", re.compile(r"(?:^|_)(?:[kmgt]?bps|[kmgt]i?bs)(?:_per_[a-z0-9]+)?$")),
    ("a power", re.compile(r"(?:[a-z0-9]{2,}_[kmu]?w(?:_per_[a-z0-9]+)?|^[kmu]?w_per_[a-z0-9]+)$")),
    ("a current draw", re.compile(r"(?:^|_)[mu]a(?:_per_[a-z0-9]+)?$")),
    ("an energy", re.compile(r"(?:^|_)[pnumk]?j(?:_per_[a-z0-9]+)?$")),
    ("a stored energy or battery capacity", re.compile(r"(?:^|(?<!_per)_)(?:[mk]?wh|mah)$")),
    ("a compute throughput", re.compile(r"_(?:[tgm]?ops|[tgpm]?flops|[gm]macs|tf)$")),
    (CAPACITY,
     re.compile(r"^(?:sram|flash|dram|hbm|ram|board|capacity|disk|ssd|battery|(?:ble|radio)(?:_stack)?)_[kmgt]i?b$")),
    ("a network round-trip time", re.compile(r"(?:^|_)rtt_[mun]?s$")),
    # Reliability figures: how often a part fails, corrupts data or wears out is a property of the
    # part (a GPU's MTBF, a flash cell's program/erase endurance), or a measurement of this fleet.
    ("a mean time between or to failures", re.compile(r"(?:^|_)(?:mtbf|mttf|mtti)(?:_[a-z]+)?$")),
    ("a failure or error rate",
     re.compile(r"(?:^|_)(?:afr|fail|fail_rate|failure_rate|failures_per_[a-z0-9_]+|sdc(?:_per_[a-z0-9_]+)?|"
                r"fit(?:_per_[a-z0-9]+)?|u?ber)$")),
    ("a write endurance", re.compile(r"(?:^|_)(?:pe|erase|program_erase|write)_cycles$|(?:^|_)(?:tbw|dwpd)(?:_[a-z]+)?$")),
)


def technology_quantity(name: str) -> str | None:
    """What kind of technology property a given's unit suffix makes it (``"a power"``), or None."""
    for kind, pattern in _TECHNOLOGY_UNITS:
        if pattern.search(name):
            return kind
    return None


def is_comparison(expr: str) -> bool:
    """Whether ``expr`` is a comparison (``a < b``), or comparisons joined by and/or/not."""
    try:
        node = ast.parse(expr, mode="eval").body
    except SyntaxError:
        return False

    def comparison(node: ast.AST) -> bool:
        if isinstance(node, ast.Compare):
            return True
        if isinstance(node, ast.BoolOp):
            return all(comparison(value) for value in node.values)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return comparison(node.operand)
        return False

    return comparison(node)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Check(_Strict):
    """One named quantity of the worked answer, recomputed by the test suite.

    ``expr`` is a Python expression over ``ms`` (mlsysim), ``math``, the question's ``given``
    inputs and every earlier check. ``value`` is the number the author states; the recomputed
    value must lie within ``tolerance`` (relative) of it. Boolean checks state a conclusion
    (``value: true``) such as "the model fits".
    """

    name: str
    expr: str = Field(min_length=1)
    value: Union[bool, float]
    unit: str = ""
    tolerance: Optional[float] = Field(default=None, gt=0, le=0.5)

    @field_validator("name")
    @classmethod
    def _identifier(cls, name: str) -> str:
        if not name.isidentifier() or keyword.iskeyword(name) or name in {"ms", "math"}:
            raise ValueError(f"check name {name!r} must be a Python identifier (not ms, math or a keyword)")
        return name

    @model_validator(mode="after")
    def _numeric_needs_tolerance(self) -> "Check":
        if not isinstance(self.value, bool) and self.tolerance is None:
            raise ValueError(f"check {self.name!r}: a numeric check needs `tolerance:` (relative, e.g. 0.02)")
        return self

    @model_validator(mode="after")
    def _ratio_at_least_one(self) -> "Check":
        # "0.75× faster" or "0.94× slower" inverts the comparison the reader takes away; the
        # physics review found exactly these slips next to correct numbers.
        if not isinstance(self.value, bool) and self.unit == RATIO_UNIT and abs(self.value) < 1:
            raise ValueError(
                f"check {self.name!r}: a ratio (unit 'x') of {self.value:g} reads as '{self.value:g}× "
                f"faster/slower' and inverts the comparison; state the inverse ratio "
                f"({1 / self.value:.3g} x) with the comparison word that fits, or use unit 'fraction'"
                if self.value else
                f"check {self.name!r}: a ratio (unit 'x') of 0 is not a ratio; use unit 'fraction'"
            )
        return self

    @model_validator(mode="after")
    def _conclusion_is_a_comparison(self) -> "Check":
        if isinstance(self.value, bool) and not is_comparison(self.expr):
            raise ValueError(
                f"check {self.name!r}: a boolean conclusion must be a comparison such as "
                f"`kv_cache_gb < 80` (or comparisons joined by and/or/not), got `{self.expr}`"
            )
        return self

    @property
    def is_conclusion(self) -> bool:
        return isinstance(self.value, bool)


class Format(str, Enum):
    """How the question is posed: an estimate, a diagnosis from evidence, or a design to critique."""

    napkin_math = "napkin-math"
    diagnosis = "diagnosis"
    design_review = "design-review"


FORMAT_TITLES = {
    Format.napkin_math: "Napkin math",
    Format.diagnosis: "Diagnosis",
    Format.design_review: "Design review",
}


class Chain(_Strict):
    """Membership in a multi-step scenario that grows from one device to a fleet."""

    id: str = Field(pattern=ID_PATTERN)
    step: int = Field(ge=1, le=20)


GivenValue = Union[bool, int, float, str]


class Question(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=8, max_length=120)
    track: Track
    area: Area
    level: Level
    chain: Optional[Chain] = None
    given: dict[str, GivenValue] = Field(default_factory=dict)
    scenario: str = Field(min_length=40)
    strong_answer: list[str] = Field(min_length=2)
    solution: str = Field(min_length=80)
    checks: list[Check] = Field(min_length=1)
    common_mistakes: list[str] = Field(min_length=1)
    follow_ups: list[str] = Field(min_length=1)
    chapters: list[str] = Field(min_length=1)
    # book sections that teach the question (``sec-<slug>-<topic>`` or the chapter's ``sec-<slug>``)
    sections: list[str] = Field(default_factory=list)
    # where an input the MLSys·im catalog lacks comes from: given name -> citation
    sources: dict[str, str] = Field(default_factory=dict)
    # inputs of a technology kind (a rate, a power, an energy, ...) that are parameters of the
    # scenario told to the candidate (a budget, a contract, a measured telemetry value), not
    # properties of a named technology; each must be stated in the scenario text
    scenario_givens: list[str] = Field(default_factory=list)
    format: Format = Format.napkin_math
    lab: Optional[str] = Field(default=None, pattern=r"^[a-z0-9_\-]+$")

    @field_validator("chapters")
    @classmethod
    def _chapter_format(cls, chapters: list[str]) -> list[str]:
        for chapter in chapters:
            if not re.match(CHAPTER_PATTERN, chapter):
                raise ValueError(f"chapter {chapter!r} must look like 'vol1/<slug>' or 'vol2/<slug>'")
        return chapters

    @field_validator("given")
    @classmethod
    def _given_names(cls, given: dict[str, GivenValue]) -> dict[str, GivenValue]:
        for name, value in given.items():
            if not name.isidentifier() or keyword.iskeyword(name) or name in {"ms", "math"}:
                raise ValueError(f"given name {name!r} must be a Python identifier (not ms, math or a keyword)")
            # YAML 1.1 reads 70.0e9 (no exponent sign) as a string; catch it before it reaches a formula.
            if isinstance(value, str) and _NUMBER_LIKE.fullmatch(value.strip()):
                raise ValueError(
                    f"given {name!r} = {value!r} was read as text; write the exponent with a sign "
                    f"(e.g. 7.0e+10) so YAML reads a number"
                )
        return given

    @model_validator(mode="after")
    def _design_and_staff_state_a_conclusion(self) -> "Question":
        # A design case or staff answer ends in a decision (fits / meets the budget / is slower);
        # pinning it as a boolean check catches a correct number next to the wrong verdict.
        if (self.area == Area.system_design or self.level == Level.staff) and not any(
            check.is_conclusion for check in self.checks
        ):
            kind = "system-design case" if self.area == Area.system_design else "staff-level question"
            raise ValueError(
                f"a {kind} needs at least one boolean conclusion check that the solution relies on, "
                f"e.g. `- {{name: fits, expr: \"kv_cache_gb < 80\", value: true}}`"
            )
        return self

    @field_validator("sections")
    @classmethod
    def _section_format(cls, sections: list[str]) -> list[str]:
        for section in sections:
            if not re.match(r"^sec-[a-z0-9_]+(?:-[a-z0-9-]+)?$", section):
                raise ValueError(f"section {section!r} must look like 'sec-<chapter slug>-<topic>'")
        return sections

    @model_validator(mode="after")
    def _volume2_links_its_section(self) -> "Question":
        if self.area in VOLUME2_AREAS and not self.sections:
            raise ValueError(
                f"a {self.area.value} question must link the book section that teaches it, "
                f"e.g. `sections: [sec-collective_communication-ring-tree]` (or the chapter id `sec-<slug>`)"
            )
        return self

    @model_validator(mode="after")
    def _sources_cite_givens(self) -> "Question":
        for name, citation in self.sources.items():
            if name not in self.given:
                raise ValueError(f"sources: {name!r} is not a given; cite the input the question uses")
            if len(citation.split()) < 4:
                raise ValueError(
                    f"sources: the citation for {name!r} ({citation!r}) is too short; name the document "
                    f"and what it states, e.g. 'Bluetooth Core Specification 5.3, Vol 6 Part B: 1 Mbit/s LE 1M PHY'"
                )
        return self

    @model_validator(mode="after")
    def _technology_inputs_have_an_origin(self) -> "Question":
        # A figure such as "a low-power radio at 100 nJ/bit" is a claim about a technology; typed in
        # without a source it can be wrong for the technology named and nobody can check it.
        unaccounted = []
        for name, value in self.given.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            kind = technology_quantity(name)
            if kind and name not in self.sources and name not in self.scenario_givens:
                unaccounted.append(f"{name} = {value:g} ({kind})")
        if unaccounted:
            raise ValueError(
                f"given {', '.join(unaccounted)} is a property of a technology with no stated origin; take it "
                f"from the MLSys·im catalog by name in a check (ms.hardware(...), ms.interconnect(...)), cite the "
                f"document that states it in `sources: {{name: \"document, what it states\"}}`, or, if it is a "
                f"parameter of the scenario the candidate is told (a budget, a contract, a measurement), list it "
                f"in `scenario_givens:`"
            )
        return self

    @model_validator(mode="after")
    def _scenario_givens_are_told(self) -> "Question":
        try:
            told = {name for _, name, _ in parse_placeholders(self.scenario)}
        except ValueError:
            told = set()  # malformed placeholders are reported by the bank with the file name
        for name in self.scenario_givens:
            if name not in self.given:
                raise ValueError(f"scenario_givens: {name!r} is not a given")
            if name in self.sources:
                raise ValueError(
                    f"scenario_givens: {name!r} also has a source; a cited technology figure is not a "
                    f"scenario parameter, so drop it from scenario_givens"
                )
            if technology_quantity(name) is None:
                raise ValueError(
                    f"scenario_givens: {name!r} is not a technology quantity (rate, power, energy, compute, "
                    f"capacity, round trip, MTBF, failure rate, endurance); only those need declaring, so drop it"
                )
            if name not in told:
                raise ValueError(
                    f"scenario_givens: {name!r} is never stated in the scenario; a scenario parameter is one "
                    f"the candidate is told, so write {{{name}}} into the scenario or cite a source instead"
                )
        return self

    @model_validator(mode="after")
    def _evidence_formats_pin_the_answer(self) -> "Question":
        # A diagnosis names a cause and a design review a flaw; either is a verdict the numbers decide.
        if self.format != Format.napkin_math and not any(check.is_conclusion for check in self.checks):
            raise ValueError(
                f"a {self.format.value} question needs a boolean check that pins its cause or flaw, "
                f"e.g. `- {{name: network_bound, expr: \"allreduce_ms > compute_ms\", value: true}}`"
            )
        return self

    @model_validator(mode="after")
    def _verdicts_are_pinned(self) -> "Question":
        # A wrong verdict next to correct numbers ("INT8 weights still do not fit" at 71 of 80 GB)
        # is the error numeric checks cannot see; verdict words must come from a boolean check.
        # The strong answer is the rubric a candidate is scored against, so its verdicts count too.
        conclusions = {check.name for check in self.checks if check.is_conclusion}
        unpinned: list[str] = []
        fields = []
        for field, texts in (("solution", [self.solution]), ("strong_answer", self.strong_answer)):
            for text in texts:
                try:
                    found = unpinned_verdicts(text, conclusions)
                except ValueError:
                    continue  # malformed placeholders are reported by the bank with the file name
                if found and field not in fields:
                    fields.append(field)
                unpinned.extend(found)
        if unpinned:
            quoted = "; ".join(f"“{sentence[:140]}”" for sentence in unpinned)
            raise ValueError(
                f"{' and '.join(fields)} states a verdict without a boolean check: {quoted}. Print the verdict from "
                f"a check, e.g. `- {{name: fits, expr: \"weights_gb < hbm_gb\", value: true}}` and "
                f"`the weights {{fits:fit|do not fit}}`"
            )
        return self

    @model_validator(mode="after")
    def _verdict_placeholders_name_conclusions(self) -> "Question":
        conclusions = {check.name for check in self.checks if check.is_conclusion}
        for field in ("title", "scenario", "solution", "strong_answer", "common_mistakes", "follow_ups"):
            value = getattr(self, field)
            for text in value if isinstance(value, list) else [value]:
                try:
                    parts = parse_placeholders(text)
                except ValueError:
                    continue
                for _, name, spec in parts:
                    if name in conclusions and not verdict_branches(spec):
                        raise ValueError(
                            f"{field}: boolean check {{{name}}} would print True/False; write the verdict "
                            f"for both outcomes, e.g. {{{name}:fits|does not fit}}"
                        )
                    if name and name not in conclusions and verdict_branches(spec) and name in {
                        c.name for c in self.checks
                    }:
                        raise ValueError(
                            f"{field}: {{{name}:{spec}}} chooses words but {name!r} is a number, not a "
                            f"boolean conclusion check"
                        )
        return self

    @model_validator(mode="after")
    def _unique_names(self) -> "Question":
        seen = set(self.given)
        for check in self.checks:
            if check.name in seen:
                raise ValueError(f"quantity {check.name!r} is defined twice (given/checks names must be unique)")
            seen.add(check.name)
        return self
