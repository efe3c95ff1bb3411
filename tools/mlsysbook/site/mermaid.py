"""Mermaid diagrams drawn at build time: the vendored mermaid.min.js in headless Chromium, to SVG.

The PDF and EPUB exports cannot run JavaScript, so each diagram is drawn once in Debian's Chromium
(driven by Playwright) and kept as an SVG file. Labels are drawn as SVG text, not HTML inside
<foreignObject>, because neither rsvg-convert (SVG -> PDF) nor EPUB readers draw foreignObject.
Results are cached by the hash of the diagram source and the library, so an unchanged diagram is
never redrawn.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .headless import ChromiumMissing, launch

LIBRARY = Path(__file__).parent / "assets" / "vendor" / "mermaid.min.js"

_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>"""
_DRAW = """async (sources) => {
  mermaid.initialize({ startOnLoad: false, theme: "neutral", securityLevel: "strict",
                       htmlLabels: false, flowchart: { htmlLabels: false },
                       fontFamily: "DejaVu Sans, sans-serif" });
  const out = [];
  for (let i = 0; i < sources.length; i++) {
    const { svg } = await mermaid.render("mlsysbook-diagram-" + i, sources[i]);
    out.push(svg);
  }
  return out;
}"""


class MermaidFailed(RuntimeError):
    pass


DRAWING_VERSION = "4"  # bump when _DRAW or _standalone change what a cached diagram looks like


def _key(source: str) -> str:
    return hashlib.sha256(DRAWING_VERSION.encode() + LIBRARY.read_bytes() + b"\0" + source.encode("utf-8")).hexdigest()[:24]


def draw(sources: list[str], cache_dir: Path) -> list[str]:
    """SVG text of each Mermaid source, in order; cached in cache_dir by content hash."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    paths = [cache_dir / f"{_key(s)}.svg" for s in sources]
    missing = sorted({i for i, p in enumerate(paths) if not p.is_file()})
    if missing:
        from playwright.sync_api import Error as PlaywrightError
        try:
            with launch() as browser:
                page = browser.new_page()
                page.set_content(_PAGE)
                page.add_script_tag(path=str(LIBRARY))
                try:
                    drawn = page.evaluate(_DRAW, [sources[i] for i in missing])
                except PlaywrightError as exc:
                    raise MermaidFailed(f"mermaid could not draw a diagram: {exc.message.splitlines()[0]}") from None
        except ChromiumMissing as exc:
            raise MermaidFailed(f"Chromium is needed to draw Mermaid diagrams for the PDF and EPUB. {exc}") from None
        for i, svg in zip(missing, drawn):
            paths[i].write_text(_standalone(svg), encoding="utf-8")
    return [p.read_text(encoding="utf-8") for p in paths]


def _standalone(svg: str) -> str:
    """Mermaid sizes the SVG with style="max-width: …px" and width="100%"; give it an absolute size
    from its viewBox so converters and e-readers know how large to draw it."""
    view = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg)
    if view:
        width, height = view.group(1), view.group(2)
        svg = re.sub(r'\swidth="100%"', f' width="{width}" height="{height}"', svg, count=1)
        svg = re.sub(r'\sstyle="max-width:[^"]*"', "", svg, count=1)
    # Mermaid leaves size-less <rect class="background"> placeholders; SVG 1.1 requires width and height
    svg = re.sub(r'<rect(?![^>]*\swidth=)(?![^>]*\sheight=)[^>]*?/?>(</rect>)?', "", svg)
    # Mermaid sets each word after the first of a label line in its own <tspan> that starts with a space;
    # SVG's default white-space handling, which rsvg-convert and e-readers apply, drops that space and runs
    # the words together ("Offlineevaluation"). Labels carry no layout whitespace, so they keep it all.
    svg = re.sub(r"<text\b(?![^>]*\bxml:space=)", '<text xml:space="preserve"', svg)
    # ARIA's "graphics-document document" is not a role SVG 1.1 allows (EPUB readers validate it)
    svg = svg.replace('role="graphics-document document"', 'role="img"')
    if not svg.startswith("<?xml"):
        svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + svg
    return svg
