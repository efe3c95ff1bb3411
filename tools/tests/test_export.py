"""PDF and EPUB of a volume (`mlsysbook export`), on the fixture volume: two chapters with a computed
figure, a table, a Graphviz and a Mermaid diagram, an SVG image, a quiz, citations and cross-references
between the chapters. The real volumes are exported and checked by `make test-slow` (test_real_exports)."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from rich.console import Console

from mlsysbook.site.errors import BuildFailed
from mlsysbook.site.export import download_name, export
from site_helpers import ARTIFACTS, make_project, run_build

EPUBCHECK_JAR = Path("/usr/share/java/epubcheck.jar")


def quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def epubcheck(path: Path) -> subprocess.CompletedProcess:
    if not EPUBCHECK_JAR.is_file():
        pytest.fail("epubcheck is not installed: `tools/ensure-apt.sh epubcheck` (make test-site does this)")
    return subprocess.run(["java", "-jar", str(EPUBCHECK_JAR), str(path)], capture_output=True, text=True)


def pdf_outline(path: Path) -> list[str]:
    from pypdf import PdfReader
    titles: list[str] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(PdfReader(str(path)).outline)
    return titles


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    text = "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    return text.replace("\u00a0", " ")


@pytest.fixture(scope="module")
def exported(tmp_path_factory, shared_cache):
    root = make_project(tmp_path_factory.mktemp("export") / "project")
    cache_link = root / ".cache"
    cache_link.mkdir()
    (cache_link / "mlsysbook").symlink_to(shared_cache, target_is_directory=True)
    results = {r.fmt: r for r in export(root, ["vol1"], ["pdf", "epub"], console=quiet())}
    artifacts = ARTIFACTS / "export"
    artifacts.mkdir(parents=True, exist_ok=True)
    for result in results.values():
        shutil.copy2(result.path, artifacts / result.path.name)
    return root, results


def epub_pages(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name).decode("utf-8") for name in book.namelist()
                if name.endswith((".xhtml", ".svg"))}


def test_epub_passes_epubcheck(exported):
    _, results = exported
    check = epubcheck(results["epub"].path)
    assert check.returncode == 0 and "No errors or warnings" in check.stdout, check.stdout + check.stderr


def test_epub_keeps_numbers_figures_crossrefs_quiz_and_bibliography(exported):
    _, results = exported
    files = epub_pages(results["epub"].path)
    text = "\n".join(v for k, v in files.items() if k.endswith(".xhtml")).replace("\u00a0", " ")
    assert "Figure 1.1" in text and "Table 1.1" in text
    # beta's reference to alpha's roofline figure points into alpha's file, at the figure's anchor
    links = set(re.findall(r'href="(ch\d+\.xhtml)?#(fig-alpha-roofline)"', text))
    assert links, "no link to the roofline figure"
    target_files = [name for name, page in files.items() if 'id="fig-alpha-roofline"' in page]
    assert len(target_files) == 1
    assert "Self-check" in text and "Self-check answers" in text
    assert re.search(r"Williams", text), "the bibliography lists the cited roofline paper"
    svgs = [v for k, v in files.items() if k.endswith(".svg")]
    assert any("flowchart" in s for s in svgs), "the Mermaid diagram is drawn to SVG at build time"
    assert not any("foreignObject" in s for s in svgs), "labels must be SVG text, which e-readers draw"
    assert "?@" not in text


def test_pdf_has_chapters_in_its_outline_and_the_same_numbers(exported):
    _, results = exported
    result = results["pdf"]
    outline = pdf_outline(result.path)
    for chapter in result.chapters:
        assert any(chapter in title for title in outline), (chapter, outline)
    assert any("Basics" in title for title in outline), "the volume's part appears in the outline"
    text = pdf_text(result.path)
    assert "Figure 1.1" in text and "Self-check answers" in text
    assert "Figure 1.1: Figure 1.1" not in text, "LaTeX must not number figures a second time"


def test_unchanged_volume_is_not_rebuilt_and_an_edit_is(exported):
    root, results = exported
    epub = results["epub"].path
    before = epub.stat().st_mtime_ns
    console = quiet()
    export(root, ["vol1"], ["epub"], console=console)
    assert epub.stat().st_mtime_ns == before and "up to date" in console.file.getvalue()
    chapter = root / "book" / "vol1" / "beta" / "beta.qmd"
    chapter.write_text(chapter.read_text() + "\nA sentence added after the export.\n")
    export(root, ["vol1"], ["epub"], console=quiet())
    assert epub.stat().st_mtime_ns != before
    assert "A sentence added after the export" in "\n".join(epub_pages(epub).values())


def test_site_build_publishes_the_downloads_and_links_them_from_every_volume_page(exported, shared_cache):
    root, results = exported
    result = run_build(root, cache=shared_cache)
    assert result.returncode == 0, result.stderr  # the build's link check resolves every download link
    site = root / "_site" / "vol1"
    for fmt in ("pdf", "epub"):
        assert (site / download_name("vol1", fmt)).read_bytes() == results[fmt].path.read_bytes()
    for page in ("index.html", "alpha/alpha.html", "beta/beta.html"):
        html = (site / page).read_text()
        assert re.search(r'href="(\.\./)*mlsysbook-vol1\.pdf"', html), page
        assert re.search(r'href="(\.\./)*mlsysbook-vol1\.epub"', html), page


def test_unknown_format_is_named_with_the_choices(tmp_path):
    root = make_project(tmp_path / "project")
    with pytest.raises(BuildFailed) as failed:
        export(root, ["vol1"], ["docx"], console=quiet())
    message = str(failed.value.errors[0])
    assert "docx" in message and "pdf" in message and "epub" in message
