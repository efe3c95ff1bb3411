"""YAML front matter of a Quarto markdown file, with errors that point at the offending line."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import SourceError

_FENCE_OPEN = "---"
_FENCE_CLOSE = ("---", "...")


@dataclass
class Document:
    path: Path
    meta: dict = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # file line of the first body line, so body offsets map back to the file


def _validate_chapter_keys(meta: dict, path: Path, key_lines: dict[str, int]) -> None:
    def fail(key: str, message: str) -> None:
        raise SourceError(path, key_lines.get(key, 1), message)

    if "title" in meta and not isinstance(meta["title"], str):
        fail("title", f"`title:` must be a string, got {type(meta['title']).__name__}; quote it")
    for key in ("lab", "kit"):
        if key in meta and not (isinstance(meta[key], str) and meta[key].strip()):
            fail(key, f"`{key}:` must be a name such as `roofline`, got {meta[key]!r}")
    if "tinytorch" in meta:
        value = meta["tinytorch"]
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if not (isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
            fail("tinytorch", f"`tinytorch:` must be a list of module numbers such as [3, 17], got {meta['tinytorch']!r}")
        meta["tinytorch"] = value


def parse(text: str, path: Path) -> Document:
    """Split `text` into front matter and body; malformed YAML raises SourceError at its line."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != _FENCE_OPEN:
        return Document(path=path, meta={}, body=text, body_line=1)
    for end in range(1, len(lines)):
        if lines[end].rstrip() in _FENCE_CLOSE:
            break
    else:
        raise SourceError(path, 1, "front matter opened with `---` is never closed; add a `---` line after it")
    yaml_text = "\n".join(lines[1:end])
    try:
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
        meta = yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SourceError(path, line, f"malformed YAML front matter: {problem}; check indentation and quoting") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise SourceError(path, 2, f"front matter must be a mapping of `key: value` lines, got {type(meta).__name__}")
    key_lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key_lines[str(key_node.value)] = key_node.start_mark.line + 2
    _validate_chapter_keys(meta, path, key_lines)
    return Document(path=path, meta=meta, body="\n".join(lines[end + 1:]), body_line=end + 2)


def load(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(path, 0, f"not UTF-8 text ({exc.reason} at byte {exc.start}); re-save it as UTF-8") from None
    return parse(text, path)
