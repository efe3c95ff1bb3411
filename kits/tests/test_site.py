"""The kits site section keeps its contract: listed pages exist, every lab page covers the
steps the issue asks for, chapter links resolve, and every `kit:` a chapter names exists."""

import re

import pytest
import yaml

from kits_host import KITS_ROOT
from kits_host.boards import LINUX_BOARDS, MCU_BOARDS

SITE = KITS_ROOT / "site"
BOOK = KITS_ROOT.parent / "book"
SECTION = yaml.safe_load((SITE / "_section.yml").read_text())
LAB_PAGES = sorted({lab for b in MCU_BOARDS.values() for lab in b.labs}
                   | {lab for b in LINUX_BOARDS.values() for lab in b.labs} | {"person-detection"})


def test_section_lists_existing_pages_index_first():
    pages = SECTION["pages"]
    assert pages[0] == "index.qmd" and len(pages) == len(set(pages))
    for page in pages:
        text = (SITE / page).read_text()
        assert re.match(r'---\ntitle: ".+"\n---\n', text), page
        assert re.search(r"^# .+ \{#sec-kits[-a-z]*\}$", text, re.M), page


@pytest.mark.parametrize("lab", LAB_PAGES)
def test_every_lab_has_a_complete_page(lab):
    assert f"{lab}.qmd" in SECTION["pages"]
    text = (SITE / f"{lab}.qmd").read_text().lower()
    assert "book chapters" in text
    for topic in ("setup", "measure"):
        assert re.search(rf"^## .*{topic}", text, re.M), (lab, topic)
    assert ("## build and flash" in text or "## run" in text or "kits flash" in text), lab
    assert "expected output" in text or "## run" in text, lab


def test_chapter_links_resolve():
    for page in SECTION["pages"]:
        for vol, slug, target in re.findall(r"\(\.\./(vol[12])/([a-z_]+)/([a-z_]+)\.html\)", (SITE / page).read_text()):
            assert slug == target and (BOOK / vol / slug / f"{slug}.qmd").exists(), (page, slug)


def test_kits_named_by_chapters_exist():
    named = set()
    for chapter in BOOK.glob("vol*/*/*.qmd"):
        match = re.search(r"^kit:\s*([\w-]+)\s*$", chapter.read_text(errors="replace"), re.M)
        if match:
            named.add(match.group(1))
    for kit in named:
        assert f"{kit}.qmd" in SECTION["pages"], f"a chapter links kits/{kit}.html, which does not exist"


def test_board_overview_lists_every_board_and_platformio_names_match():
    text = (SITE / "index.qmd").read_text()
    for board in MCU_BOARDS.values():
        assert board.name in text
        ini = (KITS_ROOT / "boards" / board.key / "platformio.ini").read_text()
        assert f"platform = {board.platform_pin}" in ini and f"board = {board.board}" in ini
        assert board.platform_pin in text and board.framework_pin in text  # the pins table
        assert f"framework = {board.framework}" in ini and f"[env:{board.key}]" in ini


def test_kit_pages_say_which_models_are_synthetic():
    text = (SITE / "index.qmd").read_text()
    for model in ("kws", "motion", "digits"):
        assert f"`{model}`" in text
    assert text.count("**synthetic") == 2 and "**real handwriting**" in text
    for page in ("keyword-spotting", "motion"):
        assert "trained on synthetic" in (SITE / f"{page}.qmd").read_text(), page
    assert "SHA-256" in (SITE / "keyword-spotting.qmd").read_text()
