"""Loading and validating the question bank (``interviews/questions/<area>/<id>.yaml``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import ValidationError

from . import checks as checks_mod
from .schema import CAPACITY, LEVEL_ORDER, Question, technology_quantity
from .text import reflow

REPO_ROOT = Path(__file__).resolve().parents[3]
TEXT_FIELDS = ("title", "scenario", "solution")
LIST_FIELDS = ("strong_answer", "common_mistakes", "follow_ups")

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader


class BankError(Exception):
    """The question bank is invalid; the message names every offending file and the fix."""


def default_questions_dir() -> Path:
    override = os.environ.get("STAFFML_QUESTIONS")
    return Path(override) if override else REPO_ROOT / "interviews" / "questions"


def book_chapters(repo_root: Path = REPO_ROOT) -> set[str]:
    """Chapter slugs (``vol1/training``) listed in the two volumes' ``_quarto.yml``."""
    slugs: set[str] = set()
    for volume in ("vol1", "vol2"):
        config_path = repo_root / "book" / volume / "_quarto.yml"
        if not config_path.exists():
            continue
        config = yaml.load(config_path.read_text(encoding="utf-8"), Loader=_Loader) or {}
        for entry in _walk_chapters(config.get("book", {}).get("chapters", [])):
            parts = Path(entry).parts
            if len(parts) == 2 and parts[1] == f"{parts[0]}.qmd":
                slugs.add(f"{volume}/{parts[0]}")
    return slugs


_SECTION_ID = re.compile(r"\{#(sec-[A-Za-z0-9_-]+)")


def book_sections(repo_root: Path = REPO_ROOT) -> set[str]:
    """Section ids (``sec-<slug>-<topic>``) defined in the chapters of both volumes."""
    ids: set[str] = set()
    for volume in ("vol1", "vol2"):
        for path in sorted((repo_root / "book" / volume).glob("*/*.qmd")):
            ids.update(_SECTION_ID.findall(path.read_text(encoding="utf-8")))
    return ids


VOLUME_NAMES = {"vol1": "Volume I", "vol2": "Volume II"}
_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*\{#(?P<id>sec-[A-Za-z0-9_-]+)[^}]*\}\s*$", re.M)


@dataclass(frozen=True)
class BookTitles:
    """What readers see instead of slugs: chapter titles (``vol1/serving`` -> "Model Serving"), section
    titles by id, and lab titles by id, read from the chapters' headings and ``labs/labs.yml``."""

    chapters: dict[str, str]
    sections: dict[str, str]
    labs: dict[str, str]

    def chapter(self, chapter: str) -> str:
        """"Model Serving (Volume I)": both volumes have an Introduction and a Conclusion."""
        volume, _, slug = chapter.partition("/")
        # A chapter listed in the TOC but not written yet has no heading: name it from its slug.
        title = self.chapters.get(chapter) or slug.replace("_", " ").capitalize()
        return f"{title} ({VOLUME_NAMES.get(volume, volume)})"

    def section(self, section: str) -> str:
        return self.sections.get(section) or section

    def lab(self, lab: str) -> str:
        return self.labs.get(lab) or lab.replace("_", " ").capitalize()


def _plain(title: str) -> str:
    """A heading as plain text: markdown emphasis, code and link markup dropped."""
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    return re.sub(r"[*_`]", "", title).strip()


@lru_cache(maxsize=None)
def book_titles(repo_root: Path = REPO_ROOT) -> BookTitles:
    chapters: dict[str, str] = {}
    sections: dict[str, str] = {}
    for volume in ("vol1", "vol2"):
        for path in sorted((repo_root / "book" / volume).glob("*/*.qmd")):
            if path.stem != path.parent.name:
                continue
            text = path.read_text(encoding="utf-8")
            for match in _HEADING.finditer(text):
                if match["id"] == f"sec-{path.stem}":
                    chapters.setdefault(f"{volume}/{path.stem}", _plain(match["title"]))
                else:
                    sections.setdefault(match["id"], _plain(match["title"]))
    labs: dict[str, str] = {}
    catalog_path = repo_root / "labs" / "labs.yml"
    if catalog_path.exists():
        catalog = yaml.load(catalog_path.read_text(encoding="utf-8"), Loader=_Loader) or {}
        entries = catalog.get("labs") if isinstance(catalog, dict) else None
        if isinstance(entries, dict):
            labs = {lab: str(entry["title"]) for lab, entry in entries.items()
                    if isinstance(entry, dict) and entry.get("title")}
    return BookTitles(chapters, sections, labs)


# Given-name suffix -> the catalog quantities (and units) a number with that suffix could restate.
_SPEC_SUFFIXES = {
    "_gb": ("memory GB", "memory GiB"), "_gib": ("memory GiB",),
    "_gbs": ("bandwidth GB/s", "link GB/s"), "_tbs": ("bandwidth TB/s",),
    "_tops": ("peak TOP/s",), "_tflops": ("peak TOP/s",), "_tf": ("peak TOP/s",),
    "_gflops": ("peak GOP/s",), "_mops": ("peak MOP/s",),
    "_mb": ("sram MB", "flash MB"), "_kb": ("sram KB", "flash KB"), "_kib": ("sram KiB", "flash KiB"),
    "_w": ("TDP W",), "_usd": ("price USD",),
}


@lru_cache(maxsize=None)
def catalog_specs(name: str) -> dict[str, float]:
    """Numbers the MLSys·im catalog holds for hardware or a link called ``name``, in common units."""
    import mlsysim

    specs: dict[str, float] = {}
    if name in mlsysim.list_hardware():
        hw = mlsysim.hardware(name)
        for label, value in (("memory", hw.memory_bytes), ("sram", hw.sram_bytes), ("flash", hw.flash_bytes)):
            for unit, scale in (("GB", 1e9), ("GiB", 2**30), ("MB", 1e6), ("KB", 1e3), ("KiB", 1024)):
                if value:
                    specs[f"{label} {unit}"] = value / scale
        specs["bandwidth GB/s"] = hw.memory_bw_bytes_per_s / 1e9
        specs["bandwidth TB/s"] = hw.memory_bw_bytes_per_s / 1e12
        for dtype, flops in hw.peak_flops_by_dtype.items():
            for unit, scale in (("TOP/s", 1e12), ("GOP/s", 1e9), ("MOP/s", 1e6)):
                specs[f"peak {unit} {dtype}"] = flops / scale
        if hw.tdp_w:
            specs["TDP W"] = hw.tdp_w
        if hw.price_usd:
            specs["price USD"] = hw.price_usd
    if name in mlsysim.list_interconnects():
        specs["link GB/s"] = mlsysim.interconnect(name).bandwidth_bytes_per_s / 1e9
    return specs


@lru_cache(maxsize=1)
def _catalog_names() -> tuple[str, ...]:
    import mlsysim

    return tuple(mlsysim.list_hardware()) + tuple(mlsysim.list_interconnects())


def restated_catalog_numbers(question: Question) -> list[str]:
    """Givens that type in a number the catalog holds for hardware the question names.

    A typed copy goes stale when the catalog is corrected; ``ms.hardware(name)`` never does.
    """
    text = " ".join([question.scenario, question.solution, *map(str, question.given.values())])
    named = [n for n in _catalog_names() if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]
    problems = []
    for given, value in question.given.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        suffix = next((s for s in sorted(_SPEC_SUFFIXES, key=len, reverse=True) if given.endswith(s)), None)
        if suffix is None:
            continue
        for name in named:
            for label, spec in catalog_specs(name).items():
                if any(label.startswith(kind) for kind in _SPEC_SUFFIXES[suffix]) and spec and \
                        abs(value - spec) <= 0.01 * abs(spec):
                    problems.append(
                        f"given {given} = {value:g} restates the catalog's {label} of {name}; compute it "
                        f"in a check from ms.hardware({name!r}) / ms.interconnect({name!r}) so a catalog fix reaches it"
                    )
    return problems


# Named technologies outside the catalog whose rates, power and energy are facts to cite, not
# scenario parameters: link and radio standards, memory and storage interfaces, cores, cells. (A
# codec's bitrate or a part's capacity is chosen by the design, so neither is listed or checked.)
TECHNOLOGY_NAMES = re.compile(
    r"(?<![\w-])(?:BLE|Bluetooth|LoRa(?:WAN)?|Wi-?Fi|802\.11\w*|LTE|5G|NB-IoT|Zigbee|(?:gigabit )?Ethernet|GbE|"
    r"PCIe(?: ?(?:Gen ?)?\d)?|NVLink|InfiniBand|RoCE|(?:LP|G)?DDR\d\w*|HBM\w*|eMMC|UFS(?: \d\.\d)?|NVMe|SATA|"
    r"Cortex-[AMR]\d+|CR\d{4}|USB(?: \d(?:\.\d)?)?)(?![\w-])"
)


_SUBJECT_WINDOW = 50  # characters before a figure searched for the technology it describes


def scenario_givens_of_named_technology(question: Question) -> list[str]:
    """Declared scenario givens stated in a scenario sentence that names a technology.

    "The site shares 20 Mbit/s" is a scenario parameter; "the LPDDR5X delivers 60 GB/s" is a claim
    about LPDDR5X that needs a source (or the catalog), however it is declared.
    """
    if not question.scenario_givens:
        return []
    # a catalog name reaches the scenario through a text given such as {board}
    scenario = re.sub(r"\{(\w+)(?::[^{}]*)?\}", lambda m: str(question.given[m.group(1)])
                      if isinstance(question.given.get(m.group(1)), str) else m.group(0), question.scenario)
    sentences = re.split(r"(?<=[.;?!])\s+", " ".join(scenario.split()))
    catalog = [n for n in _catalog_names()]
    problems = []
    for name in question.scenario_givens:
        if technology_quantity(name) == CAPACITY:
            continue
        for sentence in sentences:
            at = re.search(r"\{" + name + r"(?::[^{}]*)?\}", sentence)
            if not at:
                continue
            # the subject a figure belongs to comes just before it: "whose LPDDR5X delivers {dram_gbs}"
            before = sentence[max(0, at.start() - _SUBJECT_WINDOW):at.start()]
            named = TECHNOLOGY_NAMES.search(before)
            found = named.group(0) if named else next(
                (n for n in catalog if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", before)), None)
            if found:
                problems.append(
                    f"scenario given {name} is stated as a figure of {found!r} (“…{before}{at.group(0)}”); a figure of a "
                    f"named technology is a fact, not a scenario parameter: cite it in `sources:` or take it from the catalog"
                )
                break
    return problems


def _walk_chapters(entries: Iterable[Any]) -> Iterable[str]:
    for entry in entries:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict):
            yield from _walk_chapters(entry.get("chapters", []))


def known_labs(repo_root: Path = REPO_ROOT) -> set[str] | None:
    """Lab ids from ``labs/labs.yml``; None while the labs catalog does not exist yet."""
    catalog_path = repo_root / "labs" / "labs.yml"
    if not catalog_path.exists():
        return None
    catalog = yaml.load(catalog_path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    entries = catalog.get("labs", catalog) if isinstance(catalog, dict) else catalog
    if isinstance(entries, dict):
        return set(entries)
    labs = set()
    for entry in entries or []:
        if isinstance(entry, str):
            labs.add(entry)
        elif isinstance(entry, dict):
            for key in ("id", "slug", "name"):
                if key in entry:
                    labs.add(str(entry[key]))
                    break
    return labs


@dataclass(frozen=True)
class LoadedQuestion:
    """A validated question with its file and its recomputed quantities."""

    question: Question
    path: Path

    @cached_property
    def evaluation(self) -> tuple[dict[str, Any], list[checks_mod.CheckResult]]:
        return checks_mod.evaluate(self.question)

    @property
    def quantities(self) -> dict[str, Any]:
        return self.evaluation[0]

    def text(self, field: str) -> str:
        return reflow(checks_mod.render(getattr(self.question, field), self.quantities))

    def items(self, field: str) -> list[str]:
        return [reflow(checks_mod.render(item, self.quantities)) for item in getattr(self.question, field)]

    def rendered(self) -> dict[str, Any]:
        """The question as learners see it: every placeholder filled from recomputed numbers."""
        q = self.question
        return {
            "id": q.id,
            "title": self.text("title"),
            "track": q.track.value,
            "area": q.area.value,
            "level": q.level.value,
            "chain": q.chain.model_dump() if q.chain else None,
            "scenario": self.text("scenario"),
            "strong_answer": self.items("strong_answer"),
            "solution": self.text("solution"),
            "common_mistakes": self.items("common_mistakes"),
            "follow_ups": self.items("follow_ups"),
            "chapters": list(q.chapters),
            "sections": list(q.sections),
            "format": q.format.value,
            "sources": dict(q.sources),
            "lab": q.lab,
        }


def _describe(err: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "<root>"
    message = f"{where}: {err['msg']}"
    # YAML reads a list item such as "- Cost: 3 GPUs" as a one-key mapping, not text; say so.
    if err["type"] == "string_type" and isinstance(err.get("input"), dict):
        message += (" (YAML read this item as a key/value mapping because it contains ': '; "
                    "quote the whole item in double quotes or drop the ': ')")
    return message


FAMILY_SUFFIX = ".family.yaml"
_FAMILY_KEYS = {"family", "template", "instances"}
_INSTANCE_KEYS = {"id", "given", "expect", "level", "title", "chain"}


def _read_mapping(path: Path) -> dict:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except UnicodeDecodeError as exc:
        raise BankError(f"{path}: not UTF-8 text (byte offset {exc.start}); save the file as UTF-8") from exc
    except yaml.YAMLError as exc:
        raise BankError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise BankError(f"{path}: expected a mapping of question fields, got {type(raw).__name__}")
    return raw


def _validate(raw: dict, where: str) -> Question:
    try:
        return Question.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors())
        raise BankError(f"{where}: {problems}") from exc


def parse_file(path: Path) -> Question:
    """Parse and schema-validate one single-question YAML file; errors name the file."""
    return _validate(_read_mapping(path), str(path))


def expand_family(path: Path, raw: dict) -> tuple[list[Question], list[str]]:
    """Questions of a parametric family file, and the problems of instances that do not validate.

    A family is one template (every question field but ``id``) and a list of instances, each with
    its own ``id``, ``given`` values and ``expect``: the stated value of every check for that
    instance. Every instance is a question in its own right, held to the same schema and checks.
    """
    unknown = set(raw) - _FAMILY_KEYS
    if unknown or not isinstance(raw.get("template"), dict) or not isinstance(raw.get("instances"), list):
        raise BankError(f"{path}: a family file has exactly `family:`, `template:` (a question without `id`) and "
                        f"`instances:` (a list); unexpected: {sorted(unknown) or 'missing template/instances'}")
    if path.name != f"{raw.get('family')}{FAMILY_SUFFIX}":
        raise BankError(f"{path}: family {raw.get('family')!r} must match the file name ({path.name})")
    template = raw["template"]
    questions, problems = [], []
    for number, instance in enumerate(raw["instances"], 1):
        where = f"{path} [instance {number}: {instance.get('id', '?') if isinstance(instance, dict) else '?'}]"
        if not isinstance(instance, dict) or set(instance) - _INSTANCE_KEYS or "id" not in instance:
            problems.append(f"{where}: an instance is a mapping with `id`, `given`, `expect` "
                            f"(optional: {', '.join(sorted(_INSTANCE_KEYS - {'id', 'given', 'expect'}))})")
            continue
        expect = instance.get("expect") or {}
        checks = []
        for check in template.get("checks", []):
            name = check.get("name") if isinstance(check, dict) else None
            if name not in expect:
                continue
            checks.append({**check, "value": expect[name]})
        missing = [c.get("name") for c in template.get("checks", []) if isinstance(c, dict) and c.get("name") not in expect]
        extra = sorted(set(expect) - {c.get("name") for c in template.get("checks", []) if isinstance(c, dict)})
        if missing or extra:
            problems.append(f"{where}: expect must state every check of the template exactly once "
                            f"(missing: {missing or 'none'}; not checks: {extra or 'none'})")
            continue
        question = {**template, **{k: v for k, v in instance.items() if k != "expect"},
                    "given": {**(template.get("given") or {}), **(instance.get("given") or {})}, "checks": checks}
        try:
            questions.append(_validate(question, where))
        except BankError as exc:
            problems.append(str(exc))
    return questions, problems


def parse_questions(path: Path) -> tuple[list[Question], list[str]]:
    """Every question a file defines (one, or a family's instances) and its problems."""
    if path.name.endswith(FAMILY_SUFFIX):
        return expand_family(path, _read_mapping(path))
    return [parse_file(path)], []


def structural_problems(
    question: Question, path: Path, chapters: set[str], labs: set[str] | None,
    sections: set[str] | None = None,
) -> list[str]:
    """Problems a schema alone cannot see: file naming, chapter, section and lab links, placeholders."""
    family = path.name.endswith(FAMILY_SUFFIX)
    where = f"{path} [{question.id}]" if family else str(path)
    problems = [f"{where}: {problem}" for problem in restated_catalog_numbers(question)]
    problems += [f"{where}: {problem}" for problem in scenario_givens_of_named_technology(question)]
    for section in question.sections:
        if sections and section not in sections:
            problems.append(f"{path}: section {section!r} is not a heading id in book/vol*/*/*.qmd")
        elif not any(section.startswith(f"sec-{chapter.split('/')[1]}") for chapter in question.chapters):
            problems.append(f"{path}: section {section!r} is not in one of its chapters {question.chapters}")
    if not family and path.stem != question.id:
        problems.append(f"{path}: id {question.id!r} must match the file name ({path.stem}.yaml)")
    if path.parent.name != question.area.value:
        problems.append(f"{path}: area {question.area.value!r} question must live in questions/{question.area.value}/")
    for chapter in question.chapters:
        if chapters and chapter not in chapters:
            problems.append(
                f"{path}: chapter {chapter!r} is not in book/vol*/_quarto.yml "
                f"(use one of e.g. {', '.join(sorted(chapters)[:4])}, …)"
            )
    if question.lab and labs is not None and question.lab not in labs:
        problems.append(f"{path}: lab {question.lab!r} is not in labs/labs.yml ({', '.join(sorted(labs))})")
    defined = set(question.given) | {c.name for c in question.checks}
    for field in TEXT_FIELDS + LIST_FIELDS:
        value = getattr(question, field)
        for text in value if isinstance(value, list) else [value]:
            try:
                used = checks_mod.placeholders(text)
            except ValueError as exc:
                problems.append(f"{path}: {field}: malformed placeholder ({exc}); write literal braces as {{{{ }}}}")
                continue
            for name in sorted(used - defined):
                problems.append(f"{path}: {field} uses {{{name}}} but no given or check defines it")
    shown: set[str] = set()
    for field in TEXT_FIELDS + LIST_FIELDS:
        value = getattr(question, field)
        for text in value if isinstance(value, list) else [value]:
            try:
                shown |= checks_mod.placeholders(text)
            except ValueError:
                pass
    for check in question.checks:
        if check.name not in shown and not isinstance(check.value, bool):
            problems.append(
                f"{path}: check {check.name!r} is never shown; render it in the solution with {{{check.name}:…}}"
            )
    return problems


# "{a} × {b}" or "{a} × 2^n" is arithmetic; "{a}× faster" or "{a}× the baseline" is a comparison.
_TIMES_AFTER_PLACEHOLDER = re.compile(r"\{(\w+)(?::[^{}]*)?\}\s*×(?!\s*[{(\d])")


def ratio_wording_problems(loaded: "LoadedQuestion") -> list[str]:
    """Placeholders printed as a comparison multiplier ("N× faster") whose value is below 1.

    The schema rejects ratio checks (unit ``x``) under 1; this catches the same slip when the
    number is a given or a check with another unit, e.g. "{share:.2f}× faster" with share 0.75.
    """
    problems = []
    quantities = loaded.quantities
    question = loaded.question
    for field in TEXT_FIELDS + LIST_FIELDS:
        value = getattr(question, field)
        for text in value if isinstance(value, list) else [value]:
            for match in _TIMES_AFTER_PLACEHOLDER.finditer(text):
                number = quantities.get(match.group(1))
                if isinstance(number, (int, float)) and not isinstance(number, bool) and abs(number) < 1:
                    problems.append(
                        f"{loaded.path}: {field} prints {{{match.group(1)}}} = {number:.3g} followed by '×'; "
                        f"a multiplier below 1 inverts 'faster/slower/more'; show the inverse ratio or a fraction"
                    )
    return problems


class Bank:
    """All questions of a directory tree, validated once.

    ``strict`` (the default, used by ``check`` and ``site``) raises BankError naming every problem.
    With ``strict=False`` (drill, mock, progress, …) a file with a problem is left out and named in
    ``problems``, so one broken file does not stop practice on the rest.
    """

    def __init__(self, root: Path | None = None, *, repo_root: Path = REPO_ROOT, strict: bool = True):
        self.root = Path(root) if root else default_questions_dir()
        if not self.root.is_dir():
            raise BankError(
                f"question directory {self.root} does not exist; set STAFFML_QUESTIONS to the folder "
                "holding <area>/<id>.yaml files"
            )
        chapters = book_chapters(repo_root)
        sections = book_sections(repo_root)
        labs = known_labs(repo_root)
        problems: list[str] = []
        loaded: dict[str, LoadedQuestion] = {}
        broken: set[Path] = set()
        for path in sorted(self.root.glob("*/*.yaml")):
            try:
                questions, instance_problems = parse_questions(path)
            except BankError as exc:
                problems.append(str(exc))
                broken.add(path)
                continue
            if instance_problems:
                problems.extend(instance_problems)
                broken.add(path)
            for question in questions:
                found = structural_problems(question, path, chapters, labs, sections)
                if question.id in loaded:
                    found.append(f"{path}: duplicate id {question.id!r} (also {loaded[question.id].path})")
                if not strict and not found:
                    try:
                        LoadedQuestion(question, path).evaluation
                    except checks_mod.CheckError as exc:
                        found.append(f"{path}: {exc}")
                problems.extend(found)
                if found:
                    broken.add(path)
                    if not strict:
                        continue
                loaded.setdefault(question.id, LoadedQuestion(question, path))
        stray = [p for p in self.root.glob("*.yaml")] + [p for p in self.root.glob("*/*.yml")]
        for path in stray:
            problems.append(f"{path}: questions must be questions/<area>/<id>.yaml")
        if problems and strict:
            raise BankError(f"{len(problems)} problem(s) in the question bank:\n" + "\n".join(problems))
        self.problems = problems
        self.skipped_files = sorted(broken)
        self._questions = loaded

    def __len__(self) -> int:
        return len(self._questions)

    def __iter__(self):
        return iter(self.ordered())

    def __contains__(self, question_id: str) -> bool:
        return question_id in self._questions

    def get(self, question_id: str) -> LoadedQuestion:
        try:
            return self._questions[question_id]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(question_id, list(self._questions), n=3)
            hint = f" Did you mean: {', '.join(close)}?" if close else " Try `staffml search TEXT`."
            raise KeyError(f"no question with id {question_id!r}.{hint}") from None

    def ordered(self) -> list[LoadedQuestion]:
        return sorted(
            self._questions.values(),
            key=lambda lq: (lq.question.area.value, LEVEL_ORDER[lq.question.level], lq.question.id),
        )

    def filter(self, track: str | None = None, area: str | None = None, level: str | None = None) -> list[LoadedQuestion]:
        return [
            lq
            for lq in self.ordered()
            if (track is None or lq.question.track.value == track)
            and (area is None or lq.question.area.value == area)
            and (level is None or lq.question.level.value == level)
        ]

    def search(self, text: str) -> list[LoadedQuestion]:
        words = text.lower().split()
        hits = []
        for lq in self.ordered():
            q = lq.question
            haystack = " ".join([q.id, q.title, q.scenario, q.solution, " ".join(q.strong_answer)]).lower()
            if all(word in haystack for word in words):
                hits.append(lq)
        return hits
