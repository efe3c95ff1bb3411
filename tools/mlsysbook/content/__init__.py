"""Content check for the book: per-chapter counts, the completeness bar, quiz and bibliography validation.

`mlsysbook content-report` (see `cli.py`) parses every chapter listed in each volume's `_quarto.yml`,
prints what it holds and fails when a chapter marked `content-status: complete` falls below the bar in
`bar.py`, when a quiz file is malformed, or when `book/references.bib` has an entry that is malformed,
unverifiable (no doi/eprint/url) or cited nowhere.
"""
from mlsysbook.content.bar import BAR, ChapterBar
from mlsysbook.content.book import BookReport, check_book
from mlsysbook.content.chapter import ChapterStats, parse_chapter

__all__ = ["BAR", "ChapterBar", "BookReport", "check_book", "ChapterStats", "parse_chapter"]
