from __future__ import annotations

import copy
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))

BASE_QUESTION = {
    "id": "cloud-sample-bandwidth",
    "title": "Time to stream a model's weights",
    "track": "cloud",
    "area": "memory-hierarchy",
    "level": "junior",
    "given": {"weights_gb": 16, "bw_gbps": 2000},
    "scenario_givens": ["bw_gbps"],
    "scenario": "A decode step reads {weights_gb} GB of weights from memory that streams {bw_gbps} GB/s. "
                "What is the lower bound on the step time?",
    "strong_answer": ["Treats the step as limited by reading the weights.", "Divides bytes by bandwidth."],
    "solution": "Reading {weights_gb} GB at {bw_gbps} GB/s takes at least {step_ms:.1f} ms, so decode "
                "cannot exceed {tokens_per_s:.0f} tokens/s per sequence.",
    "checks": [
        {"name": "step_ms", "expr": "weights_gb / bw_gbps * 1e3", "value": 8.0, "unit": "ms", "tolerance": 0.01},
        {"name": "tokens_per_s", "expr": "1e3 / step_ms", "value": 125, "unit": "tokens/s", "tolerance": 0.01},
    ],
    "common_mistakes": ["Using the compute peak instead of the bandwidth."],
    "follow_ups": ["What changes with a batch of 32?"],
    "chapters": ["vol1/serving"],
}


def make_question(**overrides) -> dict:
    question = copy.deepcopy(BASE_QUESTION)
    question.update(overrides)
    return question


def write_bank(root: Path, questions: list[dict]) -> Path:
    for question in questions:
        folder = root / question["area"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{question['id']}.yaml").write_text(yaml.safe_dump(question, sort_keys=False, allow_unicode=True))
    return root


MINI_BANK = [
    make_question(),
    make_question(id="edge-sample-second", track="edge", area="serving-latency", level="mid",
                  title="A second sample question for drills"),
    make_question(id="tinyml-sample-third", track="tinyml", area="system-design", level="senior",
                  title="A third sample question for mocks",
                  checks=[*BASE_QUESTION["checks"],
                          {"name": "streams_fast_enough", "expr": "tokens_per_s > 100", "value": True}]),
]


class FakeClock:
    """A clock the test moves by hand; ``step`` advances it on every read (for countdowns)."""

    def __init__(self, start: datetime | None = None, step: timedelta = timedelta(0)):
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
        self.step = step

    def __call__(self) -> datetime:
        current = self.now
        self.now = self.now + self.step
        return current

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def mini_bank(tmp_path: Path) -> Path:
    return write_bank(tmp_path / "questions", MINI_BANK)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("STAFFML_DATA_DIR", str(folder))
    monkeypatch.delenv("STAFFML_DB", raising=False)
    return folder


def render_mini_site(root: Path, questions: list[dict]) -> Path:
    """A one-section site (the landing page and the interviews section, generated from `questions`) built by
    the real site renderer, as readers get it: every StaffML page inside the site shell. Returns _site/."""
    import shutil

    from mlsysbook.site.render import BuildOptions, build

    from staffml.bank import REPO_ROOT, Bank
    from staffml.site import build_site

    (root / "book").mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "book" / "_filters", root / "book" / "_filters")
    shutil.copy(REPO_ROOT / "book" / "_common.yml", root / "book" / "_common.yml")
    (root / "book" / "index.qmd").write_text("# Home {#sec-home .unnumbered}\n\nThe course.\n")
    shutil.copytree(REPO_ROOT / "interviews" / "site", root / "interviews" / "site")
    build_site(Bank(write_bank(root / "q", questions)), root / "build" / "site" / "interviews")
    build(BuildOptions(root=root, check_links=False, renderer="embedded", jobs=1))
    return root / "_site"
