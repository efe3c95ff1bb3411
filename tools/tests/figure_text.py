"""Text sizes as Chromium draws a page: Mermaid diagrams (drawn in the browser, so `mlsysbook check` cannot
measure them), image figures at the width the layout gives them, and the page's own text.

Used by tests/test_figure_text.py (every real page with a diagram, desktop and phone) and
tools/tests/test_legibility.py (the fixture book, and a diagram made too small on purpose).

The rules, in CSS px on screen:
- figure text (Mermaid labels, SVG image text) is at least legibility.MIN_TEXT_PX (9) at every width, and
  a diagram is never wider than the text column at 1400 px (no sideways scrolling on a desktop);
- on a 390 px phone, body text (the article's paragraphs and list items) is at least PHONE_BODY_MIN_PX (16,
  the size phone browsers and platform guidelines take as readable without zooming) and every other text
  of the article (captions, tables, code, footnotes, callout titles) at least PHONE_SMALL_TEXT_MIN_PX (12,
  Lighthouse's "legible font sizes" threshold).
"""
from __future__ import annotations

from mlsysbook.site.legibility import MIN_TEXT_PX, svg_text_sizes

PHONE_BODY_MIN_PX = 16.0
PHONE_SMALL_TEXT_MIN_PX = 12.0

# Draws every Mermaid diagram of the page: the library loads only when a diagram nears the screen
# (mermaid-init.js), so each one is scrolled into view and the call waits until all are SVG, then until
# site.js has sized them (data-legible) or a moment has passed.
DRAW_MERMAID = """async () => {
  const diagrams = [...document.querySelectorAll('article pre.mermaid')];
  for (const pre of diagrams) pre.scrollIntoView();
  const wait = async (ready, ms) => {
    const deadline = Date.now() + ms;
    while (!diagrams.every(ready) && Date.now() < deadline) await new Promise(r => setTimeout(r, 50));
  };
  await wait(pre => pre.querySelector('svg'), 20000);
  await wait(pre => { const svg = pre.querySelector('svg'); return svg && svg.dataset.legible; }, 2000);
  window.scrollTo(0, 0);
  return diagrams.length;
}"""

# For each diagram: its figure id, whether it was drawn, its drawn width, the width of the text column,
# and its smallest text on screen (font-size of the element × the scale of the nearest SVG element's
# transform to the screen, which covers both <text> and HTML labels inside <foreignObject>).
MEASURE_MERMAID = """() => {
  const article = document.querySelector('article');
  const cs = getComputedStyle(article);
  const column = article.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  return [...article.querySelectorAll('pre.mermaid')].map((pre, i) => {
    const holder = pre.closest('[id^="fig-"]');
    const svg = pre.querySelector('svg');
    const out = { id: holder ? holder.id : 'diagram ' + (i + 1), drawn: !!svg, column: column,
                  width: 0, smallest: null, sample: '' };
    if (!svg) return out;
    out.width = svg.getBoundingClientRect().width;
    for (const el of svg.querySelectorAll('*')) {
      if (/^(style|script|title|desc)$/i.test(el.tagName)) continue;
      const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
      if (!own || el.getBoundingClientRect().width === 0) continue;
      let g = el;
      while (g && !(g instanceof SVGGraphicsElement)) g = g.parentElement;
      const m = g && g.getScreenCTM();
      if (!m) continue;
      const size = parseFloat(getComputedStyle(el).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
      if (out.smallest === null || size < out.smallest) { out.smallest = size; out.sample = own; }
    }
    return out;
  });
}"""

# The article's text by role: body (paragraphs and list items outside figures, tables, captions, code,
# footnotes and the reference list) and everything else; the smallest of each, with a sample. Formulas
# are left out: MathML sets sub- and superscripts at 71% and 50% of the text by design (math-depth).
MEASURE_TEXT = """() => {
  const article = document.querySelector('article');
  const small = 'figure, figcaption, table, caption, pre, code, .footnotes, #refs, .references, .csl-entry, ' +
                'sup, sub, .callout-title, .quiz, .table-caption, .figure-scroll, .preview, .page-actions, .pager';
  const result = { body: null, bodySample: '', other: null, otherSample: '' };
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || el.closest('svg, .mermaid, math, [hidden], [aria-hidden="true"]')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const body = el.closest('p, li') && !el.closest(small);
    const key = body ? 'body' : 'other';
    if (result[key] === null || size < result[key]) { result[key] = size; result[key + 'Sample'] = text.slice(0, 40); }
  }
  return result;
}"""

# Every SVG image figure of the article with its file and the width it is drawn at.
IMAGE_WIDTHS = """() => [...document.querySelectorAll('article img')].filter(img => /\\.svg($|[?#])/.test(img.getAttribute('src')))
  .map(img => ({ src: img.getAttribute('src'), url: img.src, width: img.getBoundingClientRect().width,
                 id: (img.closest('[id^="fig-"]') || {}).id || img.getAttribute('src') }))"""


def mermaid_problems(page, name: str, desktop: bool) -> list[str]:
    """Draws and measures the page's Mermaid diagrams; a line per diagram that breaks a rule."""
    page.evaluate(DRAW_MERMAID)
    problems = []
    for d in page.evaluate(MEASURE_MERMAID):
        where = f"{name}: diagram {d['id']}"
        if not d["drawn"]:
            problems.append(f"{where} was not drawn (Mermaid error or library not loaded)")
            continue
        if d["smallest"] is not None and d["smallest"] < MIN_TEXT_PX - 0.05:
            problems.append(f"{where}: text \u201c{d['sample'][:40]}\u201d is {d['smallest']:.1f} px on screen "
                            f"(least legible size {MIN_TEXT_PX:.0f} px); draw it narrower (flowchart TB, shorter labels)")
        if desktop and d["width"] > d["column"] + 1:
            problems.append(f"{where} is {d['width']:.0f} px wide, wider than its {d['column']:.0f} px column")
    return problems


def image_problems(page, name: str, site) -> list[str]:
    """SVG image figures measured at the width the browser draws them (their file's text sizes × that
    width / their natural width)."""
    problems = []
    for img in page.evaluate(IMAGE_WIDTHS):
        path = site / img["url"].split("/", 3)[3].split("?")[0].split("#")[0]
        if not path.is_file() or not img["width"]:
            continue
        natural, view_width, texts = svg_text_sizes(path.read_bytes())
        if not texts:
            continue
        size, text = min(texts, key=lambda t: t[0])
        on_screen = size * img["width"] / (natural or view_width)
        if on_screen < MIN_TEXT_PX - 0.05:
            problems.append(f"{name}: figure {img['id']}: text \u201c{text[:40]}\u201d is {on_screen:.1f} px at the "
                            f"{img['width']:.0f} px it is drawn at (least legible size {MIN_TEXT_PX:.0f} px)")
    return problems


def phone_text_problems(page, name: str) -> list[str]:
    sizes = page.evaluate(MEASURE_TEXT)
    problems = []
    if sizes["body"] is not None and sizes["body"] < PHONE_BODY_MIN_PX - 0.05:
        problems.append(f"{name}: body text \u201c{sizes['bodySample']}\u201d is {sizes['body']:.1f} px on a phone "
                        f"(at least {PHONE_BODY_MIN_PX:.0f} px)")
    if sizes["other"] is not None and sizes["other"] < PHONE_SMALL_TEXT_MIN_PX - 0.05:
        problems.append(f"{name}: text \u201c{sizes['otherSample']}\u201d is {sizes['other']:.1f} px on a phone "
                        f"(captions, tables, code and notes at least {PHONE_SMALL_TEXT_MIN_PX:.0f} px)")
    return problems
