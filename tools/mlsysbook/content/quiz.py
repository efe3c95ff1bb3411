"""Quiz files (`<slug>_quiz.yml`): schema, answer-key consistency and per-type counts."""
from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

LETTERS = string.ascii_uppercase

# Ways an explanation can point at an option by its letter: "option B", "choice (c)", "(B)", "B)" ...
_LETTER_PATTERNS = [
    re.compile(r"\b(?i:option|choice|answer)s?\s*\(?([A-H])\)?(?![\w'])"),
    re.compile(r"\(([A-H])\)"),
    re.compile(r"(?:^|\s)([A-H])\)"),
]


def named_letters(text: str) -> set[int]:
    """0-based option indices an explanation names by letter."""
    found: set[int] = set()
    for pattern in _LETTER_PATTERNS:
        for m in pattern.finditer(text):
            found.add(LETTERS.index(m.group(1).upper()))
    return found


class _Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(min_length=1)
    explanation: str = Field(min_length=1)

    @field_validator("prompt", "explanation")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class Mcq(_Question):
    type: Literal["mcq"]
    choices: list[str] = Field(min_length=2)
    answer: int

    @field_validator("answer", mode="before")
    @classmethod
    def _int_answer(cls, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be the 0-based index (an integer) of the correct choice")
        return value

    @model_validator(mode="after")
    def _key_consistent(self):
        if not 0 <= self.answer < len(self.choices):
            raise ValueError(f"answer index {self.answer} is out of range for {len(self.choices)} choices "
                             f"(use 0..{len(self.choices) - 1})")
        if len({c.strip().lower() for c in self.choices}) != len(self.choices):
            raise ValueError("choices must be distinct")
        wrong = sorted(i for i in named_letters(self.explanation) if i != self.answer)
        if wrong:
            letters = ", ".join(LETTERS[i] for i in wrong)
            raise ValueError(f"explanation names option {letters} but the key is {LETTERS[self.answer]}; "
                             "refer to choices by content, not by letter")
        return self


class Short(_Question):
    type: Literal["short"]
    answer: str = Field(min_length=1)


class Calc(_Question):
    type: Literal["calc"]
    answer: float
    unit: str = ""
    tolerance: float = 0.05

    @field_validator("answer", mode="before")
    @classmethod
    def _numeric(cls, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"calc answer must be a number, got {value!r}; put the unit in `unit:`")
        if not math.isfinite(value):
            raise ValueError("calc answer must be finite")
        return value

    @field_validator("tolerance")
    @classmethod
    def _relative(cls, value: float) -> float:
        if not 0 < value < 1:
            raise ValueError("tolerance is relative: use a fraction between 0 and 1, e.g. 0.05")
        return value


Question = Annotated[Union[Mcq, Short, Calc], Field(discriminator="type")]


class QuizFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[Question] = Field(min_length=1)


@dataclass
class QuizStats:
    path: Path
    exists: bool = False
    counts: dict[str, int] = field(default_factory=lambda: {"mcq": 0, "short": 0, "calc": 0})
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _describe(error: dict) -> str:
    loc = error["loc"]
    where = []
    for part in loc:
        if isinstance(part, int):
            where.append(f"question {part + 1}" if not where else f"[{part}]")
        elif part in ("questions", "mcq", "short", "calc"):
            continue
        else:
            where.append(str(part))
    msg = error["msg"].removeprefix("Value error, ")
    return f"{' '.join(where) or 'file'}: {msg}"


def check_quiz(path: Path) -> QuizStats:
    stats = QuizStats(path=path, exists=path.is_file())
    if not stats.exists:
        return stats
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        stats.errors.append(f"{path.name}: not valid YAML ({exc}); fix the quoting/indentation")
        return stats
    if not isinstance(data, dict):
        stats.errors.append(f"{path.name}: expected a mapping with a `questions:` list")
        return stats
    try:
        quiz = QuizFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            stats.errors.append(f"{path.name}: {_describe(err)}")
        return stats
    for q in quiz.questions:
        stats.counts[q.type] += 1
    return stats
