"""Paragraph-level passages of a rendered book page, read from the page's HTML.

Reading the finished HTML, not the sources or pandoc's AST, is what makes one pass serve both renderers:
the embedded renderer puts section ids on headings, Quarto on `<section>` elements, and both keep the
`term-<slug>` anchor that `definitions.lua` places inside each definition callout, the `fig-` ids and
the callout classes. Every paragraph worth retrieving gets a stable id, `p-<section>-<n>` (the n-th
passage of that section), written into the page, so a search result links to the exact paragraph and
an edit in one section leaves every other section's anchors as they were.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser

MIN_PASSAGE_CHARS = 40  # shorter paragraphs ("See Figure 3.2.") answer nothing on their own
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
# Paragraphs inside these are not prose of the chapter: captions, navigation, the self-check, references
SKIP_CLASSES = {"footnote-ref", "quiz", "references", "csl-bib-body", "footnotes", "lab-links", "page-actions", "pager", "sidebar"}
SKIP_TAGS = {"nav", "figcaption", "footer", "aside", "script", "style", "button", "svg"}  # not header: Quarto's title
SKIP_IDS = {"refs", "quarto-appendix", "footnotes"}


@dataclass
class Passage:
    id: str          # the paragraph's anchor on its page
    section: str     # id of the section it belongs to
    text: str
    kind: str = ""   # "" for prose; the callout's kind ("napkin-math", "definition", ...) inside one
    callout: str = ""  # the callout's title, inside one


@dataclass
class Block:
    """A callout or a figure: what the explain panel lists as using a term."""
    kind: str        # "figure" or the callout's kind
    title: str
    text: str
    anchor: str      # id to link to (the figure, or the callout's first passage)
    section: str


@dataclass
class PageScan:
    title: str = ""
    sections: dict[str, str] = field(default_factory=dict)  # id -> heading text, in page order
    passages: list[Passage] = field(default_factory=list)
    terms: dict[str, str] = field(default_factory=dict)     # term anchor -> passage id holding its definition
    blocks: list[Block] = field(default_factory=list)
    insertions: list[tuple[int, str]] = field(default_factory=list)  # (offset of "<p", id) to write
    tops: dict[str, str] = field(default_factory=dict)  # subsection id -> the level-2 section holding it

    def to_dict(self) -> dict:
        return {"title": self.title, "sections": self.sections, "passages": [asdict(p) for p in self.passages],
                "terms": self.terms, "blocks": [asdict(b) for b in self.blocks],
                "insertions": [list(i) for i in self.insertions], "tops": self.tops}

    @classmethod
    def from_dict(cls, data: dict) -> PageScan:
        return cls(data["title"], data["sections"], [Passage(**p) for p in data["passages"]], data["terms"],
                   [Block(**b) for b in data["blocks"]], [tuple(i) for i in data["insertions"]], data["tops"])


def _classes(attrs: dict) -> set[str]:
    return set((attrs.get("class") or "").split())


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Scanner(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.scan = PageScan()
        self.stack: list[tuple[str, set[str], dict]] = []  # (tag, classes, attrs)
        self.in_main = 0
        self.skip = 0            # depth of skipped containers we are inside
        self.section = ""
        self.pending_heading: list[str] | None = None
        self.heading_target = ""
        self.paragraph: dict | None = None
        self.callouts: list[dict] = []   # open callouts: kind, title parts, depth, first passage, text
        self.title_capture: dict | None = None
        self.figure: dict | None = None
        self.math = 0
        self.math_tex: list[str] = []
        self.per_section: dict[str, int] = {}
        self.top = ""  # the level-2 (or chapter) section being read
        self.ids: set[str] = set(re.findall(r'\bid="([^"]+)"', source))

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    # -------------------------------------------------------------- elements
    def handle_starttag(self, tag, attr_list):
        attrs = dict(attr_list)
        classes = _classes(attrs)
        ident = attrs.get("id") or ""
        if tag in VOID:
            return
        self.stack.append((tag, classes, attrs))
        if tag == "main":
            self.in_main += 1
        if not self.in_main:
            return
        if self.skip or tag in SKIP_TAGS or classes & SKIP_CLASSES or ident in SKIP_IDS:
            if tag == "figcaption" and self.figure is not None and not self.skip:
                self.figure["capture"] = len(self.stack)
            else:
                self.skip += 1
                self.stack[-1] = (tag, classes | {"__skip__"}, attrs)
                return
        if tag == "math":
            self.math += 1
            self.math_tex = []
            return
        if tag == "section" and ident:
            self.section = ident
            self.heading_target = ident
        if re.fullmatch(r"h[1-6]", tag):
            if ident:
                self.section = ident
                self.heading_target = ident
            self.pending_heading = []
        if ident.startswith("fig-") and self.figure is None:
            self.figure = {"id": ident, "depth": len(self.stack), "caption": [], "capture": 0}
        if "callout" in classes:
            kind = next((c for c in ("napkin-math", "definition") if c in classes), "")
            if not kind:
                kind = next((c.replace("callout-", "") for c in classes
                             if c.startswith("callout-") and c not in ("callout-titled", "callout-style-default")), "callout")
            self.callouts.append({"kind": kind, "title": [], "depth": len(self.stack), "first": "", "text": [],
                                  "section": self.section})
        elif self.callouts and any(c.startswith("callout-title") for c in classes) and self.title_capture is None:
            self.title_capture = {"depth": len(self.stack)}
        if ident.startswith("term-") and self.paragraph is not None:
            self.paragraph["terms"].append(ident)
        if tag == "p" and self.paragraph is None and (not ident or ident.startswith("p-")):
            # a page scanned before (a part kept by --only) keeps the anchors it has
            self.paragraph = {"offset": self._offset(), "text": [], "terms": [], "depth": len(self.stack), "id": ident}

    def handle_endtag(self, tag):
        if tag in VOID or not self.stack:
            return
        # tolerate unclosed children: pop to the matching tag
        while self.stack:
            depth = len(self.stack)
            open_tag, classes, _attrs = self.stack.pop()
            self._close(open_tag, classes, depth)
            if open_tag == tag:
                break

    def _close(self, tag, classes, depth):
        if tag == "main":
            self.in_main -= 1
        if "__skip__" in classes:
            self.skip -= 1
            return
        if not self.in_main and tag != "main":
            return
        if self.figure is not None and self.figure.get("capture") == depth:
            self.figure["capture"] = 0
        if tag == "math":
            self.math -= 1
            if self.paragraph is not None:
                self.paragraph["text"].append(" " + " ".join(self.math_tex) + " ")
            return
        if re.fullmatch(r"h[1-6]", tag) and self.pending_heading is not None:
            heading = _clean("".join(self.pending_heading))
            heading = re.sub(r"^[A-Z]?[\d.]+\s+", "", heading)  # the section number
            if tag == "h1" and not self.scan.title:
                self.scan.title = heading
            if self.heading_target and self.heading_target not in self.scan.sections:
                self.scan.sections[self.heading_target] = heading
                if int(tag[1]) <= 2:
                    self.top = self.heading_target
                elif self.top:
                    self.scan.tops[self.heading_target] = self.top
            self.pending_heading = None
            self.heading_target = ""
        if self.title_capture is not None and self.title_capture["depth"] == depth:
            self.title_capture = None
        if self.paragraph is not None and self.paragraph["depth"] == depth:
            self._finish_paragraph()
        if self.figure is not None and self.figure["depth"] == depth:
            caption = _clean("".join(self.figure["caption"]))
            caption = re.sub(r"^Figure\s+[\w.]+:\s*", "", caption)
            self.scan.blocks.append(Block("figure", caption, caption, self.figure["id"], self.section))
            self.figure = None
        if self.callouts and self.callouts[-1]["depth"] == depth:
            callout = self.callouts.pop()
            title = _clean("".join(callout["title"]))
            if callout["first"] and callout["kind"] != "definition" and title != "Learning objectives":
                self.scan.blocks.append(Block(callout["kind"], title, _clean(" ".join(callout["text"])),
                                              callout["first"], callout["section"]))

    def _finish_paragraph(self):
        para, self.paragraph = self.paragraph, None
        text = _clean("".join(para["text"]))
        callout = self.callouts[-1] if self.callouts else None
        for term in para["terms"]:
            self.scan.terms.setdefault(term, "")
        if len(text) < MIN_PASSAGE_CHARS and not para["terms"]:
            return
        section = self.section or "top"
        n = self.per_section.get(section, 0) + 1
        self.per_section[section] = n
        ident = para["id"]
        if not ident:
            ident = f"p-{section.removeprefix('sec-')}-{n}"
            while ident in self.ids:
                ident += "x"
            self.ids.add(ident)
            self.scan.insertions.append((para["offset"], ident))
        self.scan.passages.append(Passage(ident, section, text, callout["kind"] if callout else "",
                                          _clean("".join(callout["title"])) if callout else ""))
        for term in para["terms"]:
            if not self.scan.terms[term]:
                self.scan.terms[term] = ident
        if callout is not None:
            callout["first"] = callout["first"] or ident
            callout["text"].append(text)

    # -------------------------------------------------------------- text
    def handle_data(self, data):
        if not self.in_main or self.skip:
            return
        if self.math:
            top = self.stack[-1] if self.stack else None
            if top and top[0] == "annotation":
                self.math_tex.append(data.strip())
            return
        if self.pending_heading is not None:
            self.pending_heading.append(data)
        if self.title_capture is not None and self.callouts:
            self.callouts[-1]["title"].append(data)
        if self.figure is not None and self.figure.get("capture"):
            self.figure["caption"].append(data)
        if self.paragraph is not None:
            self.paragraph["text"].append(data)


def scan_page(html_text: str) -> PageScan:
    scanner = _Scanner(html_text)
    scanner.feed(html_text)
    scanner.close()
    return scanner.scan


def write_anchors(html_text: str, insertions: list[tuple[int, str]]) -> str:
    """The page with `id="..."` added to each passage's `<p` tag (offsets from `scan_page`)."""
    pieces, last = [], 0
    for offset, ident in sorted(insertions):
        if html_text[offset:offset + 2] != "<p":
            raise ValueError(f"no <p> at offset {offset} for passage {ident}; the page changed after it was scanned")
        pieces += [html_text[last:offset + 2], f' id="{ident}"']
        last = offset + 2
    pieces.append(html_text[last:])
    return "".join(pieces)
