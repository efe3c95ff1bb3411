"""The real book: the content check passes and every cell and inline number of every chapter runs."""
from __future__ import annotations

import pytest

from toybook import REPO
from mlsysbook.content import check_book
from mlsysbook.content.book import VOLUMES, toc_chapters
from mlsysbook.content.chapter import parse_chapter
from mlsysbook.content.execute import run_chapter

BOOK = REPO / "book"


def test_content_check_passes_on_the_book():
    report = check_book(BOOK)
    problems = [f"{c.volume}/{c.slug}: {m}" for c in report.chapters for m in c.failures]
    problems += report.errors + (report.bib.errors if report.bib else [])
    assert not problems, "\n".join(problems)


CHAPTERS = [(vol, rel) for vol in VOLUMES if (BOOK / vol / "_quarto.yml").is_file()
            for rel in toc_chapters(BOOK / vol / "_quarto.yml") if (BOOK / vol / rel).is_file()]


@pytest.mark.parametrize("vol,rel", CHAPTERS, ids=[f"{v}/{r.split('/')[0]}" for v, r in CHAPTERS])
def test_chapter_cells_execute(vol, rel):
    stats = parse_chapter(BOOK / vol / rel, volume=vol)
    if not [c for c in stats.cells if c.lang == "python"]:
        assert not stats.inline_exprs, "inline {python} expressions need a setup cell defining their values"
        return
    result = run_chapter(stats)
    assert result.ok, result.output
