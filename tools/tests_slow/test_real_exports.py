"""The real volumes' downloads (built by `make downloads`, which `make test-downloads-slow` runs first):
each EPUB passes epubcheck and each PDF's outline lists every chapter of its volume."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_export import EPUBCHECK_JAR, pdf_outline  # noqa: E402

from mlsysbook.site import project  # noqa: E402
from mlsysbook.site.export import download_dir, download_name  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SITE = project.load_site(REPO, REPO / "build", None)
VOLUMES = [p for p in SITE.parts if p.kind == "volume"]


def _built(volume: str, fmt: str) -> Path:
    path = download_dir(REPO / "build") / download_name(volume, fmt)
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make downloads` first (make test-downloads-slow does)")
    return path


@pytest.mark.parametrize("volume", [p.key for p in VOLUMES])
def test_real_epub_passes_epubcheck(volume):
    check = subprocess.run(["java", "-jar", str(EPUBCHECK_JAR), str(_built(volume, "epub"))],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-4000:] + check.stderr[-2000:]


@pytest.mark.parametrize("volume", [p.key for p in VOLUMES])
def test_real_pdf_outline_lists_every_chapter(volume):
    outline = "\n".join(pdf_outline(_built(volume, "pdf")))
    part = SITE.part(volume)
    for page in part.pages:
        if page.kind != "chapter":
            continue
        heading = project.first_heading(page.source)
        title = heading.group("title") if heading else page.source.stem
        assert title in outline, f"{page.source}: chapter '{title}' is not in the PDF outline"
