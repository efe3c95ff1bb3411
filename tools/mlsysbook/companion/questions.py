"""Quiz questions for the companion: each chapter's quiz bank plus questions built from the book's structure.

Generated kinds, all multiple choice except the calculations:
- `term`: the book's definition is shown, the reader picks the term it defines;
- `definition`: the term is shown, the reader picks its definition;
- `cloze`: a sentence from a worked example (napkin-math callout) with a glossary term blanked;
- `calc`: the worked example's calculation on other hardware or another model, answered by MLSys·im
  (`calc.py`).
Distractors are other terms (or definitions) of the same volume, chosen deterministically, so a build
is reproducible and a question keeps its id while its source text is unchanged.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import calc

CHOICES = 4
# libyaml's loader where PyYAML was built with it (the build already validated these files)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_CLOZE_PER_CHAPTER = 6
MAX_CALC_PER_CHAPTER = 4
MAX_CLOZE_TERM_SHARE = 0.03  # a term found in more than 3% of the volume's passages is not blanked


@dataclass
class Term:
    term: str
    anchor: str      # term-<slug> on the chapter page
    chapter: int     # index into the volume's chapters
    section: str
    definition: str
    passage: str     # id of the paragraph holding the definition


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:10]


def _rng(*parts: str) -> random.Random:
    return random.Random(int(_digest(*parts), 16))


def _choices(correct: str, pool: list[str], seed: str) -> tuple[list[str], int]:
    others = sorted({p for p in pool if p.lower() != correct.lower()})
    rng = _rng(seed)
    picked = rng.sample(others, min(CHOICES - 1, len(others)))
    options = picked + [correct]
    rng.shuffle(options)
    return options, options.index(correct)


def _term_pattern(term: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])", re.I)


def bank_questions(quiz_file: Path, volume: str, chapter: int, slug: str) -> list[dict]:
    """The chapter's own self-check questions (`<slug>_quiz.yml`, already validated by the build)."""
    if not quiz_file.is_file():
        return []
    data = yaml.load(quiz_file.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    out = []
    for n, q in enumerate(data.get("questions") or [], 1):
        item = {"id": f"{volume}/{slug}/bank-{n}-{_digest(str(q.get('prompt')))}", "c": chapter, "s": "",
                "type": q["type"], "prompt": str(q["prompt"]), "answer": q["answer"],
                "explanation": str(q.get("explanation", "")), "origin": "bank", "a": ""}
        if q["type"] == "mcq":
            item["choices"] = [str(c) for c in q["choices"]]
        if q["type"] == "calc":
            item["unit"] = str(q.get("unit", ""))
            item["tolerance"] = float(q.get("tolerance", 0.02))
        out.append(item)
    return out


def term_questions(terms: list[Term], volume: str, chapter_slugs: list[str]) -> list[dict]:
    names = [t.term for t in terms]
    definitions = [t.definition for t in terms]
    out = []
    for t in terms:
        slug = chapter_slugs[t.chapter]
        masked = _term_pattern(t.term).sub("_____", t.definition)
        choices, answer = _choices(t.term, names, "term" + t.anchor + volume)
        if len(choices) > 1:
            out.append({"id": f"{volume}/{slug}/term-{t.anchor[5:]}", "c": t.chapter, "s": t.section, "type": "mcq",
                        "prompt": f"Which term does the book define as: \u201c{masked}\u201d",
                        "choices": choices, "answer": answer, "origin": "term", "a": t.passage,
                        "explanation": f"This is the book's definition of {t.term}."})
        choices, answer = _choices(t.definition, definitions, "def" + t.anchor + volume)
        if len(choices) > 1:
            out.append({"id": f"{volume}/{slug}/definition-{t.anchor[5:]}", "c": t.chapter, "s": t.section,
                        "type": "mcq", "prompt": f"What does the book mean by \u201c{t.term}\u201d?",
                        "choices": choices, "answer": answer, "origin": "definition", "a": t.passage,
                        "explanation": f"{t.term}: {t.definition}"})
    return out


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if 50 <= len(s.strip()) <= 320]


def cloze_questions(worked: list[dict], all_passages: list[dict], terms: list[Term], volume: str,
                    chapter_slugs: list[str]) -> list[dict]:
    """One blanked sentence per worked-example passage that uses a distinctive glossary term of the volume."""
    names = [t.term for t in terms]
    # a term the whole volume uses everywhere ("Training") makes a blank any reader fills by guessing
    texts = [p["t"].lower() for p in all_passages]
    patterns = [(t.term, _term_pattern(t.term)) for t in terms]
    patterns = [(term, pattern) for term, pattern in patterns  # the substring test first: regexes are slow
                if sum(1 for text in texts if term.lower() in text and pattern.search(text))
                <= max(3, MAX_CLOZE_TERM_SHARE * len(texts))]
    patterns.sort(key=lambda pair: -len(pair[0]))
    out, per_chapter = [], {}
    for passage in worked:
        if per_chapter.get(passage["c"], 0) >= MAX_CLOZE_PER_CHAPTER:
            continue
        done = False
        for sentence in _sentences(passage["t"]):
            for term, pattern in patterns:
                if len(pattern.findall(sentence)) == 1:  # a second mention would give the answer away
                    blanked = pattern.sub("_____", sentence)
                    choices, answer = _choices(term, names, "cloze" + passage["a"] + term)
                    slug = chapter_slugs[passage["c"]]
                    out.append({"id": f"{volume}/{slug}/cloze-{passage['a']}-{_digest(sentence)}", "c": passage["c"],
                                "s": passage["s"], "type": "mcq", "prompt": f"Fill the blank: {blanked}",
                                "choices": choices, "answer": answer, "origin": "cloze", "a": passage["a"],
                                "explanation": f"The worked example reads: \u201c{sentence}\u201d"})
                    done = True
                    break
            if done:
                per_chapter[passage["c"]] = per_chapter.get(passage["c"], 0) + 1
                break
    return out


def calc_questions(worked_blocks: list[dict], volume: str, chapter_slugs: list[str]) -> list[dict]:
    """A calculation per napkin-math callout a template fits (calc.py), answered by MLSys·im."""
    out, per_chapter = [], {}
    for block in worked_blocks:
        if per_chapter.get(block["c"], 0) >= MAX_CALC_PER_CHAPTER:
            continue
        slug = chapter_slugs[block["c"]]
        question = calc.question_for(block["title"] + " " + block["text"], f"{volume}/{slug}/{block['anchor']}")
        if question is None:
            continue
        per_chapter[block["c"]] = per_chapter.get(block["c"], 0) + 1
        out.append({"id": f"{volume}/{slug}/calc-{block['anchor']}-{_digest(question.prompt)}", "c": block["c"],
                    "s": block["section"], "type": "calc", "prompt": question.prompt, "answer": question.answer,
                    "unit": question.unit, "tolerance": calc.TOLERANCE, "origin": "calc", "a": block["anchor"],
                    "explanation": f"Computed with MLSys\u00b7im, as in \u201c{block['title']}\u201d: "
                                   f"{question.explanation}"})
    return out
