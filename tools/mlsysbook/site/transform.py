"""The Quarto features pandoc lacks, done on pandoc's JSON AST: numbering of chapters, sections,
figures, tables and equations; `@fig-`/`@tbl-`/`@sec-`/`@eq-` cross-references (also across
chapters); callouts; the page's table of contents and search chunks."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SourceError, line_of
from .project import Page, relative_url

XREF_KINDS = {"fig": "Figure", "tbl": "Table", "eq": "Equation", "sec": "Section"}
CALLOUT_TYPES = {"note": "Note", "tip": "Tip", "warning": "Warning", "important": "Important", "caution": "Caution"}
# The only ids Quarto accepts on a callout: its cross-reference prefix for that callout type. Any other
# `prefix-name` id (e.g. `def-`, Quarto's "Definition" theorem type) stops a Quarto render.
CALLOUT_ID_PREFIX = {"note": "nte-", "tip": "tip-", "warning": "wrn-", "important": "imp-", "caution": "cau-"}
_EQ_LABEL = re.compile(r"^\{#(eq-[A-Za-z0-9_:.-]+)\}$")


@dataclass
class Target:
    label: str
    kind: str  # sec | chapter | appendix | fig | tbl | eq
    number: str | None
    page: str  # site path of the page holding it
    title: str = ""


@dataclass
class PageInfo:
    """What one page contributes to the site: its title, targets, TOC, search text and citations."""
    title: str
    targets: dict[str, Target] = field(default_factory=dict)
    toc: list[tuple[int, str, str, str]] = field(default_factory=list)  # (level, id, number, text)
    chunks: list[tuple[str, str, str]] = field(default_factory=list)  # (anchor, heading, text)
    citations: list[str] = field(default_factory=list)  # bibliography keys cited, in order
    has_mermaid: bool = False


def el(t: str, c=None) -> dict:
    return {"t": t} if c is None else {"t": t, "c": c}


def attr(ident: str = "", classes: list[str] | None = None, kvs: list | None = None) -> list:
    return [ident, classes or [], kvs or []]


def text_inlines(text: str) -> list[dict]:
    out: list[dict] = []
    for i, word in enumerate(text.split(" ")):
        if i:
            out.append(el("Space"))
        if word:
            out.append(el("Str", word))
    return out


def stringify(node) -> str:
    parts: list[str] = []

    def visit(x):
        if isinstance(x, list):
            for y in x:
                visit(y)
        elif isinstance(x, dict):
            t = x.get("t")
            if t == "Str":
                parts.append(x["c"])
            elif t in ("Space", "SoftBreak", "LineBreak"):
                parts.append(" ")
            elif t == "Code":
                parts.append(x["c"][1])
            elif t == "Math":
                parts.append(x["c"][1])
            elif t in ("RawInline", "RawBlock", "CodeBlock"):
                return
            elif t in ("Para", "Plain", "Header"):
                visit(x.get("c"))
                parts.append(" ")
            elif t == "Cite":
                visit(x["c"][1])
            elif t == "MetaString":
                parts.append(x["c"])
            elif "c" in x:
                visit(x["c"])
            elif "t" not in x:
                for v in x.values():
                    visit(v)

    visit(node)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def walk(blocks: list, fn) -> list:
    """Apply `fn` to every element in document order; fn returns None (keep), an element or a list."""

    def walk_list(items: list) -> list:
        out = []
        for item in items:
            result = fn(item)
            replaced = [item] if result is None else (result if isinstance(result, list) else [result])
            for r in replaced:
                descend(r.get("c"))
            out.extend(replaced)
        return out

    def descend(x):
        if isinstance(x, list):
            # element lists are homogeneous; [MathType, text] and [QuoteType, inlines] end in a non-element
            if x and isinstance(x[0], dict) and "t" in x[0] and isinstance(x[-1], dict):
                x[:] = walk_list(x)
            else:
                for e in x:
                    descend(e)
        elif isinstance(x, dict):
            if "t" in x:
                descend(x.get("c"))
            else:
                for v in x.values():
                    descend(v)

    return walk_list(blocks)


def _contains(x, kind: str) -> bool:
    if isinstance(x, list):
        return any(_contains(y, kind) for y in x)
    if isinstance(x, dict):
        return x.get("t") == kind or any(_contains(v, kind) for v in x.values())
    return False


def auto_table_widths(blocks: list) -> list:
    """Quarto's HTML default, `tbl-colwidths: auto`: pandoc gives a pipe table wider than 72 characters
    relative column widths from its dash counts, which Quarto drops when the table holds a link or a
    citation (link targets and citation keys inflate the source width, so the widths squeeze that
    column); a table's own
    `tbl-colwidths` attribute is left alone."""

    def fix(block: dict):
        if block.get("t") != "Table":
            return None
        (_, _, kvs), _, colspecs = block["c"][0], block["c"][1], block["c"][2]
        if any(k == "tbl-colwidths" for k, _ in kvs):
            return None
        if any(width.get("t") == "ColWidth" for _, width in colspecs) and (
            _contains(block["c"][3:], "Link") or _contains(block["c"][3:], "Cite")):
            block["c"][2] = [[align, {"t": "ColWidthDefault"}] for align, _ in colspecs]
        return None

    return walk(blocks, fix)


def _callout(block: dict) -> dict | None:
    ident, classes, kvs = block["c"][0]
    kind = next((c.removeprefix("callout-") for c in classes if c.startswith("callout-")), None)
    if kind is None:
        return None
    if kind not in CALLOUT_TYPES:
        return None
    content = block["c"][1]
    kv = dict(kvs)
    if "title" in kv:
        title = text_inlines(kv.pop("title"))
    elif content and content[0]["t"] == "Header":
        title = content[0]["c"][2]
        content = content[1:]
    else:
        title = [el("Str", CALLOUT_TYPES[kind])]
    header = el("Div", [attr("", ["callout-title"]), [el("Plain", title)]])
    body = el("Div", [attr("", ["callout-body"]), content])
    return el("Div", [attr(ident, ["callout"] + classes, list(kv.items())), [header, body]])


class Numberer:
    """One pass over a page: numbers, callouts, TOC, targets, search chunks."""

    def __init__(self, page: Page, source_text: str, number_sections: bool):
        self.page = page
        self.source_text = source_text
        self.prefix = page.number if page.kind in ("chapter", "appendix") else None
        self.number_sections = number_sections and self.prefix is not None
        self.counters = {"fig": 0, "tbl": 0, "eq": 0}
        self.section = [0, 0, 0, 0, 0, 0]
        self.info = PageInfo(title="")
        self.errors: list[SourceError] = []

    def _number(self, kind: str) -> str:
        self.counters[kind] += 1
        return f"{self.prefix}.{self.counters[kind]}" if self.prefix else str(self.counters[kind])

    def _add(self, target: Target) -> None:
        if target.label in self.info.targets:
            self.errors.append(SourceError(self.page.source, line_of(self.source_text, "#" + target.label),
                                           f"label `{target.label}` is defined twice on this page; make it unique"))
        self.info.targets[target.label] = target

    def _caption_prefix(self, word: str, number: str) -> list[dict]:
        return [el("Span", [attr("", ["caption-number"]), [el("Str", f"{word}\u00a0{number}:")]]), el("Space")]

    def __call__(self, block: dict):
        t = block.get("t")
        if t == "Header":
            return self._header(block)
        if t == "Figure" and block["c"][0][0].startswith("fig-"):
            label = block["c"][0][0]
            number = self._number("fig")
            self._add(Target(label, "fig", number, self.page.out))
            caption = block["c"][1][1]
            if caption and caption[0]["t"] in ("Plain", "Para"):
                caption[0]["c"][:0] = self._caption_prefix("Figure", number)
            else:
                caption.insert(0, el("Plain", self._caption_prefix("Figure", number)[:1]))
            return None
        if t == "Table" and block["c"][0][0].startswith("tbl-"):
            label = block["c"][0][0]
            number = self._number("tbl")
            self._add(Target(label, "tbl", number, self.page.out))
            caption = block["c"][1][1]
            if caption and caption[0]["t"] in ("Plain", "Para"):
                caption[0]["c"][:0] = self._caption_prefix("Table", number)
            else:
                caption.insert(0, el("Plain", self._caption_prefix("Table", number)[:1]))
            return None
        if t == "Div":
            ident, classes, _ = block["c"][0]
            if ident.startswith(("fig-", "tbl-")):
                return self._float_div(block)
            if "callout" not in classes:
                self._check_callout_id(ident, classes)
                converted = _callout(block)
                if converted is not None:
                    return converted
            return None
        if t == "Para":
            self._equations(block)
            return None
        if t == "RawBlock" and 'class="mermaid"' in block["c"][1]:
            self.info.has_mermaid = True
        return None

    def _check_callout_id(self, ident: str, classes: list[str]) -> None:
        kind = next((c.removeprefix("callout-") for c in classes if c.startswith("callout-")), None)
        if not ident or kind not in CALLOUT_ID_PREFIX or ident.startswith(CALLOUT_ID_PREFIX[kind]):
            return
        self.errors.append(SourceError(self.page.source, line_of(self.source_text, "#" + ident),
                                       f"callout id #{ident}: Quarto accepts only `#{CALLOUT_ID_PREFIX[kind]}…` on a "
                                       f".callout-{kind} (its cross-reference type); remove the id or put an anchor "
                                       f"inside the callout, e.g. `[]{{#{ident.split('-', 1)[-1]}}}`"))

    def _float_div(self, block: dict) -> dict:
        ident = block["c"][0][0]
        kind = ident.split("-", 1)[0]
        content = block["c"][1]
        caption_blocks = [content[-1]] if content and content[-1]["t"] == "Para" else []
        body = content[:-1] if caption_blocks else content
        number = self._number(kind)
        self._add(Target(ident, kind, number, self.page.out))
        if any(b["t"] == "RawBlock" and 'class="mermaid"' in b["c"][1] for b in body):
            self.info.has_mermaid = True
        caption_inlines = self._caption_prefix(XREF_KINDS[kind], number) + (caption_blocks[0]["c"] if caption_blocks else [])
        if kind == "fig":
            return el("Figure", [attr(ident), [None, [el("Plain", caption_inlines)]], body])
        caption = el("Div", [attr("", ["table-caption"]), [el("Plain", caption_inlines)]])
        return el("Div", [attr(ident, ["table-float"]), [caption] + body])

    def _equations(self, para: dict) -> None:
        inlines = para["c"]
        i = 0
        while i < len(inlines):
            item = inlines[i]
            if item["t"] == "Math" and item["c"][0]["t"] == "DisplayMath":
                j = i + 1
                if j < len(inlines) and inlines[j]["t"] == "Space":
                    j += 1
                if j < len(inlines) and inlines[j]["t"] == "Str" and _EQ_LABEL.match(inlines[j]["c"]):
                    label = _EQ_LABEL.match(inlines[j]["c"]).group(1)
                    number = self._number("eq")
                    self._add(Target(label, "eq", number, self.page.out))
                    span = el("Span", [attr(label, ["equation"]),
                                       [item, el("Span", [attr("", ["eq-number"]), [el("Str", f"({number})")]])]])
                    inlines[i:j + 1] = [span]
            i += 1

    def _header(self, block: dict):
        level, (ident, classes, kvs), inlines = block["c"]
        text = stringify(inlines)
        if level == 1 and not self.info.title:
            self.info.title = text
            if ident:
                kind = self.page.kind if self.page.kind in ("chapter", "appendix") else "sec"
                self._add(Target(ident, kind, self.prefix, self.page.out, text))
            if self.prefix:
                inlines[:0] = [el("Span", [attr("", ["chapter-number"]), [el("Str", self.prefix)]]), el("Space")]
            return None
        numbered = self.number_sections and "unnumbered" not in classes and level >= 2
        number = None
        if numbered:
            depth = level - 1
            self.section[depth - 1] += 1
            for k in range(depth, len(self.section)):
                self.section[k] = 0
            number = ".".join([self.prefix] + [str(n) for n in self.section[:depth]])
            inlines[:0] = [el("Span", [attr("", ["header-section-number"]), [el("Str", number)]]), el("Space")]
        if ident:
            self._add(Target(ident, "sec", number, self.page.out, text))
        if level <= 3 and "unlisted" not in classes:
            self.info.toc.append((level, ident, number or "", text))
        return None


def number_page(doc: dict, page: Page, source_text: str, number_sections: bool = True) -> tuple[PageInfo, list[SourceError]]:
    numberer = Numberer(page, source_text, number_sections)
    doc["blocks"] = walk(doc["blocks"], numberer)
    info = numberer.info
    meta_title = doc.get("meta", {}).get("title")
    if not info.title and meta_title and stringify(meta_title).strip():
        # A page titled only in its front matter still shows its title (as Quarto does) as the page's h1.
        header = el("Header", [1, attr(), text_inlines(stringify(meta_title).strip())])
        numberer._header(header)
        doc["blocks"].insert(0, header)
    if not info.title:
        info.title = page.source.stem.replace("_", " ").capitalize()
    info.chunks = search_chunks(doc["blocks"], info.title)
    return info, numberer.errors


def search_chunks(blocks: list, title: str) -> list[tuple[str, str, str]]:
    """Split the page text at level 1-3 headings: (anchor, heading, text) for the search index."""
    chunks: list[tuple[str, str, list[str]]] = [("", title, [])]
    for block in blocks:
        if block["t"] == "Header" and block["c"][0] <= 3:
            chunks.append((block["c"][1][0], stringify(block["c"][2]), []))
        elif block["t"] not in ("CodeBlock", "RawBlock"):
            chunks[-1][2].append(stringify(block))
    return [(a, h, " ".join(t).strip()) for a, h, t in chunks if h or t]


def _xref_prefix(label: str) -> str | None:
    kind = label.split("-", 1)[0].lower() if "-" in label else ""
    return kind if kind in XREF_KINDS else None


def _target_text(target: Target) -> str:
    if target.kind == "chapter":
        word = "Chapter"
    elif target.kind == "appendix":
        word = "Appendix"
    else:
        word = XREF_KINDS[target.kind]
    if target.number is None:
        return target.title or target.label
    return f"{word}\u00a0{target.number}"


def resolve(doc: dict, page: Page, source_text: str, index: dict[str, Target],
            bib_keys: set[str] | None, bib_path: Path | None) -> tuple[list[str], list[SourceError]]:
    """Turn cross-reference citations into links; return the bibliography keys cited and any errors."""
    cited: list[str] = []
    errors: list[SourceError] = []

    def fix_link(block: dict):
        t = block["t"]
        if t == "Link":
            url = block["c"][2][0]
            m = re.match(r"^(?![a-z]+:|/|#)([^#?]+)\.qmd(#.*)?$", url)
            if m:
                block["c"][2][0] = m.group(1) + ".html" + (m.group(2) or "")
            return None
        if t != "Cite":
            return None
        citations, _ = block["c"]
        out: list[dict] = []
        kinds = {_xref_prefix(c["citationId"]) is None for c in citations}
        if kinds == {True, False}:
            keys = " ".join("@" + c["citationId"] for c in citations)
            errors.append(SourceError(page.source, line_of(source_text, "@" + citations[0]["citationId"]),
                                      f"`{keys}` is read as one citation (a cross-reference with a bracketed "
                                      "suffix); Quarto drops it silently. Write `@sec-x, see [@key]` or move "
                                      "the citation"))
            return None
        bib_citations = []
        for citation in citations:
            key = citation["citationId"]
            if _xref_prefix(key) is None:
                bib_citations.append(citation)
                if bib_keys is None:
                    errors.append(SourceError(page.source, line_of(source_text, "@" + key),
                                              f"citation [@{key}] but there is no bibliography "
                                              f"({bib_path or 'book/references.bib'}); add the entry there"))
                elif key not in bib_keys:
                    errors.append(SourceError(page.source, line_of(source_text, "@" + key),
                                              f"citation key `{key}` is not in {bib_path}; add a BibTeX entry "
                                              "with a doi, eprint or url, or fix the key"))
                cited.append(key)
                continue
            label = key[0].lower() + key[1:]
            target = index.get(label)
            if target is None:
                errors.append(SourceError(page.source, line_of(source_text, "@" + key),
                                          f"unknown cross-reference @{key}: no figure, table, section or equation "
                                          f"has the label `{label}` in this volume"))
                out.append(el("Strong", [el("Str", f"?@{key}")]))
                continue
            if out:
                out.extend([el("Str", ","), el("Space")])
            out.extend(citation["citationPrefix"] + ([el("Space")] if citation["citationPrefix"] else []))
            text = _target_text(target)
            if citation["citationMode"]["t"] == "SuppressAuthor" and target.number:
                text = target.number
            href = (relative_url(page.out, target.page) if target.page != page.out else "") + "#" + target.label
            out.append(el("Link", [attr("", ["quarto-xref"]), text_inlines(text), [href, ""]]))
            out.extend(citation["citationSuffix"])
        if bib_citations:
            if out:
                out.append(el("Space"))
            out.append(el("Cite", [bib_citations, [el("Str", "@" + c["citationId"]) for c in bib_citations]]))
        return out

    doc["blocks"] = walk(doc["blocks"], fix_link)
    return cited, errors


def toc_html(toc: list[tuple[int, str, str, str]]) -> str:
    import html as h
    items = []
    for level, ident, number, text in toc:
        if level < 2 or not ident:
            continue
        label = f'<span class="toc-number">{h.escape(number)}</span> ' if number else ""
        items.append(f'<li class="toc-level-{level}"><a href="#{h.escape(ident)}">{label}{h.escape(text)}</a></li>')
    return "<ul>" + "".join(items) + "</ul>" if items else ""
