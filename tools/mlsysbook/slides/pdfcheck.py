"""Inspect built PDFs with poppler: render a page to pixels, measure ink, extract text.

Used by the slide tests to prove pages are not blank and that text is extractable (pdflatex
with T1 fonts), the failure mode seen when decks were built with other engines.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np


def page_pixels(pdf: Path, page: int, resolution: int = 24) -> np.ndarray:
    """Render one page to grayscale with pdftoppm and return it as a 2-D uint8 array."""
    proc = subprocess.run(["pdftoppm", "-r", str(resolution), "-gray", "-f", str(page), "-l", str(page), str(pdf)],
                          capture_output=True, check=True)
    data = proc.stdout
    # Binary PGM (P5): magic, width, height, maxval separated by whitespace, then raw bytes.
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    assert fields[0] == b"P5", f"pdftoppm returned {fields[0]!r}, expected a binary PGM"
    width, height = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(data[pos + 1:pos + 1 + width * height], dtype=np.uint8)
    return pixels.reshape(height, width)


def ink_fraction(pixels: np.ndarray) -> float:
    """Share of pixels that differ clearly from the page's dominant (background) gray level."""
    background = np.bincount(pixels.ravel()).argmax()
    return float(np.mean(np.abs(pixels.astype(int) - int(background)) > 40))


def pdf_text(pdf: Path, first: int = 1, last: int | None = None) -> str:
    cmd = ["pdftotext", "-f", str(first)]
    if last is not None:
        cmd += ["-l", str(last)]
    return subprocess.run([*cmd, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
