"""The HTML shell around every rendered page: top navigation, sidebar, page TOC, pager, search, theme."""
from __future__ import annotations

import html
from urllib.parse import quote
from dataclasses import dataclass

from .project import Page, Part, Site, relative_url

THEME_BOOT = ("(function(){try{var t=localStorage.getItem('mlsysbook-theme');"
              "if(!t){t=window.matchMedia&&matchMedia('(prefers-color-scheme: dark)').matches?'dark':'light'}"
              "document.documentElement.dataset.theme=t}catch(e){document.documentElement.dataset.theme='light'}})();")


@dataclass
class Shell:
    page: Page
    title: str
    body: str
    toc: str
    part: Part | None
    prev: tuple[str, str] | None  # (site path, label)
    next: tuple[str, str] | None
    has_mermaid: bool = False


def page_label(page: Page) -> str:
    return f"{page.number}\u2002{page.title}" if page.number else page.title


def _nav(site: Site, shell: Shell) -> str:
    return "".join(_nav_links(site, shell))


def _nav_links(site: Site, shell: Shell) -> list[str]:
    here = shell.page.out
    links = []
    for part in site.nav_parts:
        short = {"volume": part.title.split(",")[-1].strip()}.get(part.kind, part.title)
        current = ' aria-current="true"' if shell.part is part else ""
        links.append(f'<a href="{relative_url(here, part.index.out)}"{current}>{html.escape(short)}</a>')
    return links


def _sidebar(shell: Shell) -> str:
    part = shell.part
    if part is None:
        return ""
    here = shell.page.out
    out = [f'<div class="sidebar-title"><a href="{relative_url(here, part.index.out)}">{html.escape(part.title)}</a>']
    if part.subtitle:
        out.append(f'<div class="sidebar-subtitle">{html.escape(part.subtitle)}</div>')
    if part.downloads:
        links = " · ".join(f'<a href="{relative_url(here, path)}" download>{fmt.upper()}</a>'
                           for fmt, path in sorted(part.downloads.items(), key=lambda kv: kv[0] != "pdf"))
        out.append(f'<div class="sidebar-downloads">Download this volume: {links}</div>')
    out.append("</div><ul>")
    group = None
    for page in part.pages:
        if page.group != group:
            group = page.group
            if group:
                out.append(f'<li class="sidebar-group">{html.escape(group)}</li>')
        current = ' aria-current="page" class="active"' if page is shell.page else ""
        number = f'<span class="chapter-number">{html.escape(page.number)}</span>' if page.number else ""
        out.append(f'<li><a href="{relative_url(here, page.out)}"{current}>{number}{html.escape(page.title)}</a></li>')
    out.append("</ul>")
    return "".join(out)


def repo_links(site: Site, page: Page) -> str:
    """"Edit this page" and "Report a problem" for a page whose source is in the repository, when
    book/_common.yml names the repository (`repo-url`, optional `repo-branch`, default main). Without
    a `repo-url`, or for a generated page (build/), there is nothing to link to, so nothing is shown."""
    repo = str(site.common.get("repo-url") or "").strip().rstrip("/")
    if not repo:
        return ""
    try:
        source = page.source.resolve().relative_to(site.root.resolve()).as_posix()
    except ValueError:
        return ""
    if source.startswith("build/"):
        return ""
    branch = str(site.common.get("repo-branch") or "main").strip()
    title = quote(f"Problem on the page {page.title or page.out} ({source})")
    edit = html.escape(f"{repo}/edit/{branch}/{source}")
    issue = html.escape(f"{repo}/issues/new?title={title}")
    return (f'<div class="page-actions"><a class="edit-link" href="{edit}">Edit this page</a>'
            f'<a class="issue-link" href="{issue}">Report a problem</a></div>')


def _pager(shell: Shell) -> str:
    here = shell.page.out
    cells = []
    for rel, cls, arrow in ((shell.prev, "pager-prev", "\u2190 Previous"), (shell.next, "pager-next", "Next \u2192")):
        if rel:
            cells.append(f'<a class="{cls}" rel="{cls[6:]}" href="{relative_url(here, rel[0])}">'
                         f'<span class="pager-dir">{arrow}</span><span class="pager-title">{html.escape(rel[1])}</span></a>')
        else:
            cells.append(f'<span class="{cls}"></span>')
    return f'<nav class="pager" aria-label="Previous and next">{"".join(cells)}</nav>'


def render_shell(site: Site, shell: Shell) -> str:
    here = shell.page.out
    root = relative_url(here, "index.html")[: -len("index.html")] or "./"
    asset = lambda name: html.escape(relative_url(here, f"assets/{name}"))
    site_title = "Machine Learning Systems"
    doc_title = shell.title if shell.page.kind == "landing" else f"{shell.title} \u2013 {site_title}"
    sidebar = _sidebar(shell)
    # On a phone the top navigation is hidden, so the menu drawer lists the parts of the course too;
    # pages without a chapter list (the landing page) get a drawer with the parts alone.
    parts_menu = f'<ul class="sidebar-parts" aria-label="Parts of the course">{"".join(f"<li>{a}</li>" for a in _nav_links(site, shell))}</ul>'
    drawer_class = "sidebar" if sidebar else "sidebar parts-only"
    layout_class = "layout" + ("" if sidebar else " no-sidebar") + ("" if shell.toc else " no-toc")
    # Below 1100 px the page TOC is a menu above the page: the toggle button shows there, the title here.
    toc = (f'<aside class="page-toc" aria-label="On this page"><div class="page-toc-title">On this page</div>'
           f'<button class="page-toc-toggle" type="button" aria-expanded="false" aria-controls="page-toc-list">'
           f'On this page<span class="page-toc-current"></span></button>'
           f'<div class="page-toc-list" id="page-toc-list">{shell.toc}</div></aside>') if shell.toc else ""
    # Mermaid's 3.5 MB library is loaded by mermaid-init.js only when a diagram comes near the screen.
    mermaid = (f'<script src="{asset("mermaid-init.js")}" data-library="{asset("vendor/mermaid.min.js")}"></script>'
               if shell.has_mermaid else "")
    return f"""<!DOCTYPE html>
<html lang="en" data-theme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(doc_title)}</title>
<script>{THEME_BOOT}</script>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{asset("site.css")}">
<link rel="stylesheet" href="{asset("highlight.css")}">
<link rel="stylesheet" href="{asset("quiz.css")}">
<link rel="stylesheet" href="{asset("companion.css")}">
</head>
<body data-root="{html.escape(root)}" data-page="{html.escape(here)}">
<a class="skip-link" href="#content">Skip to content</a>
<header class="topbar">
<button class="menu-toggle" type="button" aria-label="Show the menu" aria-controls="site-menu" aria-expanded="false">&#9776;</button>
<a class="brand" href="{html.escape(relative_url(here, "index.html"))}">MLSysBook</a>
<nav class="topnav" aria-label="Parts of the course">{_nav(site, shell)}</nav>
<div class="search">
<input type="search" id="search-input" placeholder="Search" aria-label="Search the site" autocomplete="off">
<ol id="search-results" class="search-results" hidden></ol>
</div>
<button class="theme-toggle" type="button" aria-label="Switch between light and dark theme" title="Light/dark theme">&#9680;</button>
</header>
<div class="{layout_class}">
<nav class="{drawer_class}" id="site-menu" aria-label="{"Chapters" if sidebar else "Menu"}">{parts_menu}{sidebar}</nav>
<main id="content">
<article class="page page-{shell.page.kind}">
{shell.body}
{repo_links(site, shell.page)}
</article>
{_pager(shell) if (shell.prev or shell.next) else ""}
</main>
{toc}
</div>
<footer class="footer">Code MIT, text CC BY-NC-SA 4.0. Built offline; no external requests.</footer>
<script src="{asset("vendor/minisearch.js")}"></script>
<script src="{asset("site.js")}"></script>
<script src="{asset("quiz.js")}"></script>
<script src="{asset("companion.js")}"></script>
{mermaid}
</body>
</html>
"""
