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
        fields: ["title", "heading", "text"], storeFields: ["title", "heading", "url", "part"],
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

  function show(query) {
    if (query.trim().length < 2) { list.hidden = true; list.innerHTML = ""; return; }
    load().then(function (e) {
      var hits = e.search(query).slice(0, 12);
      list.innerHTML = hits.length ? hits.map(function (h) {
        var where = h.heading && h.heading !== h.title ? h.title + " \u203a " + h.heading : h.title;
        return '<li><a href="' + root + h.url + '">' + escapeHtml(h.heading || h.title) +
          '<span class="result-where">' + escapeHtml(h.part + " \u00b7 " + where) + "</span></a></li>";
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
