"""Code-block syntax colours reach WCAG AA contrast on the theme's code background (issue #18: axe-core
flagged pandoc's pygments comments, 2.75:1 on the light code background)."""
from __future__ import annotations

import re

import pytest

from mlsysbook.site.pandoc import MIN_CONTRAST, code_backgrounds, contrast, highlight_css, readable


def test_contrast_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#60a0b0", "#f6f8fa") == pytest.approx(2.75, abs=0.01)  # the value axe-core reported


@pytest.mark.parametrize("color,background", [("#60a0b0", "#f6f8fa"), ("#40a070", "#f6f8fa"),
                                              ("#8e44ad", "#161b22"), ("#7a7c7d", "#161b22")])
def test_readable_reaches_the_minimum_and_moves_the_right_way(color, background):
    fixed = readable(color, background)
    assert contrast(fixed, background) >= MIN_CONTRAST
    assert contrast(fixed, background) < MIN_CONTRAST + 0.5  # just far enough, so the colour stays recognisable
    darker = sum(int(fixed[i:i + 2], 16) for i in (1, 3, 5)) < sum(int(color[i:i + 2], 16) for i in (1, 3, 5))
    assert darker == (background == "#f6f8fa")


def test_readable_keeps_colours_that_already_pass():
    assert readable("#06287e", "#f6f8fa") == "#06287e"


def test_every_token_colour_of_both_themes_passes():
    light, dark = code_backgrounds()
    checked = 0
    for line in highlight_css().splitlines():
        found = re.search(r"(?<![-\w])color:\s*(#[0-9a-f]{6})", line)
        if found:
            background = dark if line.startswith('[data-theme="dark"]') else light
            assert contrast(found[1], background) >= MIN_CONTRAST, line
            checked += 1
    assert checked > 40  # both styles' token rules, not an empty stylesheet
