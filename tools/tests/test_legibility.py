"""Figure text size at the text column (legibility.py, part of `mlsysbook check`), the browser rules of
figure_text.py on the fixture book (Mermaid diagrams, phone text), and page weight."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from figure_text import image_problems, mermaid_problems, phone_text_problems
from site_helpers import run_build

from mlsysbook.site.headless import launch, serve, tab

from mlsysbook.site.check import PAGE_WEIGHT_LIMIT, check_page_weight, check_site, page_weight
from mlsysbook.site.legibility import CONTENT_WIDTH_PX, MIN_TEXT_PX, check_figures, measure_page, svg_text_sizes

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="{width}" viewBox="0 0 200 100">
<style>.label {{ font-size: 12px; }}</style>
<g transform="scale(0.5)"><text x="0" y="10" font-size="10">halved</text></g>
<text class="label" x="0" y="50">styled</text>
<text x="0" y="80" style="font-size: 14px">inline</text>
<text x="0" y="90">default</text>
</svg>"""


def test_svg_text_sizes_follow_font_size_css_transforms_and_units():
    natural, view, texts = svg_text_sizes(SVG.format(width="150pt").encode())
    assert natural == pytest.approx(200.0) and view == 200  # 150 pt is 200 CSS px: one user unit per px
    sizes = {text: size for size, text in texts}
    assert sizes == {"halved": pytest.approx(5.0), "styled": pytest.approx(12.0), "inline": pytest.approx(14.0),
                     "default": pytest.approx(16.0)}
    _, _, doubled = svg_text_sizes(SVG.format(width="400px").encode())
    assert min(doubled)[0] == pytest.approx(10.0)


def _page_with_image(site: Path, image: str, attrs: str = "") -> str:
    (site / "p").mkdir(parents=True, exist_ok=True)
    (site / "p" / "page.html").write_text(f'<article class="page"><figure id="fig-x"><img src="{image}" {attrs}>'
                                          "<figcaption>x</figcaption></figure></article>")
    return "p/page.html"


def test_wide_figure_is_measured_where_the_column_scales_it_down(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "wide.svg").write_text(SVG.format(width="1616px"))  # twice the column: drawn at 808 px
    page = _page_with_image(tmp_path, "wide.svg")
    [fig] = measure_page(tmp_path, page)
    assert fig.figure == "fig-x" and fig.image == "p/wide.svg"
    assert fig.smallest_px == pytest.approx(5.0 * CONTENT_WIDTH_PX / 200) and fig.sample == "halved"
    [half] = measure_page(tmp_path, _page_with_image(tmp_path, "wide.svg", 'style="width:50%"'))
    assert half.smallest_px == pytest.approx(fig.smallest_px / 2)


def test_raster_figures_are_measured_by_their_declared_text_size(tmp_path):
    (tmp_path / "p").mkdir()
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + (1600).to_bytes(4, "big") + (10).to_bytes(4, "big")
    (tmp_path / "p" / "photo.png").write_bytes(png + b"\0" * 16)
    [undeclared] = measure_page(tmp_path, _page_with_image(tmp_path, "photo.png"))
    assert undeclared.smallest_px is None and "font-px" in undeclared.note
    [declared] = measure_page(tmp_path, _page_with_image(tmp_path, "photo.png", 'data-font-px="20"'))
    assert declared.smallest_px == pytest.approx(20 * CONTENT_WIDTH_PX / 1600)


def test_fixture_figures_are_text_in_the_site_fonts_and_legible(built_fixture):
    site = built_fixture / "_site"
    figures = measure_page(site, "vol1/alpha/alpha.html")
    by_id = {f.figure: f for f in figures}
    assert {"fig-alpha-roofline", "fig-alpha-graph"} <= set(by_id)
    assert all(f.smallest_px >= MIN_TEXT_PX for f in figures if f.smallest_px is not None)
    plot = (site / by_id["fig-alpha-roofline"].image).read_text()
    # computed figures keep their text as text, in the page's font stack (system-ui unquoted: a CSS keyword)
    assert "<text " in plot and "font-family: system-ui, -apple-system, 'Segoe UI'" in plot
    assert check_site(built_fixture, site) == []


def test_check_names_a_figure_with_tiny_text_and_its_source(project):
    """A drawn SVG (images/) is shown as it is: 4-unit text in a 120-unit-wide drawing at 120 px is 4 px."""
    svg = project / "book/vol1/alpha/images/pipeline.svg"
    svg.write_text(svg.read_text().replace('<text x="10" y="25">', '<text x="10" y="25" font-size="4">'))
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    check = subprocess.run([sys.executable, "-m", "mlsysbook.cli", "check", "--root", str(project)],
                           capture_output=True, text=True, cwd=project)
    assert check.returncode == 1
    out = check.stdout + check.stderr
    assert ("vol1/alpha/alpha.html: figure fig-alpha-pipeline (source book/vol1/alpha/alpha.qmd, image "
            "vol1/alpha/images/pipeline.svg): text \u201cpipeline\u201d is 4.0 CSS px") in out


def test_generated_figures_are_kept_wide_enough_for_their_smallest_text(project):
    """A plot with 4 pt labels is drawn at least 9/(4 × 4/3) of its natural width, scrolling where needed."""
    chapter = project / "book/vol1/alpha/alpha.qmd"
    chapter.write_text(chapter.read_text().replace('plt.xlabel("FLOP per byte")',
                                                   'plt.xlabel("FLOP per byte", fontsize=4)'))
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    site = project / "_site"
    [plot] = [f for f in measure_page(site, "vol1/alpha/alpha.html") if f.figure == "fig-alpha-roofline"]
    natural, _, _ = svg_text_sizes((site / plot.image).read_bytes())
    assert plot.smallest_px == pytest.approx(MIN_TEXT_PX, abs=0.02) and plot.sample == "FLOP per byte"
    html = (site / "vol1/alpha/alpha.html").read_text()
    minimum = int(html.split('data-min-width="', 1)[1].split('"', 1)[0])
    assert minimum == pytest.approx(natural * 9 / (4 * 4 / 3), abs=1) and minimum > CONTENT_WIDTH_PX
    # legible only by scrolling on a desktop: the check fails, naming the figure and its label's line
    check = subprocess.run([sys.executable, "-m", "mlsysbook.cli", "check", "--root", str(project)],
                           capture_output=True, text=True, cwd=project)
    assert check.returncode == 1
    assert (f"book/vol1/alpha/alpha.qmd:29: figure fig-alpha-roofline (vol1/alpha/alpha.html) needs {minimum} px "
            "for its smallest text (\u201cFLOP per byte\u201d) to be 9 px, wider than the 808 px text column") in check.stdout


def test_a_generated_figure_wider_than_the_desktop_column_fails_the_check(tmp_path):
    """data-min-width up to the column is fine (drawn in the column, no scrolling); one pixel more is not."""
    source = tmp_path / "book" / "ch.qmd"
    source.parent.mkdir(parents=True)
    source.write_text("Text.\n\n```{dot}\n//| label: fig-x\ndigraph { a -> b }\n```\n")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "wide.svg").write_text(SVG.format(width="1616px"))
    pages = {_page_with_image(tmp_path, "wide.svg", f'data-min-width="{CONTENT_WIDTH_PX:.0f}"'): "book/ch.qmd"}
    assert check_figures(tmp_path, pages, root=tmp_path)[0] == []
    pages = {_page_with_image(tmp_path, "wide.svg", f'data-min-width="{CONTENT_WIDTH_PX + 1:.0f}"'): "book/ch.qmd"}
    [problem] = check_figures(tmp_path, pages, root=tmp_path)[0]
    assert problem.startswith("book/ch.qmd:4: figure fig-x (p/page.html) needs 809 px for its smallest text")
    assert "rankdir=TB" in problem


def test_page_weight_counts_the_page_its_styles_and_scripts_but_not_images(built_fixture, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_fixture / "_site", site)
    total, files = page_weight(site, "vol1/alpha/alpha.html")
    names = {name for name, _ in files}
    assert {"assets/site.css", "assets/site.js", "assets/mermaid-init.js"} <= names
    assert "assets/vendor/mermaid.min.js" not in names  # loaded later, near a diagram
    assert total < PAGE_WEIGHT_LIMIT
    assert check_page_weight(site, ["vol1/alpha/alpha.html"]) == []
    page = site / "vol1/alpha/alpha.html"
    page.write_text(page.read_text().replace("</article>", "<p>" + "x" * PAGE_WEIGHT_LIMIT + "</p></article>"))
    [problem] = check_page_weight(site, ["vol1/alpha/alpha.html"])
    assert problem.startswith("vol1/alpha/alpha.html: ") and "before images (limit 500 KB)" in problem


def test_browser_rules_pass_on_the_fixture_book(built_fixture):
    """The fixture's small Mermaid flow chart, its figures and its text pass the browser rules at both widths."""
    site = built_fixture / "_site"
    with serve(site) as url, launch() as browser:
        for viewport in ("desktop", "phone"):
            with tab(browser, viewport) as t:
                t.page.goto(url + "vol1/alpha/alpha.html", wait_until="load")
                assert mermaid_problems(t.page, "alpha", desktop=viewport == "desktop") == []
                assert image_problems(t.page, "alpha", site) == []
                assert phone_text_problems(t.page, "alpha") == []
                # the rule for body text can fail: paragraphs set in 13 px are reported, with a sample
                t.page.add_style_tag(content="article p { font-size: 13px }")
                [small] = phone_text_problems(t.page, "alpha")
                assert small.startswith("alpha: body text \u201c") and "is 13.0 px on a phone (at least 16 px)" in small


def test_a_wide_mermaid_diagram_is_reported_on_a_desktop_and_scrolls_on_a_phone(project):
    """A long left-to-right chain: site.js keeps it wide enough for 9 px labels, which on a desktop makes it
    wider than the column (reported, naming page and diagram); on a phone it scrolls in its box, legibly."""
    chapter = project / "book/vol1/alpha/alpha.qmd"
    chain = " --> ".join(f'N{i}["a rather long label number {i}"]' for i in range(12))
    chapter.write_text(chapter.read_text().replace("flowchart LR\n  A --> B", f"flowchart LR\n  {chain}"))
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    with serve(project / "_site") as url, launch() as browser:
        with tab(browser, "desktop") as t:
            t.page.goto(url + "vol1/alpha/alpha.html", wait_until="load")
            [wide] = mermaid_problems(t.page, "vol1/alpha/alpha.html", desktop=True)
            assert wide.startswith("vol1/alpha/alpha.html: diagram fig-alpha-flow is ") and "wider than its 808 px column" in wide
        with tab(browser, "phone") as t:
            t.page.goto(url + "vol1/alpha/alpha.html", wait_until="load")
            assert mermaid_problems(t.page, "vol1/alpha/alpha.html", desktop=False) == []
            box = t.page.evaluate("(() => { const p = document.querySelector('pre.mermaid'); "
                                  "return [p.scrollWidth, p.clientWidth, p.getAttribute('tabindex')]; })()")
            assert box[0] > box[1] and box[2] == "0"  # it scrolls, and a keyboard can reach it to scroll
