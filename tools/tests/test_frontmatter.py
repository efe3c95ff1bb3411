from pathlib import Path

import pytest

from mlsysbook.site.errors import SourceError
from mlsysbook.site.frontmatter import parse

PATH = Path("book/vol1/x/x.qmd")


def test_front_matter_and_body_line_are_split():
    doc = parse("---\nlab: roofline\ntinytorch: [3, 17]\n---\n\n# Title {#sec-x}\n", PATH)
    assert doc.meta == {"lab": "roofline", "tinytorch": [3, 17]}
    assert doc.body_line == 5
    assert doc.body.splitlines()[1] == "# Title {#sec-x}"


def test_file_without_front_matter_is_all_body():
    doc = parse("# Title\n\ntext\n", PATH)
    assert doc.meta == {} and doc.body_line == 1 and doc.body.startswith("# Title")


def test_malformed_yaml_names_the_file_line():
    with pytest.raises(SourceError) as info:
        parse("---\nlab: roofline\ntinytorch: [3, 17\nkit: x\n---\n# T\n", PATH)
    assert info.value.path == PATH
    assert info.value.line in (3, 4)  # the unclosed flow sequence is reported where YAML notices it
    assert "malformed YAML front matter" in str(info.value)
    assert str(info.value).startswith(f"{PATH}:{info.value.line}:")


def test_unclosed_front_matter_is_reported():
    with pytest.raises(SourceError, match="never closed"):
        parse("---\nlab: x\n# Title\n", PATH)


def test_front_matter_must_be_a_mapping():
    with pytest.raises(SourceError, match="mapping"):
        parse("---\n- a\n- b\n---\n", PATH)


@pytest.mark.parametrize("text, key", [
    ("tinytorch: three", "tinytorch"),
    ("tinytorch: [1, x]", "tinytorch"),
    ("lab: 3", "lab"),
    ("title: [a, b]", "title"),
])
def test_chapter_keys_are_type_checked_at_their_line(text, key):
    with pytest.raises(SourceError) as info:
        parse(f"---\ncontent-status: outline\n{text}\n---\n", PATH)
    assert info.value.line == 3
    assert f"`{key}:`" in info.value.message


def test_single_tinytorch_module_becomes_a_list():
    assert parse("---\ntinytorch: 5\n---\n", PATH).meta["tinytorch"] == [5]
