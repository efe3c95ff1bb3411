"""Mermaid diagrams drawn at build time for the PDF and EPUB (site/mermaid.py): the words of a label stay
apart once a converter that follows SVG's white-space rules (rsvg-convert, as the PDF export uses) draws it."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from mlsysbook.site.mermaid import draw


@pytest.mark.skipif(not (shutil.which("rsvg-convert") and shutil.which("pdftotext")),
                    reason="needs rsvg-convert and pdftotext (tools/ensure-apt.sh librsvg2-bin poppler-utils)")
def test_label_words_keep_their_spaces_through_rsvg(tmp_path):
    [svg] = draw(['flowchart TB\n  A["Offline evaluation<br/>(gates pass)"] -->|"worse business metric"| B["Roll back"]'],
                 tmp_path / "cache")
    (tmp_path / "d.svg").write_text(svg, encoding="utf-8")
    subprocess.run(["rsvg-convert", "-f", "pdf", "-o", str(tmp_path / "d.pdf"), str(tmp_path / "d.svg")], check=True)
    text = subprocess.run(["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Offline evaluation" in text and "worse business metric" in text, text
