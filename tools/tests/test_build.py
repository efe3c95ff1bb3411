"""The fixture project built end to end: numbering, cross-references, citations, glossary, quiz,
diagrams, sections, navigation, search index, no external requests, and the cache."""
from __future__ import annotations

import json
import re
from pathlib import Path

from site_helpers import make_project, run_build

from mlsysbook.site.check import check_site


def page(root: Path, rel: str) -> str:
    return (root / "_site" / rel).read_text(encoding="utf-8")


def article(root: Path, rel: str) -> str:
    text = page(root, rel)
    return text[text.index("<article"):text.index("</article>")]


def test_chapters_and_sections_are_numbered(built_fixture):
    alpha = article(built_fixture, "vol1/alpha/alpha.html")
    assert re.search(r'<h1 id="sec-alpha"><span class="chapter-number">1</span> Alpha Chapter', alpha)
    assert '<span class="header-section-number">1.2</span> Diagrams' in alpha
    beta = article(built_fixture, "vol1/beta/beta.html")
    assert '<span class="chapter-number">2</span> Beta Chapter' in beta
    assert '<span class="header-section-number">2.1</span> Back references' in beta


def test_figures_tables_equations_are_numbered_per_chapter(built_fixture):
    alpha = article(built_fixture, "vol1/alpha/alpha.html")
    for label, caption in [("fig-alpha-roofline", "Figure\u00a01.1:"), ("fig-alpha-pipeline", "Figure\u00a01.2:"),
                           ("fig-alpha-graph", "Figure\u00a01.3:"), ("fig-alpha-flow", "Figure\u00a01.4:")]:
        figure = alpha[alpha.index(f'<figure id="{label}"'):]
        assert caption in figure[:figure.index("</figure>")]
    assert 'id="tbl-alpha-devices"' in alpha and "Table\u00a01.1:" in alpha
    assert 'id="eq-alpha-time"' in alpha and "(1.1)" in alpha
    assert '<a href="#eq-alpha-time" class="quarto-xref">Equation\u00a01.1</a>' in alpha


def test_cross_references_resolve_across_chapters(built_fixture):
    beta = article(built_fixture, "vol1/beta/beta.html")
    assert '<a href="../alpha/alpha.html#fig-alpha-roofline" class="quarto-xref">Figure\u00a01.1</a>' in beta
    assert '<a href="../alpha/alpha.html#tbl-alpha-devices" class="quarto-xref">Table\u00a01.1</a>' in beta
    assert '<a href="../alpha/alpha.html#sec-alpha-rooflines" class="quarto-xref">Section\u00a01.1</a>' in beta
    alpha = article(built_fixture, "vol1/alpha/alpha.html")
    assert '<a href="../beta/beta.html#sec-beta" class="quarto-xref">Chapter\u00a02</a>' in alpha


def test_cells_inline_values_and_figures(built_fixture):
    alpha = article(built_fixture, "vol1/alpha/alpha.html")
    assert "The ridge point sits at 295 FLOP per byte" in alpha  # 989e12 / 3.35e12, computed by the kernel
    svg = built_fixture / "_site/vol1/alpha/figures/fig-alpha-roofline-1.svg"
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert "peak_flops" not in alpha  # echo is off by default in _common.yml
    graph = (built_fixture / "_site/vol1/alpha/figures/fig-alpha-graph.svg").read_text()
    assert "producer" in graph and "consumer" in graph  # rendered by Graphviz
    assert (built_fixture / "_site/vol1/alpha/images/pipeline.svg").is_file()


def test_citations_and_reference_lists(built_fixture):
    alpha = article(built_fixture, "vol1/alpha/alpha.html")
    assert 'href="#ref-williams2009roofline"' in alpha and 'id="ref-williams2009roofline"' in alpha
    assert "jouppi" not in alpha  # each chapter lists only what it cites
    refs = article(built_fixture, "vol1/references.html")
    assert 'id="ref-williams2009roofline"' in refs and 'id="ref-jouppi2017tpu"' in refs
    assert '<span class="chapter-number">B</span> References' in refs


def test_glossary_lists_definitions_sorted_with_links(built_fixture):
    glossary = article(built_fixture, "vol1/glossary.html")
    first, second = glossary.index("Arithmetic intensity"), glossary.index("Ridge point")
    assert first < second
    assert 'href="alpha/alpha.html#term-arithmetic-intensity"' in glossary
    assert 'href="beta/beta.html#term-ridge-point"' in glossary
    assert 'id="term-arithmetic-intensity"' in article(built_fixture, "vol1/alpha/alpha.html")


def test_callouts_quiz_and_lab_links(built_fixture):
    alpha = article(built_fixture, "vol1/alpha/alpha.html")
    assert '<div class="callout callout-tip">' in alpha and "Learning objectives" in alpha
    quiz = alpha[alpha.index('<section class="quiz"'):]
    assert quiz.count('class="quiz-question"') == 3
    assert 'data-type="mcq" data-answer="1"' in quiz
    assert 'data-type="calc" data-answer="295" data-tolerance="0.02"' in quiz
    assert '<a href="../../labs/demo.html">open the demo lab</a>' in alpha
    # `tinytorch: [3]` finds the section page tinytorch/site/module-03-<topic>.qmd
    assert '<a href="../../tinytorch/module-03-layers.html">build it yourself in module 3</a>' in alpha
    beta = article(built_fixture, "vol1/beta/beta.html")
    assert '<div class="callout callout-warning">' in beta and ">\nWarning\n<" in beta


def test_navigation_sidebar_pager_and_sections(built_fixture):
    alpha = page(built_fixture, "vol1/alpha/alpha.html")
    sidebar = alpha[alpha.index('<nav class="sidebar"'):alpha.index("</nav>", alpha.index('<nav class="sidebar"'))]
    assert 'class="sidebar-group">Basics<' in sidebar and 'class="sidebar-group">Appendices<' in sidebar
    assert re.search(r'aria-current="page" class="active"><span class="chapter-number">1</span>Alpha Chapter', sidebar)
    assert 'rel="prev" href="../index.html"' in alpha and 'rel="next" href="../beta/beta.html"' in alpha
    topnav = alpha[alpha.index('<nav class="topnav"'):]
    assert 'href="../../labs/index.html"' in topnav[:topnav.index("</nav>")]
    labs = article(built_fixture, "labs/index.html")
    assert 'href="demo.html"' in labs  # .qmd links become .html
    landing = article(built_fixture, "index.html")
    assert 'class="card" href="vol1/index.html"' in landing and 'class="card" href="labs/index.html"' in landing
    assert '<span class="card-subtitle">Interactive notebooks</span>' in landing  # the section's subtitle
    assert '<span class="card-subtitle">Modules.</span>' in landing  # no subtitle: its index's first sentence
    volume = article(built_fixture, "vol1/index.html")
    # the book's title and subtitle head its index page, as Quarto's title block does
    assert '<h1 class="title">Fixture Volume</h1><p class="subtitle">Two chapters</p>' in volume
    # filled by book/_filters/volume_toc.lua from _quarto.yml and each page's heading, as under Quarto
    assert ('<a href="alpha/alpha.html"><span class="chapter-number">1</span> '
            '<span class="chapter-title">Alpha Chapter</span></a>') in volume
    assert '<span class="chapter-number">A</span> <span class="chapter-title">Glossary</span>' in volume


def test_page_titled_only_in_front_matter_shows_its_title(built_fixture):
    demo = article(built_fixture, "labs/demo.html")  # `title: "Demo lab"` and no `#` heading
    assert re.match(r"<article[^>]*>\s*<h1[^>]*>Demo lab</h1>", demo), demo[:200]
    assert "<title>Demo lab \u2013" in page(built_fixture, "labs/demo.html")


def test_search_index_covers_every_page_heading(built_fixture):
    docs = json.loads(page(built_fixture, "search.json"))
    urls = {d["url"] for d in docs}
    assert "vol1/alpha/alpha.html#sec-alpha-rooflines" in urls
    assert any("floating-point operations" in d["text"] for d in docs)
    assert {d["partkey"] for d in docs} == {"", "vol1", "labs", "tinytorch"}
    assert len({d["id"] for d in docs}) == len(docs)


def test_mermaid_is_loaded_only_where_needed_and_nothing_is_external(built_fixture):
    assert "mermaid.min.js" in page(built_fixture, "vol1/alpha/alpha.html")
    assert "mermaid.min.js" not in page(built_fixture, "index.html")
    for html_file in (built_fixture / "_site").rglob("*.html"):
        text = html_file.read_text()
        assert not re.search(r'(src|href)="(https?:)?//', text.replace('href="https://doi.org', "")), html_file


def test_built_fixture_passes_the_checker(built_fixture):
    assert check_site(built_fixture, built_fixture / "_site") == []


def test_cached_rebuild_runs_nothing_and_edit_rerenders_only_what_changed(tmp_path, shared_cache, built_fixture):
    root = make_project(tmp_path / "project")
    again = run_build(root, cache=shared_cache)
    assert again.returncode == 0, again.stderr
    assert "0 page(s) executed" in again.stderr and "0 re-rendered" in again.stderr

    beta = root / "book/vol1/beta/beta.qmd"
    beta.write_text(beta.read_text() + "\nAn added sentence about tensor cores.\n")
    edited = run_build(root, cache=shared_cache)
    assert edited.returncode == 0, edited.stderr
    assert "0 page(s) executed" in edited.stderr
    assert "1 re-rendered" in edited.stderr  # prose outside definitions leaves the glossary alone
    assert "tensor cores" in page(root, "vol1/beta/beta.html")

    beta.write_text(beta.read_text().replace("stops being memory-bound", "stops being limited by memory"))
    redefined = run_build(root, cache=shared_cache)
    assert redefined.returncode == 0, redefined.stderr
    assert "2 re-rendered" in redefined.stderr  # the chapter and the glossary that quotes the definition
    assert "stops being limited by memory" in page(root, "vol1/glossary.html")


def test_only_rebuilds_the_named_parts_and_keeps_the_rest(tmp_path, shared_cache, built_fixture):
    import shutil

    root = make_project(tmp_path / "project")
    shutil.copytree(built_fixture / "_site", root / "_site")
    demo = root / "labs/site/demo.qmd"
    demo.write_text(demo.read_text() + "\nEdited lab text.\n")
    beta = root / "book/vol1/beta/beta.qmd"
    beta.write_text(beta.read_text() + "\nEdited chapter text.\n")
    result = run_build(root, "--only", "labs", cache=shared_cache)
    assert result.returncode == 0, result.stderr
    assert "Edited lab text." in page(root, "labs/demo.html")
    assert "Edited chapter text." not in page(root, "vol1/beta/beta.html")  # vol1 kept from the previous site
    docs = json.loads(page(root, "search.json"))
    assert {d["partkey"] for d in docs} == {"", "vol1", "labs", "tinytorch"}  # search keeps the parts it did not rebuild
    # the landing page is re-rendered too; a section that was not rebuilt keeps its card description
    assert '<span class="card-subtitle">Modules.</span>' in page(root, "index.html")
