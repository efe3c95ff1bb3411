"""The companion's build step: run by the site build on the finished pages of each volume, for both renderers.

For every chapter page it gives each passage its paragraph anchor (passages.py) and, on pages Quarto
rendered, adds the companion's stylesheet and script (the embedded renderer's template has them). It
writes `<volume>/companion.json` — chapters and sections, passages, glossary terms with where they are
introduced and the callouts and figures that use them, the quiz banks and the generated questions
(questions.py) — then `companion.json` at the site root listing the volumes that have one, the progress
dashboard `progress.html` in the site's shell (companion.js fills it from the reader's IndexedDB), and copies
the front-end libraries from `tools/companion/node_modules` (npm, pinned by its lock file) into
`assets/companion-vendor/`. A page's scan is cached by the hash of its HTML, so an unchanged chapter
costs one hash and one read.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from ..site.errors import BuildFailed, SourceError
from . import passages as passmod
from .questions import Term, bank_questions, calc_questions, cloze_questions, term_questions

VERSION = "3"  # bump when the scan's output changes, to drop cached scans
NPM_DIR = Path(__file__).resolve().parents[2] / "companion"  # tools/companion: package.json, lock, node_modules
# (file in node_modules, name in the site, licence file): the libraries the page scripts load on demand
VENDORED = [
    ("ts-fsrs/dist/index.umd.js", "ts-fsrs.js", "ts-fsrs/LICENSE"),
    ("dompurify/dist/purify.min.js", "purify.min.js", "dompurify/LICENSE"),
    ("marked/lib/marked.umd.js", "marked.js", "marked/LICENSE"),
]
USE_KINDS_LISTED = 8  # callouts and figures listed per term: the panel shows the first few

_DEFINITION = re.compile(r"^:{3,}\s*\{[^}\n]*\.definition[^}\n]*?title=\"([^\"]+)\"", re.M)


def term_slug(term: str) -> str:
    """book/_filters/terms.lua's slug, so the names here meet the anchors definitions.lua placed."""
    slug = re.sub(r"[^0-9a-z]+", "-", term.lower()).strip("-") or "term"
    return "term-" + slug


def source_terms(source: Path) -> dict[str, str]:
    """anchor -> term, in the order and with the numbering (`-2` for a second "Latency") of terms.lua."""
    seen: dict[str, int] = {}
    out = {}
    for match in _DEFINITION.finditer(source.read_text(encoding="utf-8")):
        term = match.group(1)
        anchor = term_slug(term)
        seen[anchor] = seen.get(anchor, 0) + 1
        out[anchor if seen[anchor] == 1 else f"{anchor}-{seen[anchor]}"] = term
    return out


def _vendor(assets: Path) -> None:
    target = assets / "companion-vendor"
    target.mkdir(parents=True, exist_ok=True)
    for source, name, licence in VENDORED:
        path = NPM_DIR / "node_modules" / source
        if not path.is_file():
            raise BuildFailed([SourceError(NPM_DIR / "package.json", 0,
                                           f"the companion's library {source} is not installed; run `make companion-deps` "
                                           "(npm ci in tools/companion, versions pinned by its package-lock.json)")])
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", text)  # the map is not shipped
        (target / name).write_text(text, encoding="utf-8")
        shutil.copy2(NPM_DIR / "node_modules" / licence, target / f"{name.rsplit('.', 1)[0]}.LICENSE.txt")


def _scan_cached(html_text: str, cache: Path) -> passmod.PageScan:
    key = hashlib.sha256((VERSION + html_text).encode()).hexdigest()
    path = cache / f"{key}.json"
    if path.is_file():
        return passmod.PageScan.from_dict(json.loads(path.read_text(encoding="utf-8")))
    scan = passmod.scan_page(html_text)
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scan.to_dict()), encoding="utf-8")
    return scan


def _inject_assets(html_text: str, page_out: str) -> str:
    """Quarto's pages do not come from the site template: give them the companion's stylesheet and script."""
    if "companion.js" in html_text:
        return html_text
    depth = page_out.count("/")
    prefix = "../" * depth + "assets/"
    tags = (f'<link rel="stylesheet" href="{prefix}companion.css">\n'
            f'<script src="{prefix}companion.js" defer></script>\n')
    return html_text.replace("</body>", tags + "</body>", 1) if "</body>" in html_text else html_text + tags


def volume_data(part, site_dir: Path, cache: Path, inject: bool) -> dict:
    """Scan a volume's chapter pages in `site_dir` (adding the paragraph anchors) and assemble its data."""
    chapters, passages, terms, blocks, bank = [], [], [], [], []
    slugs = []
    for page in part.pages:
        if page.kind != "chapter":
            continue
        built = site_dir / page.out
        if not built.is_file():
            continue
        html_text = built.read_text(encoding="utf-8")
        scan = _scan_cached(html_text, cache)
        html_text = passmod.write_anchors(html_text, scan.insertions)
        if inject:
            html_text = _inject_assets(html_text, page.out)
        fresh = built.with_name(built.name + ".companion")
        fresh.write_text(html_text, encoding="utf-8")
        fresh.replace(built)  # a new file: the old one may be a hard link into another tree
        index = len(chapters)
        slug = page.source.stem
        slugs.append(slug)
        chapters.append({"url": page.out, "title": scan.title or page.title, "number": page.number or "",
                         "sections": scan.sections, "tops": scan.tops})
        passage_section = {}
        for p in scan.passages:
            passages.append({"c": index, "a": p.id, "s": p.section, "t": p.text, "k": p.kind})
            passage_section[p.id] = p.section
        names = source_terms(page.source)
        for anchor, passage_id in scan.terms.items():
            term = names.get(anchor)
            definition = next((p.text for p in scan.passages if p.id == passage_id), "")
            if term and definition:
                terms.append(Term(term, anchor, index, passage_section.get(passage_id, ""), definition, passage_id))
        for b in scan.blocks:
            blocks.append({"c": index, "kind": b.kind, "title": b.title, "text": b.text, "anchor": b.anchor,
                           "section": b.section, "lower": f"{b.title} {b.text}".lower()})
        bank += bank_questions(page.source.with_name(page.source.stem + "_quiz.yml"), part.key, index, slug)

    worked_blocks = [b for b in blocks if b["kind"] == "napkin-math"]
    worked_passages = [p for p in passages if p["k"] == "napkin-math"]
    questions = (bank + term_questions(terms, part.key, slugs) + cloze_questions(worked_passages, passages, terms, part.key, slugs)
                 + calc_questions(worked_blocks, part.key, slugs))
    term_entries = []
    for t in terms:
        pattern = re.compile(rf"(?<![\w-]){re.escape(t.term)}(?:s|es)?(?![\w-])", re.I)
        needle = t.term.lower()
        uses = [{"c": b["c"], "kind": b["kind"], "title": b["title"], "a": b["anchor"]}
                for b in blocks if needle in b["lower"] and pattern.search(b["lower"])]
        term_entries.append({"term": t.term, "anchor": t.anchor, "c": t.chapter, "s": t.section,
                             "definition": t.definition, "uses": uses[:USE_KINDS_LISTED]})
    return {"volume": part.key, "title": part.title, "chapters": chapters, "passages": passages,
            "terms": term_entries, "questions": questions}


DASHBOARD = "progress.html"
DASHBOARD_BODY = """<header class="title-block"><h1 class="title">Your progress</h1></header>
<p>What you have read, how your quiz answers went per chapter and per topic, how much of it FSRS expects you
to recall today, your streak of study days, and what to review next. It is computed in this browser from the
answers and reading the learning companion stored here (IndexedDB); nothing is sent anywhere. Answer questions
with <strong>Study</strong> &rsaquo; <em>Quiz me</em> on any chapter.</p>
<div id="companion-dashboard" class="companion-dashboard" aria-busy="true" aria-live="polite">
<p class="companion-muted">Loading your progress&hellip;</p>
<noscript><p>The dashboard is built by the page's script from data stored in this browser: it needs JavaScript.</p></noscript>
</div>
"""


def write_dashboard(site, site_dir: Path) -> None:
    """`progress.html` at the site root, in the same shell as every page (navigation, search, theme)."""
    from ..site.project import Page
    from ..site.template import Shell, render_shell

    # a page with no source in the repository: its source path under build/ means no "Edit this page" link
    page = Page(source=site.root / "build" / "companion" / DASHBOARD, out=DASHBOARD, part="", kind="progress",
                title="Your progress")
    shell = Shell(page=page, title=page.title, body=DASHBOARD_BODY, toc="", part=None, prev=None, next=None)
    (site_dir / DASHBOARD).write_text(render_shell(site, shell), encoding="utf-8")


def publish(parts, site_dir: Path, cache_dir: Path, quarto_parts: set[str], site=None) -> dict[str, dict]:
    """Write the companion's data for the rendered volumes into `site_dir`, its manifest and libraries, and,
    given the project (`site`), the progress dashboard.

    Returns each rendered volume's data (the benchmark and tests read it)."""
    written = {}
    for part in parts:
        if part.kind != "volume" or not (site_dir / part.key).is_dir():
            continue  # a volume with errors was not written: the build stops on them
        data = volume_data(part, site_dir, cache_dir / "companion", inject=part.key in quarto_parts)
        (site_dir / part.key / "companion.json").write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                                                            encoding="utf-8")
        written[part.key] = data
    # volumes kept from a previous build (--only) still have their data next to their pages
    volumes = []
    for path in sorted(site_dir.glob("*/companion.json")):
        head = json.loads(path.read_text(encoding="utf-8"))
        volumes.append({"key": path.parent.name, "title": head.get("title", ""), "url": f"{path.parent.name}/companion.json"})
    (site_dir / "companion.json").write_text(json.dumps({"volumes": volumes}, ensure_ascii=False), encoding="utf-8")
    _vendor(site_dir / "assets")
    if site is not None:
        write_dashboard(site, site_dir)
    return written
