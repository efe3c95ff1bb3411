// Site behaviour: theme toggle, mobile chapter menu, offline full-text search (MiniSearch over search.json).
(function () {
  var root = document.body.dataset.root || "./";

  var toggle = document.querySelector(".theme-toggle");
  if (toggle) toggle.addEventListener("click", function () {
    var next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try { localStorage.setItem("mlsysbook-theme", next); } catch (e) { /* private mode: theme lasts for this page */ }
    document.dispatchEvent(new CustomEvent("mlsysbook:theme", { detail: next }));
  });

  var menu = document.querySelector(".menu-toggle");
  if (menu) menu.addEventListener("click", function () {
    var open = document.body.classList.toggle("sidebar-open");
    menu.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && menu && document.body.classList.contains("sidebar-open")) {
      document.body.classList.remove("sidebar-open");
      menu.setAttribute("aria-expanded", "false");
      menu.focus();
    }
  });

  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  if (!input || !list || typeof MiniSearch === "undefined") return;
  var engine = null, loading = null;

  function load() {
    if (loading) return loading;
    loading = fetch(root + "search.json").then(function (r) {
      if (!r.ok) throw new Error("search index missing (" + r.status + ")");
      return r.json();
    }).then(function (docs) {
      engine = new MiniSearch({
        fields: ["title", "heading", "text"], storeFields: ["title", "heading", "url", "part", "text"],
        searchOptions: { boost: { title: 3, heading: 2 }, prefix: true, fuzzy: 0.15 }
      });
      engine.addAll(docs);
      return engine;
    });
    return loading;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  // The words a result matched, marked in escaped text (whole words and prefixes, any case).
  function pattern(words) {
    var parts = words.filter(Boolean).map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    parts.sort(function (a, b) { return b.length - a.length; });
    return parts.length ? new RegExp("(" + parts.join("|") + ")", "gi") : null;
  }

  function highlight(text, words) {
    var re = pattern(words);
    if (!re) return escapeHtml(text);
    return String(text).split(re).map(function (piece, i) {
      return i % 2 ? "<mark>" + escapeHtml(piece) + "</mark>" : escapeHtml(piece);
    }).join("");
  }

  // About two lines of the chunk's text around its first match, so the reader sees why it was found.
  function snippet(text, words) {
    var re = pattern(words);
    var at = -1;
    if (re) { var m = re.exec(text); if (m) at = m.index; }
    var start = Math.max(0, at - 60), end = Math.min(text.length, Math.max(at, 0) + 140);
    if (start > 0) start = text.indexOf(" ", start) + 1 || start;
    var cut = text.slice(start, end);
    return (start > 0 ? "\u2026" : "") + highlight(cut, words) + (end < text.length ? "\u2026" : "");
  }

  function show(query) {
    if (query.trim().length < 2) { list.hidden = true; list.innerHTML = ""; return; }
    load().then(function (e) {
      var hits = e.search(query).slice(0, 12);
      list.innerHTML = hits.length ? hits.map(function (h) {
        var where = h.heading && h.heading !== h.title ? h.title + " \u203a " + h.heading : h.title;
        var words = h.terms.concat(query.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 1; }));
        return '<li><a href="' + root + h.url + '">' + highlight(h.heading || h.title, words) +
          '<span class="result-where">' + escapeHtml(h.part + " \u00b7 " + where) + "</span>" +
          '<span class="result-snippet">' + snippet(h.text || "", words) + "</span></a></li>";
      }).join("") : '<li class="result-empty">No results for \u201c' + escapeHtml(query) + "\u201d</li>";
      list.hidden = false;
    }).catch(function (err) {
      list.innerHTML = '<li class="result-empty">Search is unavailable: ' + escapeHtml(err.message) + "</li>";
      list.hidden = false;
    });
  }

  var timer = null;
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { show(input.value); }, 120); });
  input.addEventListener("focus", load);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var first = list.querySelector("a"); if (first) window.location.href = first.href; }
    if (ev.key === "Escape") { list.hidden = true; input.blur(); }
    if (ev.key === "ArrowDown") { var top = list.querySelector("a"); if (top && !list.hidden) { ev.preventDefault(); top.focus(); } }
  });
  // Arrow keys move through the results; Escape goes back to the search box.
  list.addEventListener("keydown", function (ev) {
    var links = Array.prototype.slice.call(list.querySelectorAll("a"));
    var at = links.indexOf(document.activeElement);
    if (at < 0) return;
    if (ev.key === "ArrowDown" && at + 1 < links.length) { ev.preventDefault(); links[at + 1].focus(); }
    if (ev.key === "ArrowUp") { ev.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
    if (ev.key === "Escape") { list.hidden = true; input.focus(); }
  });
  document.addEventListener("click", function (ev) { if (!ev.target.closest(".search")) list.hidden = true; });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && document.activeElement !== input && !/INPUT|TEXTAREA/.test(document.activeElement.tagName)) {
      ev.preventDefault(); input.focus();
    }
  });
})();

// Reading aids: an anchor link on every heading, a copy button on code blocks, tables that scroll inside
// their own box with the caption kept above, and the page TOC that follows the reader (and folds into a
// menu on narrower screens).
(function () {
  var article = document.querySelector("article.page");
  if (!article) return;

  Array.prototype.forEach.call(article.querySelectorAll("h1[id], h2[id], h3[id], h4[id], h5[id], h6[id]"), function (h) {
    var a = document.createElement("a");
    a.className = "anchor-link";
    a.href = "#" + h.id;
    a.setAttribute("aria-label", "Link to this section: " + h.textContent.trim());
    a.textContent = "#";
    h.appendChild(a);
  });

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {  // plain-HTTP hosts have no clipboard API
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed"; area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  Array.prototype.forEach.call(article.querySelectorAll("pre > code"), function (code) {
    var pre = code.parentNode;
    var box = pre.parentNode.classList.contains("sourceCode") ? pre.parentNode : null;
    if (!box) {
      box = document.createElement("div");
      box.className = "code-block";
      pre.parentNode.insertBefore(box, pre);
      box.appendChild(pre);
    }
    box.classList.add("has-copy");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy the code to the clipboard");
    button.addEventListener("click", function () {
      copyText(code.innerText).then(function () { button.textContent = "Copied"; },
                                    function () { button.textContent = "Press Ctrl+C"; });
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    });
    box.appendChild(button);
  });

  // A wide table scrolls sideways inside its own box; its caption moves above that box so it stays in
  // view (inside a scrolled table it would scroll away with the columns).
  Array.prototype.forEach.call(article.querySelectorAll("table"), function (table, n) {
    if (table.closest(".table-scroll")) return;
    var box = document.createElement("div");
    box.className = "table-scroll";
    box.setAttribute("tabindex", "0");  // a keyboard user can scroll it too
    box.setAttribute("role", "region");
    table.parentNode.insertBefore(box, table);
    var caption = table.querySelector(":scope > caption");
    if (caption) {
      var above = document.createElement("div");
      above.className = "table-caption";
      above.id = (table.id || "table-" + n) + "-caption";
      while (caption.firstChild) above.appendChild(caption.firstChild);
      table.removeChild(caption);
      box.parentNode.insertBefore(above, box);
      box.setAttribute("aria-labelledby", above.id);
      table.setAttribute("aria-labelledby", above.id);
    } else {
      box.setAttribute("aria-label", "Table");
    }
    box.appendChild(table);
  });

  // A generated figure says how wide it must be for its smallest text to stay legible (data-min-width,
  // from the build); where the column is narrower it keeps that width and scrolls inside its own box,
  // the caption staying in view below.
  var figureBoxes = [];
  Array.prototype.forEach.call(article.querySelectorAll("img[data-min-width]"), function (img) {
    img.style.minWidth = img.dataset.minWidth + "px";
    var box = document.createElement("div");
    box.className = "figure-scroll";
    img.parentNode.insertBefore(box, img);
    box.appendChild(img);
    figureBoxes.push(box);
  });
  function scrollable() {  // only a box that scrolls is a tab stop (so a keyboard user can scroll it)
    figureBoxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0"); box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Figure, scrolls sideways");
      } else {
        box.removeAttribute("tabindex"); box.removeAttribute("role"); box.removeAttribute("aria-label");
      }
    });
  }
  window.addEventListener("load", scrollable);
  window.addEventListener("resize", scrollable);

  // Mermaid diagrams are drawn in the browser (mermaid-init.js), scaled to the column. Once one is drawn
  // (and each time it is drawn again, for a theme), it gets the same floor as generated figures: no
  // narrower than the width at which its smallest label is 9 px, scrolling inside its <pre> below that.
  var LEGIBLE_PX = 9;
  function legibleWidth(svg) {
    var shown = svg.getBoundingClientRect().width, smallest = Infinity;
    Array.prototype.forEach.call(svg.querySelectorAll("*"), function (el) {
      if (/^(style|script|title|desc)$/i.test(el.tagName)) return;
      var own = Array.prototype.some.call(el.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
      if (!own) return;
      var g = el;
      while (g && !(g instanceof SVGGraphicsElement)) g = g.parentElement;
      var m = g && g.getScreenCTM();
      if (!m) return;
      var size = parseFloat(getComputedStyle(el).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
      if (size > 0) smallest = Math.min(smallest, size);
    });
    return isFinite(smallest) && shown ? Math.ceil(shown * LEGIBLE_PX / smallest) : 0;
  }
  function fitDiagram(pre, tries) {  // retried over a few frames: a freshly inserted SVG may not be laid out yet
    var svg = pre.querySelector("svg");
    if (!svg || svg.dataset.legible) return;
    var minimum = legibleWidth(svg);
    if (!minimum) { if (tries > 0) requestAnimationFrame(function () { fitDiagram(pre, tries - 1); }); return; }
    svg.dataset.legible = "1";
    svg.style.minWidth = minimum + "px";
    scrollable();
  }
  Array.prototype.forEach.call(article.querySelectorAll("pre.mermaid"), function (pre) {
    figureBoxes.push(pre);
    new MutationObserver(function () { fitDiagram(pre, 30); }).observe(pre, { childList: true });
  });

  var toc = document.querySelector(".page-toc");
  if (!toc) return;
  var toggle = toc.querySelector(".page-toc-toggle");
  var current = toc.querySelector(".page-toc-current");
  if (toggle) toggle.addEventListener("click", function () {
    var open = toc.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  var links = Array.prototype.slice.call(toc.querySelectorAll("a[href^='#']"));
  links.forEach(function (a) {
    a.addEventListener("click", function () {
      if (toggle) { toc.classList.remove("open"); toggle.setAttribute("aria-expanded", "false"); }
    });
  });
  var headings = links.map(function (a) { return document.getElementById(decodeURIComponent(a.hash.slice(1))); });

  // The current section is the last heading above a line a quarter of the way down the screen (at the
  // bottom of the page, the last one), as in Quarto and d2l.ai.
  function follow() {
    var line = window.innerHeight * 0.25 + 56;
    var at = -1;
    headings.forEach(function (h, i) { if (h && h.getBoundingClientRect().top <= line) at = i; });
    if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2) {
      for (var i = headings.length - 1; i >= 0; i--) { if (headings[i]) { at = i; break; } }
    }
    links.forEach(function (a, i) {
      var on = i === at;
      a.classList.toggle("active", on);
      if (on) { a.setAttribute("aria-current", "location"); } else { a.removeAttribute("aria-current"); }
    });
    if (current) current.textContent = at >= 0 ? ": " + links[at].textContent : "";
  }
  var queued = false;
  window.addEventListener("scroll", function () {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () { queued = false; follow(); });
  }, { passive: true });
  window.addEventListener("resize", follow);
  follow();
})();

// Previews: a cross-reference (figure, table, section, equation), a citation or a footnote shows what it
// points at in a small box, on hover or keyboard focus after a short pause, and on the first tap on a
// touch screen (a second tap follows the link). Targets on other pages are fetched once and kept.
(function () {
  var article = document.querySelector("article.page");
  if (!article) return;
  var SELECTOR = "a.quarto-xref, a[role='doc-biblioref'], a.footnote-ref";
  var pages = {};
  var box = document.createElement("div");
  box.className = "preview";
  box.id = "preview";
  box.setAttribute("role", "tooltip");
  box.hidden = true;
  document.body.appendChild(box);
  var owner = null, showTimer = null, hideTimer = null, lastPointer = "mouse";

  function documentFor(url) {
    var path = url.href.split("#")[0];
    if (path === window.location.href.split("#")[0]) return Promise.resolve(document);
    if (!pages[path]) {
      pages[path] = fetch(path).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.text();
      }).then(function (text) { return new DOMParser().parseFromString(text, "text/html"); });
    }
    return pages[path];
  }

  // Relative addresses inside a fetched page are relative to that page, not to this one.
  function rebase(node, base) {
    Array.prototype.forEach.call(node.querySelectorAll("[src], a[href]"), function (el) {
      var name = el.hasAttribute("src") ? "src" : "href";
      try { el.setAttribute(name, new URL(el.getAttribute(name), base).href); } catch (e) { /* leave it */ }
    });
    Array.prototype.forEach.call(node.querySelectorAll("[id]"), function (el) { el.removeAttribute("id"); });
    Array.prototype.forEach.call(node.querySelectorAll(".anchor-link, .footnote-back, .copy-button"), function (el) {
      el.parentNode.removeChild(el);
    });
    return node;
  }

  function content(target, base) {
    var out = document.createElement("div");
    var tag = target.tagName;
    if (tag === "FIGURE") {
      var img = target.querySelector("img");
      if (img) { var copy = img.cloneNode(); copy.removeAttribute("loading"); out.appendChild(copy); }
      var cap = target.querySelector("figcaption");
      if (cap) out.appendChild(cap.cloneNode(true));
    } else if (tag === "TABLE" || target.classList.contains("table-float")) {
      var caption = target.querySelector("caption, .table-caption") ||
        (target.previousElementSibling && target.previousElementSibling.classList.contains("table-caption")
          ? target.previousElementSibling : null);
      var scrolled = target.closest && target.closest(".table-scroll");
      if (!caption && scrolled && scrolled.previousElementSibling) caption = scrolled.previousElementSibling;
      var p = document.createElement("p");
      p.innerHTML = caption ? caption.innerHTML : "Table";
      out.appendChild(p);
    } else if (/^H[1-6]$/.test(tag)) {
      var title = document.createElement("p");
      title.className = "preview-title";
      title.innerHTML = target.innerHTML;
      out.appendChild(title);
      var chars = 0;
      for (var el = target.nextElementSibling; el && !/^H[1-6]$/.test(el.tagName) && chars < 320; el = el.nextElementSibling) {
        if (el.tagName !== "P") continue;
        out.appendChild(el.cloneNode(true));
        chars += el.textContent.length;
      }
    } else if (target.classList.contains("csl-entry") || tag === "LI") {
      out.innerHTML = target.innerHTML;
    } else {
      out.appendChild(target.cloneNode(true));
    }
    return rebase(out, base);
  }

  function place(link) {
    var r = link.getBoundingClientRect();
    var width = Math.min(28 * 16, document.documentElement.clientWidth - 16);
    box.style.width = width + "px";
    var left = Math.max(8, Math.min(r.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8));
    box.style.left = left + "px";
    var below = r.bottom + window.scrollY + 6;
    box.style.top = below + "px";
    var height = box.offsetHeight;
    if (r.bottom + height + 12 > window.innerHeight && r.top > height + 12) box.style.top = (r.top + window.scrollY - height - 6) + "px";
  }

  function show(link) {
    var url = new URL(link.getAttribute("href"), window.location.href);
    var id = decodeURIComponent(url.hash.slice(1));
    if (!id) return;
    clearTimeout(hideTimer);
    owner = link;
    documentFor(url).then(function (doc) {
      if (owner !== link) return;
      var target = doc.getElementById(id);
      if (!target) return;
      box.innerHTML = "";
      box.appendChild(content(target, url.href));
      if (lastPointer === "touch") {
        var go = document.createElement("a");
        go.className = "preview-go";
        go.href = link.href;
        go.textContent = "Go to " + (link.textContent.trim() || "the note") + " \u2192";
        box.appendChild(go);
      }
      box.hidden = false;
      link.setAttribute("aria-describedby", "preview");
      place(link);
    }).catch(function () { /* an unreachable page just has no preview; the link still works */ });
  }

  function hide() {
    clearTimeout(showTimer);
    if (owner) owner.removeAttribute("aria-describedby");
    owner = null;
    box.hidden = true;
  }

  function later(fn, ms) { clearTimeout(showTimer); clearTimeout(hideTimer); showTimer = setTimeout(fn, ms); }

  document.addEventListener("pointerdown", function (ev) { lastPointer = ev.pointerType || "mouse"; }, true);
  article.addEventListener("mouseover", function (ev) {
    var link = ev.target.closest(SELECTOR);
    if (!link || lastPointer === "touch") return;
    if (link === owner) { clearTimeout(hideTimer); return; }
    later(function () { show(link); }, 250);
  });
  // A preview opened by a tap is closed by a tap elsewhere, never by the mouse events a touch screen
  // emulates (a layout shift under the emulated pointer would otherwise close it a moment after it opened).
  article.addEventListener("mouseout", function (ev) {
    var link = ev.target.closest(SELECTOR);
    if (!link || lastPointer === "touch" || (ev.relatedTarget && (ev.relatedTarget === link || link.contains(ev.relatedTarget)))) return;
    clearTimeout(showTimer);
    hideTimer = setTimeout(hide, 250);
  });
  box.addEventListener("mouseover", function () { clearTimeout(hideTimer); });
  box.addEventListener("mouseout", function (ev) {
    if (lastPointer !== "touch" && !box.contains(ev.relatedTarget)) hideTimer = setTimeout(hide, 250);
  });
  article.addEventListener("focusin", function (ev) {
    var link = ev.target.closest(SELECTOR);
    if (link && lastPointer !== "touch") later(function () { show(link); }, 250);
  });
  article.addEventListener("focusout", function (ev) {
    var link = ev.target.closest(SELECTOR);
    if (link && link === owner && !box.contains(ev.relatedTarget)) hideTimer = setTimeout(hide, 250);
  });
  // On a touch screen the first tap on a reference previews it; a tap on the same one again follows it.
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest(SELECTOR);
    if (link && article.contains(link) && lastPointer === "touch" && (owner !== link || box.hidden)) {
      ev.preventDefault();
      hide();
      show(link);
      return;
    }
    if (!box.contains(ev.target) || ev.target.closest("a")) hide();  // tapped elsewhere, or followed a link
  });
  window.addEventListener("hashchange", hide);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && !box.hidden) hide(); });
  window.addEventListener("resize", function () { if (owner && !box.hidden) place(owner); });
})();
