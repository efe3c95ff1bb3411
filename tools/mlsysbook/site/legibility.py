"""Figure legibility: the smallest text of every figure as a reader sees it at the site's content width.

An SVG figure is shown by an <img> at its natural size (its `width`, in CSS px) or, when that is wider
than the text column, scaled down to the column (`max-width: 100%` in site.css). A text element's size on
screen is its font-size in the SVG's user units × the ancestors' transform scale × (shown width / viewBox
width). A raster figure has no text to read, so it declares the height of its smallest text in image
pixels (`![…](x.png){font-px=18}`, which pandoc writes as `data-font-px`); undeclared, it is reported.
Text below MIN_TEXT_PX at the desktop column is a failure of `mlsysbook check`, naming the figure and its
source. Generated figures (Python cells, Graphviz) carry `data-min-width`, the width at which their smallest
text is MIN_TEXT_PX; site.js keeps them that wide, scrolling inside their own box where the column is
narrower (a phone). On a desktop nothing should scroll, so a generated figure whose minimum width exceeds
the desktop column is a failure too, naming the figure and the source line of its label. Mermaid diagrams
are drawn in the browser, so tests/test_figure_text.py measures them (and the phone's text) in Chromium.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

MIN_TEXT_PX = 9.0
# The width of the text column (article) at a 1400 px desktop window: 1400 - 2×1rem padding - the 17rem
# sidebar - the 14rem page TOC - 2×2rem gaps (site.css .layout). tools/tests/test_site_reading.py checks it
# against the browser, so a change to the layout that changes it fails there.
CONTENT_WIDTH_PX = 808.0
PHONE_CONTENT_WIDTH_PX = 390 - 2 * 0.9 * 16  # 390 px phone, 0.9rem padding each side
RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")
_UNITS = {"px": 1.0, "": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
_LENGTH = re.compile(r"^\s*([0-9.]+(?:e[-+]?\d+)?)\s*(px|pt|pc|in|cm|mm|em|%)?\s*$", re.I)
_SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class FigureText:
    page: str  # site path of the page showing it
    figure: str  # the figure's id, or the image path when it has none
    image: str  # site path of the image
    smallest_px: float | None  # smallest text on screen at CONTENT_WIDTH_PX (None: no text found)
    sample: str = ""  # that text
    note: str = ""  # why it could not be measured
    min_width: float | None = None  # data-min-width: the width its smallest text needs (generated figures)
    shown_px: float | None = None  # the width it is drawn at in the column measured


def _length(value: str | None, em: float = 16.0) -> float | None:
    """A CSS/SVG length in px (user units); None when absent or a percentage."""
    if not value:
        return None
    m = _LENGTH.match(value)
    if not m:
        return None
    number, unit = float(m.group(1)), (m.group(2) or "").lower()
    if unit == "%":
        return None
    if unit == "em":
        return number * em
    return number * _UNITS[unit]


def _transform_scale(transform: str | None) -> float:
    """The linear scale of an SVG transform list (sqrt of the determinant, so rotation does not count)."""
    if not transform:
        return 1.0
    scale = 1.0
    for name, args in re.findall(r"(matrix|scale)\s*\(([^)]*)\)", transform):
        nums = [float(x) for x in re.split(r"[\s,]+", args.strip()) if x]
        if name == "scale" and nums:
            scale *= math.sqrt(abs(nums[0] * (nums[1] if len(nums) > 1 else nums[0])))
        elif name == "matrix" and len(nums) >= 4:
            scale *= math.sqrt(abs(nums[0] * nums[3] - nums[1] * nums[2]))
    return scale


def _style_font_size(style: str | None, em: float) -> float | None:
    if not style:
        return None
    m = re.search(r"font-size\s*:\s*([^;]+)", style)
    if m:
        return _length(m.group(1), em)
    m = re.search(r"(?:^|;)\s*font\s*:\s*(?:[a-z-]+\s+)*([0-9.]+(?:px|pt|em)?)", style)
    return _length(m.group(1), em) if m else None


def _css_font_sizes(root: ET.Element) -> list[tuple[str, float]]:
    """(selector, size) from the SVG's <style> sheets: class and element selectors are applied."""
    rules = []
    for style in root.iter(f"{_SVG}style"):
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", style.text or ""):
            size = _style_font_size(body, 16.0)
            if size is not None:
                rules += [(s.strip(), size) for s in selectors.split(",")]
    return rules


def _css_size_for(element: ET.Element, rules: list[tuple[str, float]]) -> float | None:
    tag = element.tag.removeprefix(_SVG)
    classes = (element.get("class") or "").split()
    size = None
    for selector, value in rules:
        last = selector.split()[-1] if selector.split() else ""
        if last == tag or any(last == f".{c}" or last.endswith(f".{c}") for c in classes):
            size = value  # later rules win, as in CSS (specificity aside)
    return size


def svg_text_sizes(svg: bytes) -> tuple[float | None, float | None, list[tuple[float, str]]]:
    """(natural width in CSS px, viewBox width, [(font size in CSS px at natural size, text)])."""
    root = ET.fromstring(svg)
    width = _length(root.get("width"))
    view = root.get("viewBox")
    view_width = float(re.split(r"[\s,]+", view.strip())[2]) if view else None
    natural_scale = (width / view_width) if (width and view_width) else 1.0
    rules = _css_font_sizes(root)
    found: list[tuple[float, str]] = []

    def visit(element: ET.Element, font: float, scale: float):
        tag = element.tag.removeprefix(_SVG)
        if tag in ("defs", "style", "metadata", "title", "desc", "clipPath", "mask", "symbol"):
            return
        size = _length(element.get("font-size"), font) or font
        css = _css_size_for(element, rules)
        size = css if css is not None else size
        styled = _style_font_size(element.get("style"), font)
        size = styled if styled is not None else size
        scale *= _transform_scale(element.get("transform"))
        if tag in ("text", "tspan", "textPath"):
            text = "".join(element.itertext()).strip()
            own = (element.text or "").strip()
            if own or (tag == "text" and text and not list(element)):
                found.append((size * scale * natural_scale, own or text))
        for child in element:
            visit(child, size, scale)

    visit(root, 16.0, 1.0)
    return (width if width else None), view_width, found


class _Images(HTMLParser):
    """The images of a page's article, each with the id of the figure around it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures: list[str | None] = []
        self.images: list[tuple[str | None, dict]] = []
        self.in_article = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "article":
            self.in_article += 1
        elif tag == "figure":
            self.figures.append(values.get("id"))
        elif tag == "img" and self.in_article and values.get("src"):
            self.images.append((next((f for f in reversed(self.figures) if f), None), values))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "figure" and self.figures:
            self.figures.pop()
        elif tag == "article" and self.in_article:
            self.in_article -= 1


def _shown_width(natural: float | None, attrs: dict, column: float) -> float:
    """The width the image is drawn at: its own width (attribute or style, % of the column) or its
    natural width, never more than the column."""
    declared = attrs.get("width") or ""
    m = re.search(r"(?:^|;)\s*width\s*:\s*([^;]+)", attrs.get("style") or "")
    if m:
        declared = m.group(1)
    declared = declared.strip()
    if declared.endswith("%"):
        shown = column * float(declared[:-1]) / 100
    elif _length(declared):
        shown = min(_length(declared), column)
    else:
        shown = min(natural, column) if natural else column
    # a generated figure is kept at least as wide as its text needs (site.js; cells.legible_width)
    minimum = _length(attrs.get("data-min-width"))
    return max(shown, minimum) if minimum else shown


def measure_page(site: Path, page: str, column: float = CONTENT_WIDTH_PX) -> list[FigureText]:
    parser = _Images()
    parser.feed((site / page).read_text(encoding="utf-8", errors="replace"))
    out: list[FigureText] = []
    folder = (site / page).parent
    for figure, attrs in parser.images:
        src = attrs["src"]
        parts = urlsplit(src)
        if parts.scheme or src.startswith(("//", "data:")):
            continue
        path = (folder / unquote(parts.path)).resolve()
        image = path.relative_to(site.resolve()).as_posix() if path.is_relative_to(site.resolve()) else src
        label = figure or image
        if path.suffix.lower() == ".svg" and path.is_file():
            try:
                natural, view_width, texts = svg_text_sizes(path.read_bytes())
            except ET.ParseError as exc:
                out.append(FigureText(page, label, image, None, note=f"the SVG does not parse: {exc}"))
                continue
            if not texts:
                out.append(FigureText(page, label, image, None, note="no SVG text (drawn as paths or an image)"))
                continue
            shown = _shown_width(natural, attrs, column)
            factor = shown / natural if natural else (shown / view_width if view_width else 1.0)
            size, text = min(texts, key=lambda t: t[0])
            out.append(FigureText(page, label, image, size * factor, text, min_width=_length(attrs.get("data-min-width")),
                                  shown_px=shown))
        elif path.suffix.lower() in RASTER:
            declared = attrs.get("data-font-px")
            if declared is None:
                out.append(FigureText(page, label, image, None,
                                      note="raster figure without a declared text size: add {font-px=N} (the "
                                           "height of its smallest text in image pixels) to the image"))
                continue
            natural_px = _raster_width(path)
            shown = _shown_width(natural_px, attrs, column)
            out.append(FigureText(page, label, image, float(declared) * shown / natural_px if natural_px else None,
                                  f"declared font-px={declared}", min_width=_length(attrs.get("data-min-width")),
                                  shown_px=shown))
    return out


def _raster_width(path: Path) -> float | None:
    """Pixel width of a PNG, GIF or JPEG from its header (no imaging library needed)."""
    data = path.read_bytes()[:65536]
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return float(int.from_bytes(data[16:20], "big"))
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return float(int.from_bytes(data[6:8], "little"))
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                return float(int.from_bytes(data[i + 7:i + 9], "big"))
            i += 2 + length
    return None


def label_line(source: Path, label: str) -> int | None:
    """The line of a figure's label in its source: a cell option (`#| label: fig-x`, `//| label: fig-x`,
    `%%| label: fig-x`) or an attribute (`{#fig-x}`); None when it is not there."""
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"^\s*(?:#|//|%%)\|\s*label:\s*{re.escape(label)}\s*$|\{{#{re.escape(label)}[\s}}]")
    return next((number for number, text in enumerate(lines, 1) if pattern.search(text)), None)


def check_figures(site: Path, pages: dict[str, str], column: float = CONTENT_WIDTH_PX,
                  root: Path | None = None, phone_column: float = PHONE_CONTENT_WIDTH_PX) -> tuple[list[str], list[FigureText]]:
    """Problems (printable lines) and every measurement, for the pages given as {site path: source}
    (sources relative to `root`, which is used to find the line of a figure's label). Each figure is
    measured in the desktop column and again in a 390 px phone's, where the least legible size is the same:
    a figure that would shrink below it there must declare the width its text needs (`min-width`), so that
    it keeps that width and scrolls sideways, as generated figures do."""
    problems: list[str] = []
    measured: list[FigureText] = []
    for page, source in sorted(pages.items()):
        if not (site / page).is_file():
            continue
        passed = set()
        for fig in measure_page(site, page, column):
            measured.append(fig)
            where = f"{page}: figure {fig.figure} (source {source}, image {fig.image})"
            if fig.min_width is not None and fig.min_width > column + 0.5:
                line = label_line((root or Path()) / source, fig.figure)
                problems.append(
                    f"{source}{f':{line}' if line else ''}: figure {fig.figure} ({page}) needs {fig.min_width:.0f} px "
                    f"for its smallest text (\u201c{fig.sample[:40]}\u201d) to be {MIN_TEXT_PX:.0f} px, wider than the "
                    f"{column:.0f} px text column, so desktop readers must scroll it sideways. Draw it narrower: "
                    "top to bottom (rankdir=TB), shorter labels with the detail in the caption, a long chain in rows, "
                    "or larger fonts in a Python figure")
                continue
            if fig.smallest_px is None:
                if fig.note.startswith("raster") or fig.note.startswith("the SVG"):
                    problems.append(f"{where}: {fig.note}")
                continue
            if fig.smallest_px < MIN_TEXT_PX - 1e-6:
                problems.append(f"{where}: text \u201c{fig.sample[:40]}\u201d is {fig.smallest_px:.1f} CSS px at the "
                                f"{column:.0f} px text column; the least legible size is {MIN_TEXT_PX:.0f} px. Enlarge "
                                "its font (matplotlib fontsize, Graphviz fontsize) or make the figure narrower")
                continue
            passed.add((fig.figure, fig.image))
        for fig in measure_page(site, page, phone_column):
            if (fig.figure, fig.image) not in passed or fig.smallest_px is None or fig.smallest_px >= MIN_TEXT_PX - 1e-6:
                continue
            needed = math.ceil(fig.shown_px * MIN_TEXT_PX / fig.smallest_px)
            line = label_line((root or Path()) / source, fig.figure)
            problems.append(
                f"{source}{f':{line}' if line else ''}: figure {fig.figure} ({page}): text \u201c{fig.sample[:40]}\u201d "
                f"is {fig.smallest_px:.1f} CSS px in a 390 px phone's {phone_column:.0f} px column; the least legible "
                f"size is {MIN_TEXT_PX:.0f} px. Give the image the width its text needs, `{{min-width={needed}}}` "
                "(it then scrolls sideways on a phone), or enlarge its text")
    return problems, measured
