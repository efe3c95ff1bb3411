"""Small books built on disk so each rule of the content check can be exercised."""
from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

SLUG = "toy"


def prose(n_words: int) -> str:
    """Generated teaching-like prose of exactly n_words words, wrapped into paragraphs."""
    vocabulary = ("bandwidth bounds the step time when arithmetic intensity sits below the ridge point "
                  "so the engineer measures bytes moved per operation").split()
    words = [vocabulary[i % len(vocabulary)] for i in range(n_words)]
    paragraphs = [" ".join(words[i:i + 120]) + "." for i in range(0, n_words, 120)]
    return "\n\n".join(paragraphs)


def complete_chapter(words: int = 5000, citations: int = 10, **overrides) -> str:
    keys = " ".join(f"[@ref{i}]" for i in range(citations))
    exercises = "\n".join(
        f"{i + 1}. **[{level}]** Estimate the time of step {i}."
        for i, level in enumerate(["Easy", "Easy", "Medium", "Medium", "Hard"]))
    objectives = "\n".join(f"- Compute quantity {i}" for i in range(6))
    parts = {
        "front": '---\ncontent-status: complete\nlab: roofline\n---\n',
        "heading": f"# Toy {{#sec-{SLUG}}}\n",
        "setup": "```{python}\n#| echo: false\nimport mlsysim as ms\nwidth = 3\n```\n",
        "objectives": f'::: {{.callout-tip title="Learning objectives"}}\n{objectives}\n:::\n',
        "overview": f"## Overview {{#sec-{SLUG}-overview}}\n\nThe width is `{{python}} width` units. {keys}\n",
        "body": f"## Principles {{#sec-{SLUG}-principles}}\n\n{prose(words)}\n",
        "definitions": "\n".join(
            f'::: {{.callout-note .definition title="Term {i}"}}\nTerm {i} means something.\n:::\n' for i in range(3)),
        "napkin": "\n".join(
            f'::: {{.callout-tip .napkin-math title="Napkin math: case {i}"}}\nTwo times two.\n:::\n' for i in range(2)),
        "computed": "```{python}\n#| label: fig-computed\n#| fig-cap: \"A computed figure.\"\nms.hardware('H100-SXM')\n```\n",
        "diagrams": ("![A diagram.](images/flow.svg){#fig-flow}\n\n"
                     "```{dot}\n//| label: fig-graph\n//| fig-cap: \"A graph.\"\ndigraph { a -> b }\n```\n"),
        "tables": ("| a | b |\n|---|---|\n| 1 | 2 |\n\n: First table {#tbl-one}\n\n"
                   "| c | d |\n|---|---|\n| 3 | 4 |\n\n: Second table {#tbl-two}\n"),
        "refs": "See @fig-computed, @fig-flow, @fig-graph, @tbl-one and @tbl-two.\n",
        "summary": f"## Summary {{#sec-{SLUG}-summary}}\n\n- One takeaway.\n",
        "quizdiv": "::: {.quiz}\n:::\n",
        "exercises": f"## Exercises {{#sec-{SLUG}-exercises}}\n\n{exercises}\n",
        "next": (f"## Where to go next {{#sec-{SLUG}-next}}\n\n"
                 "[Lab](../../labs/roofline.html), [module](../../tinytorch/index.html), "
                 "[kit](../../kits/index.html).\n"),
    }
    parts.update(overrides)
    return "\n".join(v for v in parts.values() if v)


def quiz(n_mcq=3, n_short=3, n_calc=2, **mcq_overrides) -> dict:
    qs = []
    for i in range(n_mcq):
        q = {"type": "mcq", "prompt": f"Which {i}?", "choices": ["w", "x", "y", "z"], "answer": 1,
             "explanation": "The second listed resource is the binding one."}
        q.update(mcq_overrides)
        qs.append(q)
    qs += [{"type": "short", "prompt": f"Why {i}?", "answer": "Because.", "explanation": "Reason."}
           for i in range(n_short)]
    qs += [{"type": "calc", "prompt": f"How long {i}?", "answer": 3.35, "unit": "ms", "tolerance": 0.05,
            "explanation": "Bytes over bandwidth."} for i in range(n_calc)]
    return {"questions": qs}


def bib_entries(n: int) -> str:
    return "\n".join(
        f"@article{{ref{i},\n  author = {{Doe, Jane}},\n  title = {{Paper {i}}},\n  journal = {{J}},\n"
        f"  year = {{2020}},\n  doi = {{10.1000/{i}}},\n}}\n" for i in range(n))


class ToyBook:
    def __init__(self, root: Path):
        self.root = root
        self.vol = root / "vol1"
        self.chapter_dir = self.vol / SLUG
        (self.chapter_dir / "images").mkdir(parents=True)
        (self.chapter_dir / "images" / "flow.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
        cfg = {"book": {"chapters": ["index.qmd", {"part": "P", "chapters": [f"{SLUG}/{SLUG}.qmd"]}],
                        "appendices": ["glossary.qmd"]}}
        (self.vol / "_quarto.yml").write_text(yaml.safe_dump(cfg))
        (self.vol / "index.qmd").write_text("# Index {#sec-index .unnumbered}\n")
        (self.vol / "glossary.qmd").write_text("# Glossary {#sec-glossary .unnumbered}\n\n::: {.glossary}\n:::\n")
        self.write(complete_chapter(), quiz(), bib_entries(10))

    @property
    def chapter(self) -> Path:
        return self.chapter_dir / f"{SLUG}.qmd"

    def write(self, chapter_text=None, quiz_data=None, bib_text=None):
        if chapter_text is not None:
            self.chapter.write_text(textwrap.dedent(chapter_text))
        if quiz_data is not None:
            (self.chapter_dir / f"{SLUG}_quiz.yml").write_text(yaml.safe_dump(quiz_data, sort_keys=False))
        if bib_text is not None:
            (self.root / "references.bib").write_text(bib_text)


REPO = Path(__file__).resolve().parents[2]
