"""Generate the playbook pages into ``build/site/interviews/`` (see the section contract).

Browse views are ``.qmd`` pages whose body is one raw-HTML block built here with every piece of
question text passed through :func:`html.escape`, so a question cannot inject markup or script,
whichever renderer (Quarto or the embedded pandoc one) turns them into HTML. The practice and mock
pages are site pages too, with their data in ``questions.js`` (a script, so it also loads from
``file://``).
"""

from __future__ import annotations

import html
import json
import shutil
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Iterable

from .bank import REPO_ROOT, Bank, LoadedQuestion, book_titles
from .schema import AREA_TITLES, FORMAT_TITLES, LEVEL_ORDER, LEVEL_TITLES, TRACK_TITLES, Area, Format, Level, Track
from .text import blocks

# browse.css styles every generated page (browse views, practice mode, mock interview) inside the site
# shell, with the site's theme variables only, so the header, search and dark theme are the same everywhere.
ASSETS = ("practice.js", "browse.css", "mock.js")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _esc(text: str) -> str:
    # Backticks too: a line of ``` inside the raw block would end it early in pandoc.
    return html.escape(text, quote=True).replace("`", "&#96;")


def _prose(text: str) -> str:
    parts = []
    for kind, lines in blocks(text):
        if kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{_esc(item)}</li>" for item in lines) + "</ul>")
        else:
            parts.append(f"<p>{_esc(lines[0])}</p>")
    return "\n".join(parts)


def _list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{_esc(item)}</li>" for item in items) + "</ul>"


def chapter_href(chapter: str) -> str:
    volume, slug = chapter.split("/")
    return f"../{volume}/{slug}/{slug}.html"


def _chapter_written(chapter: str) -> bool:
    volume, slug = chapter.split("/")
    return (REPO_ROOT / "book" / volume / slug / f"{slug}.qmd").exists()


def _lab_written(lab: str) -> bool:
    return (REPO_ROOT / "labs" / f"{lab}.py").exists()


def chain_index(bank: Bank) -> dict[str, list[LoadedQuestion]]:
    chains: dict[str, list[LoadedQuestion]] = {}
    for lq in bank:
        if lq.question.chain:
            chains.setdefault(lq.question.chain.id, []).append(lq)
    return {cid: sorted(members, key=lambda m: m.question.chain.step) for cid, members in chains.items()}


def _chain_nav(lq: LoadedQuestion, chains: dict[str, list[LoadedQuestion]]) -> str:
    """Links to every step of the question's chain; all steps share a track, so the track page has them."""
    q = lq.question
    if not q.chain or q.chain.id not in chains:
        return ""
    steps = []
    for member in chains[q.chain.id]:
        label = f"step {member.question.chain.step}: {member.text('title')}"
        if member.question.id == q.id:
            steps.append(f"<li><strong>{_esc(label)}</strong></li>")
        else:
            href = f"track-{member.question.track.value}.html#{member.question.id}"
            steps.append(f'<li><a href="{_esc(href)}">{_esc(label)}</a></li>')
    return f'<p>Part of the chain <em>{_esc(q.chain.id)}</em>:</p><ol class="staffml-chain">{"".join(steps)}</ol>'


def question_html(lq: LoadedQuestion, chains: dict[str, list[LoadedQuestion]] | None = None) -> str:
    data = lq.rendered()
    q = lq.question
    chain = (f'<span>chain {_esc(q.chain.id)} · step {q.chain.step}</span>' if q.chain else "")
    # A chapter listed in the TOC but not written yet is shown as text, so the site's link check
    # does not fail on a page another component has still to deliver.
    # Readers see titles, never slugs such as "vol1/serving" or "sec-serving-batching".
    titles = book_titles(REPO_ROOT)
    links = [f'<a href="{_esc(chapter_href(c))}">{_esc(titles.chapter(c))}</a>' if _chapter_written(c)
             else _esc(titles.chapter(c)) for c in q.chapters]
    for section in q.sections:
        chapter = next((c for c in q.chapters if section.startswith(f"sec-{c.split('/')[1]}")), None)
        if chapter and _chapter_written(chapter):
            links.append(f'<a href="{_esc(chapter_href(chapter))}#{_esc(section)}">§ {_esc(titles.section(section))}</a>')
    sources = "".join(f"<li>{_esc(name)}: {_esc(text)}</li>" for name, text in q.sources.items())
    sources_html = f"<h4>Sources</h4><ul>{sources}</ul>" if sources else ""
    fmt = f"<span>{_esc(FORMAT_TITLES[q.format])}</span>" if q.format != Format.napkin_math else ""
    if q.lab:
        lab, title = _esc(q.lab), _esc(titles.lab(q.lab))
        links.append(f'<a href="../labs/{lab}.html">Lab: {title}</a>' if _lab_written(q.lab) else f"Lab: {title}")
    return f"""<section class="staffml-question" id="{_esc(q.id)}">
<h3>{_esc(data['title'])}</h3>
<p class="staffml-tags"><span>{_esc(TRACK_TITLES[q.track])}</span><span>{_esc(AREA_TITLES[q.area])}</span><span>{_esc(LEVEL_TITLES[q.level])}</span>{fmt}{chain}<span><code>{_esc(q.id)}</code></span></p>
{_prose(data['scenario'])}
<details>
<summary>Reveal the answer</summary>
<h4>A strong answer covers</h4>
{_list(data['strong_answer'])}
<h4>Worked solution</h4>
{_prose(data['solution'])}
<h4>Common mistakes</h4>
{_list(data['common_mistakes'])}
<h4>Follow-ups</h4>
{_list(data['follow_ups'])}
{sources_html}
<p>Read more: {' · '.join(links)}</p>
{_chain_nav(lq, chains or {})}
</details>
</section>"""


def _page(title: str, intro: str, questions: list[LoadedQuestion], chains: dict[str, list[LoadedQuestion]]) -> str:
    body = "\n".join(question_html(lq, chains) for lq in questions)
    title_yaml = json.dumps(title)  # a JSON string is a valid YAML scalar
    return f"""---
title: {title_yaml}
---

{intro}

```{{=html}}
<link rel="stylesheet" href="browse.css">
{body}
```
"""


def _views(bank: Bank) -> list[tuple[str, str, str, list[LoadedQuestion]]]:
    views = []
    for track in Track:
        views.append((f"track-{track.value}", f"{TRACK_TITLES[track]} track", "track",
                      bank.filter(track=track.value)))
    for area in Area:
        views.append((f"area-{area.value}", AREA_TITLES[area], "area", bank.filter(area=area.value)))
    for level in Level:
        # "Mid-level" already names a level, so the title is never suffixed with "level".
        views.append((f"level-{level.value}", LEVEL_TITLES[level], "level",
                      bank.filter(level=level.value)))
    return views


def _chain_title(chain_id: str, members: list[LoadedQuestion]) -> str:
    """The first step's title names the scenario better than the slug; markdown specials are escaped."""
    title = members[0].text("title").strip() if members else ""
    if not title:
        title = chain_id.replace("-", " ").replace("_", " ").capitalize()
    return "".join("\\" + ch if ch in "\\[]*_`<>" else ch for ch in title)


def _browse_index(bank: Bank, views) -> str:
    counts = Counter((lq.question.track, lq.question.area) for lq in bank)
    header = "| Area | " + " | ".join(f"[{TRACK_TITLES[t]}](track-{t.value}.html)" for t in Track) + " | All |"
    rule = "|---|" + "---:|" * (len(Track) + 1)
    rows = [
        f"| [{AREA_TITLES[a]}](area-{a.value}.html) | "
        + " | ".join(str(counts[(t, a)]) for t in Track)
        + f" | {sum(counts[(t, a)] for t in Track)} |"
        for a in Area
    ]
    levels = Counter(lq.question.level for lq in bank)
    level_links = " · ".join(
        f"[{LEVEL_TITLES[lvl]} ({levels[lvl]})](level-{lvl.value}.html)"
        for lvl in sorted(Level, key=LEVEL_ORDER.get)
    )
    chain_links = [
        f"[{_chain_title(cid, members)}](track-{members[0].question.track.value}.html#{members[0].question.id})"
        f" ({plural(len(members), 'step')})"
        for cid, members in sorted(chain_index(bank).items())
    ]
    return "\n".join([
        "---",
        'title: "Browse the question bank"',
        "---",
        "",
        f"{len(bank)} questions. Every number in a worked answer is recomputed by the test suite. "
        "Pick a track, an area or a level, or practise with spaced repetition in "
        "[practice mode](practice.html).",
        "",
        header, rule, *rows, "",
        ": Questions per area and track {#tbl-staffml-counts}",
        "",
        f"By level: {level_links}",
        "",
        "Multi-step chains, one scenario from a single device up to a fleet"
        + (":" if chain_links else ": none yet."),
        "",
        *(f"- {link}" for link in chain_links),
        "",
    ])


PRACTICE_QMD = """---
title: "Practice mode"
---

Questions come back when you are about to forget them (FSRS spaced repetition). Progress stays in
this browser's local storage; nothing is sent anywhere and the page works offline.
[Browse all questions](browse.html) · [Mock interview](mock.html) · [About the playbook](index.html).

```{=html}
<link rel="stylesheet" href="browse.css">
<div id="practice" class="staffml-practice"><p>Loading questions…</p></div>
<noscript><p>Practice mode needs JavaScript; <a href="browse.html">browse the questions</a> instead.</p></noscript>
<script src="questions.js"></script>
<script src="practice.js"></script>
```
"""


MOCK_QMD = """---
title: "Mock interview"
---

A timed gauntlet like the `staffml mock` command: one question per competency area at rising
level, a system-design case last, and a countdown per question that moves on by itself at zero.
Write your answer in the box, then compare it with the worked solution and score yourself. Only
answers you wrote and scored count as answered; the scores feed the
[practice mode](practice.html) schedule. Everything stays in this browser.

```{=html}
<link rel="stylesheet" href="browse.css">
<div id="staffml-mock" class="staffml-mock"><p>Loading questions…</p></div>
<noscript><p>The mock interview needs JavaScript; <a href="browse.html">browse the questions</a> instead.</p></noscript>
<script src="questions.js"></script>
<script src="practice.js"></script>
<script src="mock.js"></script>
```
"""


def build_site(bank: Bank, out: Path) -> list[Path]:
    """Write every generated file; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(name: str, text: str) -> None:
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    questions = [lq.rendered() for lq in bank]
    titles = book_titles(REPO_ROOT)
    labels = {
        "track": {t.value: title for t, title in TRACK_TITLES.items()},
        "area": {a.value: title for a, title in AREA_TITLES.items()},
        "level": {lvl.value: title for lvl, title in LEVEL_TITLES.items()},
        "chapter": {c: titles.chapter(c) for c in sorted({c for lq in bank for c in lq.question.chapters})},
    }
    payload = {"generator": "staffml", "count": len(questions), "labels": labels, "questions": questions}
    write("questions.json", json.dumps(payload, indent=1, ensure_ascii=True) + "\n")
    # ensure_ascii escapes U+2028/U+2029 too, so the literal is valid JavaScript everywhere.
    write("questions.js", "window.STAFFML_QUESTIONS = " + json.dumps(payload, ensure_ascii=True) + ";\n")
    for asset in ASSETS:
        source = resources.files("staffml").joinpath("assets", asset)
        with resources.as_file(source) as path:
            shutil.copyfile(path, out / asset)
        written.append(out / asset)
    write("practice.qmd", PRACTICE_QMD)
    write("mock.qmd", MOCK_QMD)
    views = _views(bank)
    chains = chain_index(bank)
    write("browse.qmd", _browse_index(bank, views))
    for name, title, kind, members in views:
        intro = (f"{plural(len(members), 'question')}. Each answer is behind a reveal: work the problem first. "
                 f"[All views](browse.html) · [Practice mode](practice.html) · [Mock interview](mock.html)")
        write(f"{name}.qmd", _page(title, intro, members, chains))
    return written
