// The learning companion (issue #19): Explain a selection, Quiz me, Review (FSRS), Progress, Ask.
// Offline by default: the book's own passages, glossary and questions come from companion.json files the
// site build wrote; retrieval is MiniSearch (BM25) in the page; reviews live in IndexedDB. Only "Ask" with
// an endpoint the reader entered sends anything anywhere, and only to that endpoint.
(function () {
  "use strict";
  var script = document.currentScript;
  var ROOT = new URL("../", script.src);                       // this file is <root>/assets/companion.js
  var VENDOR = new URL("companion-vendor/", script.src);
  var PAGE = decodeURI(location.pathname).slice(decodeURI(ROOT.pathname).length) || "index.html";
  var TOP_PASSAGES = 5;

  // ------------------------------------------------------------------ small helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function dayKey(date) {
    var d = new Date(date);
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }
  var loaded = {};
  function loadScript(url) {
    if (!loaded[url]) loaded[url] = new Promise(function (resolve, reject) {
      var s = el("script", { src: url });
      s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + url)); };
      document.head.appendChild(s);
    });
    return loaded[url];
  }
  function fsrsLib() { return loadScript(new URL("ts-fsrs.js", VENDOR).href).then(function () { return window.FSRS; }); }
  function markdownLibs() {
    return Promise.all([loadScript(new URL("marked.js", VENDOR).href), loadScript(new URL("purify.min.js", VENDOR).href)]);
  }

  // ------------------------------------------------------------------ storage (IndexedDB)
  var dbPromise = null;
  function db() {
    if (!dbPromise) dbPromise = new Promise(function (resolve, reject) {
      var req = indexedDB.open("mlsysbook-companion", 1);
      req.onupgradeneeded = function () {
        var d = req.result;
        d.createObjectStore("cards", { keyPath: "id" });          // one FSRS card per question
        d.createObjectStore("log", { keyPath: "n", autoIncrement: true });  // every answer
        d.createObjectStore("reading", { keyPath: "page" });      // deepest scroll per page
        d.createObjectStore("settings", { keyPath: "key" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return dbPromise;
  }
  function tx(stores, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(stores, mode), result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error || new Error("storage transaction aborted")); };
        result = work(t);
      });
    });
  }
  function all(store) {
    return tx([store], "readonly", function (t) {
      var out = [];
      t.objectStore(store).openCursor().onsuccess = function (e) {
        var c = e.target.result;
        if (c) { out.push(c.value); c.continue(); }
      };
      return out;
    });
  }
  function getSetting(key) {
    return tx(["settings"], "readonly", function (t) {
      var box = {};
      t.objectStore("settings").get(key).onsuccess = function (e) { box.value = e.target.result ? e.target.result.value : ""; };
      return box;
    }).then(function (box) { return box.value || ""; });
  }
  function setSetting(key, value) { return tx(["settings"], "readwrite", function (t) { t.objectStore("settings").put({ key: key, value: value }); }); }

  // ------------------------------------------------------------------ the book's data and retrieval
  // Two steps, each done once: the data (companion.json of each volume, parsed here) and the retrieval
  // index (MiniSearch, built in a Web Worker). Quizzes, reviews and the dashboard need the data only; the
  // index is started on a chapter page when the browser is idle, so a selection finds it built.
  var data = null, bookLoaded = false;
  function loadData() {
    if (data) return data;
    data = fetch(new URL("companion.json", ROOT)).then(function (r) {
      if (!r.ok) throw new Error("companion.json missing (" + r.status + ")");
      return r.json();
    }).then(function (manifest) {
      return Promise.all(manifest.volumes.map(function (v) {
        return fetch(new URL(v.url, ROOT)).then(function (r) { return r.json(); });
      }));
    }).then(function (volumes) {
      var book = { volumes: volumes, passages: [], terms: [], questions: {}, chapters: {}, index: null, indexed: false };
      volumes.forEach(function (vol) {
        vol.chapters.forEach(function (ch) { ch.volume = vol; book.chapters[ch.url] = ch; });
        vol.passages.forEach(function (p) {
          var ch = vol.chapters[p.c];
          book.passages.push({ id: book.passages.length, text: p.t, heading: (ch.sections[p.s] || "") + " " + ch.title,
                               url: ch.url + "#" + p.a, chapter: ch, section: p.s, top: ch.tops[p.s] || p.s });
        });
        vol.terms.forEach(function (t) {
          t.chapter = vol.chapters[t.c]; t.volume = vol;
          t.lower = t.term.toLowerCase(); t.pattern = termPattern(t.term);  // compiled once, not per selection
          book.terms.push(t);
        });
        vol.questions.forEach(function (q) { q.chapter = vol.chapters[q.c]; book.questions[q.id] = q; });
      });
      bookLoaded = true;
      return book;
    });
    return data;
  }
  function indexReady(book) {
    if (book.index) return book.index;
    var worker, pending = {}, next = 0;
    book.index = new Promise(function (resolve, reject) {
      worker = new Worker(new URL("companion-worker.js", script.src));
      worker.onmessage = function (e) {
        if (e.data.type === "ready") { book.indexed = true; resolve(book); }
        else if (pending[e.data.id]) { pending[e.data.id](e.data.ids); delete pending[e.data.id]; }
      };
      worker.onerror = function (e) { reject(new Error("retrieval worker failed: " + e.message)); };
      worker.postMessage({ type: "index", docs: book.passages.map(function (p) {
        return { id: p.id, text: p.text, heading: p.heading, chapter: p.chapter.url }; }) });
    });
    book.query = function (text, k, chapter) {
      return new Promise(function (done) {  // the worker answers in order, after its index message
        var id = ++next;
        pending[id] = function (ids) { done(ids.map(function (i) { return book.passages[i]; })); };
        worker.postMessage({ type: "search", id: id, text: text, k: k, chapter: chapter ? chapter.url : "" });
      });
    };
    return book.index;
  }
  function loadIndex() { return loadData().then(indexReady); }
  // The same selection explained again (or a quiz's passage looked up again) costs a map lookup.
  var searched = new Map(), SEARCHES_KEPT = 100;
  function search(book, text, k, chapter) {
    k = k || TOP_PASSAGES;
    var key = k + "\u0000" + (chapter ? chapter.url : "") + "\u0000" + text;
    if (searched.has(key)) return Promise.resolve(searched.get(key));
    return indexReady(book).then(function () { return book.query(text, k, chapter); }).then(function (hits) {
      if (searched.size >= SEARCHES_KEPT) searched.delete(searched.keys().next().value);
      searched.set(key, hits);
      return hits;
    });
  }
  function link(url, label) { return el("a", { href: new URL(url, ROOT).href, text: label }); }
  function chapterLabel(ch) { return (ch.volume ? ch.volume.title.split(",")[0] + " \u203a " : "") + (ch.number ? ch.number + " " : "") + ch.title; }
  function sectionLabel(ch, section) { return (ch.number ? "Chapter " + ch.number : ch.title) + " \u203a " + (ch.sections[section] || ch.title); }
  function termPattern(term) {
    return new RegExp("(^|[^\\w-])" + term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(s|es)?(?![\\w-])", "i");
  }

  // ------------------------------------------------------------------ the panel
  var panel, body, tabs = {}, current = null;
  var TABS = [["explain", "Explain"], ["quiz", "Quiz me"], ["review", "Review"], ["progress", "Progress"], ["ask", "Ask"]];
  function buildPanel() {
    if (panel) return;
    body = el("div", { class: "companion-body", id: "companion-body", "aria-live": "polite" });
    var nav = el("div", { class: "companion-tabs", role: "tablist" });
    TABS.forEach(function (t) {
      tabs[t[0]] = el("button", { type: "button", role: "tab", class: "companion-tab", "data-tab": t[0], text: t[1],
                                  onclick: function () { show(t[0]); } });
      nav.appendChild(tabs[t[0]]);
    });
    panel = el("div", { id: "companion-panel", class: "companion-panel", role: "dialog", "aria-label": "Learning companion", hidden: "" }, [
      el("div", { class: "companion-head" }, [el("strong", { text: "Learning companion" }),
        el("a", { class: "companion-head-link", href: new URL(DASHBOARD, ROOT).href, text: "Progress dashboard" }),
        el("button", { type: "button", class: "companion-close", "aria-label": "Close the companion", text: "\u00d7", onclick: close })]),
      nav, body]);
    document.body.appendChild(panel);
    document.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && !panel.hidden) close(); });
  }
  function open(tab) { buildPanel(); panel.hidden = false; return show(tab || current || "review"); }
  function close() { if (panel) panel.hidden = true; if (toggleButton) toggleButton.focus(); }
  function show(tab) {
    if (tab !== "explain") explaining++;  // an explanation still loading must not take the panel back
    buildPanel();
    panel.hidden = false;
    current = tab;
    Object.keys(tabs).forEach(function (k) { tabs[k].setAttribute("aria-selected", k === tab ? "true" : "false"); });
    body.replaceChildren(el("p", { class: "companion-muted", text: "Loading\u2026" }));
    var views = { explain: viewExplain, quiz: viewQuiz, review: viewReview, progress: viewProgress, ask: viewAsk };
    return Promise.resolve(views[tab]()).catch(function (err) {
      body.replaceChildren(el("p", { class: "companion-error", text: "The companion could not load: " + err.message }));
    });
  }

  // ------------------------------------------------------------------ Explain
  // Measured by `make bench-companion`: the worker's search runs while this thread finds the glossary
  // terms and builds their nodes; the panel is then filled in one replaceChildren. If the index is still
  // being built (a selection in the first second on a page), the glossary is shown at once and the
  // passages follow.
  var lastSelection = "", explaining = 0, lastExplain = null;
  function glossaryNodes(book, clean) {
    var lower = clean.toLowerCase();
    var found = book.terms.filter(function (t) { return lower.indexOf(t.lower) >= 0 && t.pattern.test(clean); });
    found.sort(function (a, b) { return b.term.length - a.term.length; });
    if (!found.length) return [el("p", { class: "companion-muted", text: "No glossary term in this selection; the passages below are the closest in both volumes." })];
    return [el("h3", { text: "In the glossary" })].concat(found.slice(0, 6).map(function (t) {
      var uses = t.uses.map(function (u) {
        var ch = t.volume.chapters[u.c];
        return el("li", {}, [link(ch.url + "#" + u.a, (u.kind === "figure" ? "Figure: " : u.kind === "napkin-math" ? "Worked example: " : "Callout: ") + (u.title || "untitled"))]);
      });
      return el("div", { class: "companion-term" }, [
        el("p", {}, [el("strong", { class: "companion-term-name", text: t.term }), " \u2014 ", t.definition]),
        el("p", { class: "companion-muted" }, ["Introduced in ", link(t.chapter.url + "#" + t.anchor, sectionLabel(t.chapter, t.s))]),
        uses.length ? el("ul", { class: "companion-uses", "aria-label": "Where the book uses it" }, uses) : null]);
    }));
  }
  function quoteNode(clean) {
    return el("p", { class: "companion-quote", text: "\u201c" + (clean.length > 200 ? clean.slice(0, 200) + "\u2026" : clean) + "\u201d" });
  }
  function explain(text) {
    var started = performance.now(), mine = ++explaining;
    var clean = text.replace(/\s+/g, " ").trim();
    if (!bookLoaded) {  // the first selection on a page, before the book's data arrived: answer at once
      buildPanel(); panel.hidden = false; current = "explain";
      Object.keys(tabs).forEach(function (k) { tabs[k].setAttribute("aria-selected", k === "explain" ? "true" : "false"); });
      body.replaceChildren(quoteNode(clean), el("p", { class: "companion-muted", text: "Loading the glossary and the passages of both volumes\u2026" }));
    }
    return loadData().then(function (book) {
      var t0 = performance.now();
      var ready = book.indexed;
      var hits = search(book, clean, TOP_PASSAGES);  // posted first: the worker searches meanwhile
      var out = [quoteNode(clean)].concat(glossaryNodes(book, clean));
      var list = el("ol", { class: "companion-passages" });
      out.push(el("h3", { text: "Related passages" }), list);
      var t1 = performance.now();
      function showPanel() {
        buildPanel(); panel.hidden = false; current = "explain";
        Object.keys(tabs).forEach(function (k) { tabs[k].setAttribute("aria-selected", k === "explain" ? "true" : "false"); });
        body.replaceChildren.apply(body, out);
      }
      if (mine !== explaining) return;  // a newer selection, or the reader opened another tab
      if (!ready) {
        list.appendChild(el("li", { class: "companion-muted", text: "Finding the closest passages in both volumes\u2026" }));
        showPanel();
      }
      return hits.then(function (found) {
        var t2 = performance.now();
        if (mine !== explaining) return;
        list.replaceChildren.apply(list, found.map(function (p) {
          return el("li", {}, [link(p.url, sectionLabel(p.chapter, p.section)),
            el("span", { class: "companion-snippet", text: p.text.length > 220 ? p.text.slice(0, 220) + "\u2026" : p.text })]);
        }));
        if (ready) showPanel();
        lastExplain = { glossary: t1 - t0, search: t2 - t0, render: performance.now() - t2, indexed: ready };
      });
    }).then(function () { return performance.now() - started; });
  }
  function viewExplain() {
    if (lastSelection) return explain(lastSelection);
    body.replaceChildren(el("p", { text: "Select a word or a passage in the chapter, then press Explain: the glossary definition of its terms, " +
      "where each is introduced, the worked examples and figures using it, and the closest passages of both volumes." }));
  }
  var explainButton = null;
  function selectionText() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return "";
    var main = document.querySelector("main");
    if (!main || !main.contains(sel.anchorNode)) return "";
    if (panel && panel.contains(sel.anchorNode)) return "";
    var text = sel.toString().trim();
    return text.length >= 2 && text.length <= 1500 ? text : "";
  }
  function onSelection() {
    var text = selectionText();
    if (!text) { if (explainButton) explainButton.hidden = true; return; }
    if (!explainButton) {
      explainButton = el("button", { type: "button", class: "companion-explain", id: "companion-explain", text: "Explain",
        onmousedown: function (e) { e.preventDefault(); },  // keep the selection
        onclick: function () { lastSelection = explainButton.dataset.text; explainButton.hidden = true; explain(lastSelection); } });
      document.body.appendChild(explainButton);
    }
    var rect = window.getSelection().getRangeAt(0).getBoundingClientRect();
    explainButton.dataset.text = text;
    explainButton.style.top = Math.max(0, window.scrollY + rect.bottom + 6) + "px";
    explainButton.style.left = Math.max(4, Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth - 110)) + "px";
    explainButton.hidden = false;
  }

  // ------------------------------------------------------------------ questions, answers, scheduling
  function grade(q, response) {
    if (q.type === "mcq") return Number(response) === Number(q.answer);
    if (q.type === "calc") {
      var x = parseFloat(response), want = Number(q.answer);
      return isFinite(x) && Math.abs(x - want) <= Math.abs(want) * (q.tolerance || 0.02);
    }
    return response === "right";  // short answers: the reader compares with the model answer
  }
  function record(q, correct) {
    return fsrsLib().then(function (F) {
      var scheduler = F.fsrs();
      var now = new Date();
      return tx(["cards", "log"], "readwrite", function (t) {
        var cards = t.objectStore("cards");
        cards.get(q.id).onsuccess = function (e) {
          var stored = e.target.result;
          var card = stored ? F.TypeConvert.card(stored.card) : F.createEmptyCard(now);
          var next = scheduler.next(card, now, correct ? F.Rating.Good : F.Rating.Again).card;
          cards.put({ id: q.id, card: serialiseCard(next), volume: q.id.split("/")[0], chapter: q.chapter.url, section: q.s,
                      prompt: q.prompt });
        };
        t.objectStore("log").add({ id: q.id, chapter: q.chapter.url, section: q.s, correct: correct, at: now.toISOString() });
      });
    }).then(function () { if (dashboard) renderDashboard(dashboard); return refreshDue(); });
  }
  function serialiseCard(card) {
    var out = {};
    Object.keys(card).forEach(function (k) { out[k] = card[k] instanceof Date ? card[k].toISOString() : card[k]; });
    return out;
  }
  function questionView(book, q, onDone) {
    var box = el("div", { class: "companion-question", "data-qid": q.id });
    var feedback = el("div", { class: "companion-feedback", "aria-live": "polite" });
    box.appendChild(el("p", { class: "companion-muted", text: sectionLabel(q.chapter, q.s) + (q.origin === "bank" ? " \u00b7 self-check" : " \u00b7 " + q.origin) }));
    box.appendChild(el("p", { class: "companion-prompt", text: q.prompt }));
    var answered = false;
    function finish(correct, shown) {
      if (answered) return;
      answered = true;
      box.querySelectorAll("button.companion-choice, input, .companion-submit").forEach(function (b) { b.disabled = true; });
      var passage = q.a ? Promise.resolve([{ url: q.chapter.url + "#" + q.a }]) : search(book, q.prompt + " " + q.explanation, 1, q.chapter);
      var back = el("p", {});
      feedback.replaceChildren(
        el("p", { class: correct ? "companion-right" : "companion-wrong", text: (correct ? "Right. " : "Not quite. ") + (shown || "") }),
        el("p", { text: q.explanation }), back);
      Promise.all([passage, record(q, correct)]).then(function (r) {
        if (r[0][0]) back.appendChild(link(r[0][0].url, "Read the passage"));
        if (onDone) onDone(correct);
      });
    }
    if (q.type === "mcq") {
      var list = el("div", { class: "companion-choices", role: "group" });
      q.choices.forEach(function (choice, i) {
        list.appendChild(el("button", { type: "button", class: "companion-choice", "data-index": i, text: choice,
          onclick: function (ev) {
            ev.currentTarget.classList.add("companion-chosen");
            list.children[q.answer].classList.add("companion-key");
            finish(grade(q, i), grade(q, i) ? "" : "The answer is: " + q.choices[q.answer] + "."); } }));
      });
      box.appendChild(list);
    } else if (q.type === "calc") {
      var input = el("input", { type: "number", step: "any", class: "companion-number", "aria-label": "Your answer" + (q.unit ? " in " + q.unit : "") });
      box.appendChild(el("div", { class: "companion-calc" }, [input, q.unit ? " " + q.unit + " " : " ",
        el("button", { type: "button", class: "companion-submit", text: "Check", onclick: function () {
          finish(grade(q, input.value), "The answer is " + q.answer + " " + (q.unit || "") + "."); } })]));
    } else {
      var reveal = el("button", { type: "button", class: "companion-submit", text: "Show the answer", onclick: function () {
        reveal.replaceWith(el("div", {}, [el("p", { text: "Model answer: " + q.answer }),
          el("button", { type: "button", class: "companion-choice", text: "I had it", onclick: function () { finish(true); } }),
          el("button", { type: "button", class: "companion-choice", text: "I missed it", onclick: function () { finish(false); } })]));
      } });
      box.appendChild(reveal);
    }
    box.appendChild(feedback);
    return box;
  }
  function currentSection() {
    var heads = document.querySelectorAll("main h2[id], main h3[id], main section[id]");
    var best = null;
    heads.forEach(function (h) { if (h.getBoundingClientRect().top < 120) best = h.id; });
    return best;
  }
  function runQuiz(book, questions, title) {
    var i = 0, right = 0;
    function next() {
      if (i >= questions.length) {
        body.replaceChildren(el("h3", { text: title }), el("p", { text: right + " of " + questions.length + " right. Each answer is in your review queue." }),
          el("button", { type: "button", class: "companion-submit", text: "Open the review queue", onclick: function () { show("review"); } }));
        return;
      }
      var q = questions[i++];
      var more = el("button", { type: "button", class: "companion-next", text: i < questions.length ? "Next question" : "Finish", hidden: "",
                                onclick: next });
      body.replaceChildren(el("h3", { text: title + " (" + i + "/" + questions.length + ")" }),
        questionView(book, q, function (ok) { if (ok) right++; more.hidden = false; more.focus(); }), more);
    }
    next();
  }
  function pickQuestions(list, seen, n) {
    var fresh = list.filter(function (q) { return !seen.has(q.id); });
    var pool = fresh.length >= n ? fresh : fresh.concat(list.filter(function (q) { return seen.has(q.id); }));
    return pool.slice(0, n);
  }
  function viewQuiz() {
    return Promise.all([loadData(), all("cards")]).then(function (r) {
      if (current !== "quiz") return;  // the reader moved to another tab meanwhile
      var book = r[0], seen = new Set(r[1].map(function (c) { return c.id; }));
      var chapter = book.chapters[PAGE];
      if (!chapter) {
        body.replaceChildren(el("p", { text: "Open a chapter to be quizzed on it; your review queue works on every page." }));
        return;
      }
      var inChapter = Object.keys(book.questions).map(function (k) { return book.questions[k]; })
        .filter(function (q) { return q.chapter === chapter; });
      var section = currentSection();
      var inSection = inChapter.filter(function (q) { return q.s && q.s === section; });
      var buttons = [];
      if (inSection.length) buttons.push(el("button", { type: "button", class: "companion-submit", id: "companion-quiz-section",
        text: "Quiz me on \u201c" + (chapter.sections[section] || "this section") + "\u201d (" + inSection.length + ")",
        onclick: function () { runQuiz(book, pickQuestions(inSection, seen, 5), "Section quiz"); } }));
      buttons.push(el("button", { type: "button", class: "companion-submit", id: "companion-quiz-chapter",
        text: "Quiz me on this chapter (" + inChapter.length + " questions)",
        onclick: function () { runQuiz(book, pickQuestions(inChapter, seen, 5), "Chapter quiz"); } }));
      body.replaceChildren(el("p", { text: "Five questions from the chapter's self-check and from its definitions, worked examples and calculations (answers computed by MLSys\u00b7im). Every answer goes into your review queue." }),
        el("div", { class: "companion-actions" }, buttons));
    });
  }

  // ------------------------------------------------------------------ Review (due cards)
  function dueCards() {
    var now = Date.now();
    return all("cards").then(function (cards) { return cards.filter(function (c) { return Date.parse(c.card.due) <= now; }); });
  }
  function refreshDue() {
    return dueCards().then(function (due) {
      if (dueBadge) { dueBadge.textContent = due.length ? due.length + " due" : ""; dueBadge.hidden = !due.length; }
      if (toggleButton) toggleButton.setAttribute("aria-label", "Study: " + due.length + " review" + (due.length === 1 ? "" : "s") + " due today");
      return due.length;
    });
  }
  function viewReview() {
    return Promise.all([loadData(), dueCards()]).then(function (r) {
      if (current !== "review") return;
      var book = r[0], due = r[1].sort(function (a, b) { return Date.parse(a.card.due) - Date.parse(b.card.due); });
      var questions = due.map(function (c) { return book.questions[c.id]; }).filter(Boolean);
      var gone = due.length - questions.length;
      var out = [el("p", { id: "companion-due-count", text: due.length + " question" + (due.length === 1 ? "" : "s") + " due today (scheduled by FSRS)." })];
      if (gone) out.push(el("p", { class: "companion-muted", text: gone + " due question(s) are no longer in the book (its text changed); they stay in your history." }));
      if (questions.length) out.push(el("button", { type: "button", class: "companion-submit", id: "companion-start-review", text: "Start reviewing",
        onclick: function () { runQuiz(book, questions.slice(0, 20), "Review"); } }));
      body.replaceChildren.apply(body, out.concat(transferControls()));
    });
  }

  // ------------------------------------------------------------------ export / import
  var FORMAT = "mlsysbook-companion";
  function exportData() {
    return Promise.all([all("cards"), all("log"), all("reading")]).then(function (r) {
      return { format: FORMAT, version: 1, exported: new Date().toISOString(), cards: r[0], log: r[1], reading: r[2] };
    });
  }
  function isDate(s) { return typeof s === "string" && !isNaN(Date.parse(s)); }
  function validate(obj) {
    if (!obj || typeof obj !== "object" || obj.format !== FORMAT) return "it is not a companion export (no \"format\": \"" + FORMAT + "\")";
    if (obj.version !== 1) return "it has version " + JSON.stringify(obj.version) + "; this site reads version 1";
    if (!Array.isArray(obj.cards) || !Array.isArray(obj.log) || !Array.isArray(obj.reading)) return "cards, log or reading is missing";
    for (var i = 0; i < obj.cards.length; i++) {
      var c = obj.cards[i];
      if (!c || typeof c.id !== "string" || !c.card || !isDate(c.card.due) || typeof c.card.stability !== "number" ||
          typeof c.card.difficulty !== "number" || typeof c.card.reps !== "number" || typeof c.card.lapses !== "number" ||
          typeof c.card.state !== "number" || (c.card.last_review && !isDate(c.card.last_review)))
        return "card " + (i + 1) + " is malformed (needs id and an FSRS card with due, stability, difficulty, reps, lapses, state)";
    }
    for (i = 0; i < obj.log.length; i++) {
      var l = obj.log[i];
      if (!l || typeof l.id !== "string" || typeof l.correct !== "boolean" || !isDate(l.at)) return "answer " + (i + 1) + " is malformed";
    }
    for (i = 0; i < obj.reading.length; i++) {
      var p = obj.reading[i];
      if (!p || typeof p.page !== "string" || typeof p.depth !== "number" || p.depth < 0 || p.depth > 1) return "reading record " + (i + 1) + " is malformed";
    }
    return "";
  }
  // Merge in one transaction: a card is replaced only by a more recently reviewed one; answers already
  // present (same question and time) are not added twice; reading keeps the deeper scroll.
  function importData(text) {
    var obj;
    try { obj = JSON.parse(text); } catch (e) { return Promise.reject(new Error("the file is not JSON (" + e.message + ")")); }
    var problem = validate(obj);
    if (problem) return Promise.reject(new Error(problem));
    return all("log").then(function (existing) {
      var have = new Set(existing.map(function (l) { return l.id + "@" + l.at; }));
      var counts = { cards: 0, log: 0 };
      return tx(["cards", "log", "reading"], "readwrite", function (t) {
        var cards = t.objectStore("cards"), reading = t.objectStore("reading"), log = t.objectStore("log");
        obj.cards.forEach(function (c) {
          cards.get(c.id).onsuccess = function (e) {
            var mine = e.target.result;
            var theirs = c.card.last_review ? Date.parse(c.card.last_review) : 0;
            if (!mine || theirs > (mine.card.last_review ? Date.parse(mine.card.last_review) : 0)) { cards.put(c); counts.cards++; }
          };
        });
        obj.log.forEach(function (l) {
          if (have.has(l.id + "@" + l.at)) return;
          var copy = { id: l.id, chapter: String(l.chapter || ""), section: String(l.section || ""), correct: l.correct, at: l.at };
          log.add(copy); counts.log++;
        });
        obj.reading.forEach(function (p) {
          reading.get(p.page).onsuccess = function (e) {
            var mine = e.target.result;
            if (!mine || mine.depth < p.depth) reading.put({ page: p.page, depth: p.depth, updated: String(p.updated || "") });
          };
        });
        return counts;
      });
    });
  }
  function transferControls(level) {
    var message = el("p", { class: "companion-transfer-message", role: "status" });
    var file = el("input", { type: "file", accept: "application/json,.json", class: "companion-import-file", "aria-label": "Import progress from a file" });
    file.addEventListener("change", function () {
      var f = file.files[0];
      if (!f) return;
      f.text().then(importData).then(function (n) {
        message.className = "companion-transfer-message companion-right";
        message.textContent = "Imported " + n.cards + " card(s) and " + n.log + " answer(s).";
        refreshDue();
        if (dashboard) renderDashboard(dashboard).then(function () {  // the new figures, and the message kept
          var kept = dashboard.querySelector(".companion-transfer-message");
          kept.className = message.className; kept.textContent = message.textContent;
        });
      }, function (err) {
        message.className = "companion-transfer-message companion-error";
        message.textContent = "Not imported: " + err.message + ". Your review queue and progress are unchanged.";
      });
      file.value = "";
    });
    var exportButton = el("button", { type: "button", class: "companion-submit companion-export", text: "Export progress", onclick: function () {
      exportData().then(function (obj) {
        var url = URL.createObjectURL(new Blob([JSON.stringify(obj, null, 1)], { type: "application/json" }));
        var a = el("a", { href: url, download: "mlsysbook-companion-" + dayKey(new Date()) + ".json" });
        document.body.appendChild(a); a.click(); a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
        message.className = "companion-transfer-message";
        message.textContent = "Exported " + obj.cards.length + " card(s), " + obj.log.length + " answer(s). Your key for Ask is not in the file.";
      });
    } });
    return [el(level || "h3", { text: "Keep your progress" }), el("p", { class: "companion-muted", text: "Reviews are stored in this browser only. Export them to a file to keep them or move them to another browser." }),
      el("div", { class: "companion-actions" }, [exportButton, el("label", { class: "companion-import" }, ["Import a file ", file])]), message];
  }

  // ------------------------------------------------------------------ Progress (the panel's tab and progress.html)
  // Computed from what this browser stored and nothing else: the answers (log), the FSRS cards, the reading depth.
  var DASHBOARD = "progress.html", dashboard = null;
  // where a question comes from, as the reader would name the skill it tests
  var KINDS = { bank: "Chapter self-checks", term: "Definitions", definition: "Definitions",
                cloze: "Worked examples (fill the gap)", calc: "Calculations (MLSys\u00b7im)" };
  function progressData() {
    return Promise.all([loadData(), all("cards"), all("log"), all("reading"), fsrsLib()]).then(function (r) {
      var book = r[0], cards = r[1], log = r[2], reading = r[3], F = r[4];
      var scheduler = F.fsrs(), now = new Date();
      var depth = {}, lastRead = null;
      reading.forEach(function (p) {
        depth[p.page] = p.depth;
        if (book.chapters[p.page] && p.updated && (!lastRead || p.updated > lastRead.updated)) lastRead = p;
      });
      var byChapter = {}, bySection = {}, byKind = {};
      function slot(map, key) { return map[key] || (map[key] = { right: 0, all: 0, recall: [], due: 0 }); }
      log.forEach(function (l) {
        var q = book.questions[l.id];  // a question the book no longer has counts for its chapter, not its kind
        [slot(byChapter, l.chapter), slot(bySection, l.chapter + "#" + l.section)].concat(q ? [slot(byKind, KINDS[q.origin] || q.origin)] : [])
          .forEach(function (s) { s.all++; if (l.correct) s.right++; });
      });
      var recalls = [], due = [], later = [];
      cards.forEach(function (c) {
        // FSRS's probability of recalling the card now; a card FSRS cannot read counts for nothing
        var chance = c.card.last_review ? scheduler.get_retrievability(F.TypeConvert.card(c.card), now, false) : NaN;
        c.recall = isFinite(chance) ? chance : null;
        c.dueAt = Date.parse(c.card.due);
        if (c.recall !== null) { recalls.push(c.recall); slot(byChapter, c.chapter).recall.push(c.recall); }
        if (c.dueAt <= now.getTime()) { due.push(c); slot(byChapter, c.chapter).due++; } else later.push(c);
      });
      // what to review next: due cards, least likely to be recalled first, then the soonest due
      due.sort(function (a, b) { return (a.recall === null ? 1 : a.recall) - (b.recall === null ? 1 : b.recall); });
      later.sort(function (a, b) { return a.dueAt - b.dueAt; });
      var days = new Set(log.map(function (l) { return dayKey(l.at); })
        .concat(reading.filter(function (p) { return p.updated; }).map(function (p) { return dayKey(p.updated); })));
      var streak = 0, d = new Date();
      if (!days.has(dayKey(d))) d.setDate(d.getDate() - 1);  // today not studied yet: the streak is still alive
      while (days.has(dayKey(d))) { streak++; d.setDate(d.getDate() - 1); }
      var weak = Object.keys(bySection).filter(function (k) {
        var s = bySection[k];
        return book.chapters[k.split("#")[0]] && s.all >= 2 && s.right / s.all < 0.7;
      }).sort(function (a, b) { return bySection[a].right / bySection[a].all - bySection[b].right / bySection[b].all; });
      return { book: book, log: log, cards: cards, depth: depth, byChapter: byChapter, bySection: bySection, byKind: byKind, streak: streak,
               retention: recalls.length ? mean(recalls) : null, due: due, next: due.concat(later).slice(0, 6), weak: weak,
               lastRead: lastRead && lastRead.depth < 0.9 ? lastRead : null,
               right: log.filter(function (l) { return l.correct; }).length };
    });
  }
  function clip(text, n) { return text.length > n ? text.slice(0, text.lastIndexOf(" ", n - 1) > n / 2 ? text.lastIndexOf(" ", n - 1) : n - 1) + "\u2026" : text; }
  function mean(xs) { return xs.reduce(function (a, b) { return a + b; }, 0) / xs.length; }
  function percent(x) { return Math.round(100 * x) + "%"; }
  function progressSummary(p) {
    function stat(label, value, id) {
      return el("div", { class: "companion-stat", "data-stat": id }, [el("span", { class: "companion-stat-value", text: value }), el("span", { text: label })]);
    }
    var chaptersRead = Object.keys(p.depth).filter(function (page) { return p.book.chapters[page] && p.depth[page] >= 0.9; }).length;
    return el("div", { class: "companion-stats" }, [
      stat("Answers", String(p.log.length), "answers"),
      stat("Accuracy", p.log.length ? percent(p.right / p.log.length) : "\u2013", "accuracy"),
      stat("Retention now (FSRS)", p.retention === null ? "\u2013" : percent(p.retention), "retention"),
      stat("Streak", p.streak + " day" + (p.streak === 1 ? "" : "s"), "streak"),
      stat("Due now", String(p.due.length), "due"),
      stat("Chapters read", String(chaptersRead), "read")]);
  }
  function progressNext(p, level) {
    var items = [];
    if (p.lastRead) {
      var ch = p.book.chapters[p.lastRead.page];
      items.push(el("li", { "data-kind": "reading" }, ["continue reading (" + percent(p.lastRead.depth) + " read): ", link(ch.url, chapterLabel(ch))]));
    }
    p.next.forEach(function (c) {
      var q = p.book.questions[c.id], ch = p.book.chapters[c.chapter];
      var when = dueText(c.dueAt);
      if (c.recall !== null) when += ", recall " + percent(c.recall);
      items.push(el("li", { "data-kind": "card" }, [when + ": ",
        ch ? link(ch.url + (c.section ? "#" + c.section : ""), sectionLabel(ch, c.section)) : String(c.chapter || ""),
        " \u2014 " + clip(String((q ? q.prompt : c.prompt) || ""), 110)]));
    });
    p.weak.forEach(function (k) {
      var parts = k.split("#"), ch = p.book.chapters[parts[0]], s = p.bySection[k];
      items.push(el("li", { "data-kind": "reread" }, ["reread (" + s.right + " of " + s.all + " right): ",
        link(ch.url + (parts[1] ? "#" + parts[1] : ""), sectionLabel(ch, parts[1]))]));
    });
    var out = [el(level, { text: "What to review next" })];
    if (!items.length) out.push(el("p", { class: "companion-muted", text: "Nothing yet: read a chapter or answer a quiz (Study \u203a Quiz me) to start." }));
    else out.push(el("ul", { class: "companion-next-list" }, items));
    if (p.due.length) out.push(el("button", { type: "button", class: "companion-submit", id: "companion-review-due",
      text: "Review the " + p.due.length + " due now", onclick: function () { open("review"); } }));
    return out;
  }
  function dueText(at) {
    var minutes = Math.round((at - Date.now()) / 60000);
    return minutes <= 0 ? "due now" : minutes < 60 ? "due in " + minutes + " min" :
      minutes < 24 * 60 ? "due in " + Math.round(minutes / 60) + " h" : "due " + dayKey(at);
  }
  function accuracyText(s) { return s && s.all ? percent(s.right / s.all) + " of " + s.all : "\u2013"; }
  function progressChapters(p, level) {
    var out = [el(level, { text: "Chapters" })];
    p.book.volumes.forEach(function (vol) {
      var rows = vol.chapters.map(function (ch) {
        var read = Math.round(100 * (p.depth[ch.url] || 0)), s = p.byChapter[ch.url];
        return el("tr", { "data-chapter": ch.url }, [el("td", {}, [link(ch.url, (ch.number ? ch.number + " " : "") + ch.title)]),
          el("td", {}, [el("meter", { min: 0, max: 100, value: read, "aria-label": "read " + read + "%" }), " " + read + "%"]),
          el("td", { class: "companion-accuracy", text: accuracyText(s) }),
          el("td", { class: "companion-retention", text: s && s.recall.length ? percent(mean(s.recall)) : "\u2013" }),
          el("td", { class: "companion-due-cell", text: s && s.due ? String(s.due) : "" })]);
      });
      out.push(el("div", { class: "companion-table" }, [el("table", { class: "companion-progress" }, [
        el("caption", { text: vol.title }),
        el("thead", {}, [el("tr", {}, ["Chapter", "Read", "Quiz accuracy", "Retention", "Due"].map(function (h) { return el("th", { scope: "col", text: h }); }))]),
        el("tbody", {}, rows)])]));
    });
    return out;
  }
  function progressTopics(p, level) {
    var topics = Object.keys(p.bySection).filter(function (k) { return p.book.chapters[k.split("#")[0]] && k.split("#")[1]; })
      .sort(function (a, b) { var x = p.bySection[a], y = p.bySection[b]; return x.right / x.all - y.right / y.all || y.all - x.all; });
    if (!topics.length) return [];
    return [el(level, { text: "By topic (section), weakest first" }), el("div", { class: "companion-table" }, [el("table", { class: "companion-progress companion-topics" }, [
      el("thead", {}, [el("tr", {}, ["Section", "Quiz accuracy"].map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", {}, topics.map(function (k) {
        var parts = k.split("#"), ch = p.book.chapters[parts[0]];
        return el("tr", { "data-topic": k }, [el("td", {}, [link(ch.url + "#" + parts[1], sectionLabel(ch, parts[1]))]),
          el("td", { class: "companion-accuracy", text: accuracyText(p.bySection[k]) })]);
      }))])])];
  }
  function progressKinds(p, level) {
    var kinds = Object.keys(p.byKind).sort(function (a, b) { var x = p.byKind[a], y = p.byKind[b]; return x.right / x.all - y.right / y.all; });
    if (!kinds.length) return [];
    return [el(level, { text: "By kind of question, weakest first" }), el("div", { class: "companion-table" }, [el("table", { class: "companion-progress companion-kinds" }, [
      el("thead", {}, [el("tr", {}, ["Kind", "Quiz accuracy"].map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", {}, kinds.map(function (k) {
        return el("tr", { "data-kind": k }, [el("td", { text: k }), el("td", { class: "companion-accuracy", text: accuracyText(p.byKind[k]) })]);
      }))])])];
  }
  function viewProgress() {
    return progressData().then(function (p) {
      if (current !== "progress") return;
      body.replaceChildren.apply(body, [progressSummary(p)].concat(progressNext(p, "h3"), [
        el("p", {}, [el("a", { href: new URL(DASHBOARD, ROOT).href, id: "companion-dashboard-link",
          text: "Open the progress dashboard: every chapter and topic" })])], transferControls()));
    });
  }
  // progress.html (written by the site build) has an empty #companion-dashboard for this to fill
  function renderDashboard(target) {
    return progressData().then(function (p) {
      target.replaceChildren.apply(target, [progressSummary(p)].concat(progressNext(p, "h2"), progressChapters(p, "h2"),
        progressTopics(p, "h2"), progressKinds(p, "h2"), transferControls("h2")));
      target.setAttribute("aria-busy", "false");
    }).catch(function (err) {
      target.replaceChildren(el("p", { class: "companion-error", text: "The progress could not be read: " + err.message +
        ". (This browser may block storage for this site, for example in a private window.)" }));
    });
  }

  // ------------------------------------------------------------------ reading depth
  var depthTimer = null;
  function trackReading() {
    var article = document.querySelector("main article, main");
    if (!article) return;
    window.addEventListener("scroll", function () {
      if (depthTimer) return;
      depthTimer = setTimeout(function () {
        depthTimer = null;
        var rect = article.getBoundingClientRect();
        var seen = Math.max(0, Math.min(1, (window.innerHeight - rect.top) / Math.max(1, rect.height)));
        tx(["reading"], "readwrite", function (t) {
          var store = t.objectStore("reading");
          store.get(PAGE).onsuccess = function (e) {
            var mine = e.target.result;
            if (!mine || mine.depth < seen - 0.001) store.put({ page: PAGE, depth: seen, updated: new Date().toISOString() });
          };
        }).catch(function () { /* storage refused (private mode): reading is not tracked */ });
      }, 800);
    }, { passive: true });
  }

  // ------------------------------------------------------------------ Ask
  var ALLOWED_TAGS = ["p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "a", "h3", "h4", "h5", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub"];
  function safeMarkdown(markdown) {
    var html = window.marked.parse(markdown, { async: false, gfm: true });
    var clean = window.DOMPurify.sanitize(html, { ALLOWED_TAGS: ALLOWED_TAGS, ALLOWED_ATTR: ["href", "title"], ALLOW_DATA_ATTR: false, RETURN_DOM_FRAGMENT: true });
    // links may only lead within the site (citations); anything else is shown as its text
    clean.querySelectorAll("a").forEach(function (a) {
      var href = a.getAttribute("href") || "", target;
      try { target = href ? new URL(href, ROOT) : null; } catch (e) { target = null; }  // no href: DOMPurify removed it
      if (!target || target.origin !== ROOT.origin) a.replaceWith(document.createTextNode(a.textContent));
    });
    return clean;
  }
  function settingsView() {
    var endpoint = el("input", { type: "url", id: "companion-endpoint", placeholder: "http://127.0.0.1:8080/v1", "aria-label": "OpenAI-compatible endpoint" });
    var key = el("input", { type: "password", id: "companion-key", placeholder: "optional", "aria-label": "API key" });
    var model = el("input", { type: "text", id: "companion-model", placeholder: "optional", "aria-label": "Model name" });
    var saved = el("span", { class: "companion-muted", role: "status" });
    Promise.all([getSetting("endpoint"), getSetting("key"), getSetting("model")]).then(function (v) { endpoint.value = v[0]; key.value = v[1]; model.value = v[2]; });
    return el("details", { class: "companion-settings" }, [el("summary", { text: "Settings: use a language model" }),
      el("p", { class: "companion-muted", text: "Nothing is sent anywhere unless you enter an endpoint here. Then your question and the passages found for it go to that endpoint only (for example a llama.cpp or Ollama server on your computer). The key stays in this browser and is never exported." }),
      el("label", {}, ["Endpoint ", endpoint]), el("label", {}, ["API key ", key]), el("label", {}, ["Model ", model]),
      el("button", { type: "button", class: "companion-submit", id: "companion-save-settings", text: "Save", onclick: function () {
        Promise.all([setSetting("endpoint", endpoint.value.trim()), setSetting("key", key.value), setSetting("model", model.value.trim())])
          .then(function () { saved.textContent = endpoint.value.trim() ? "Saved: Ask uses " + endpoint.value.trim() : "Saved: Ask answers from the book alone."; });
      } }), saved]);
  }
  function viewAsk() {
    var question = el("textarea", { id: "companion-question", rows: 3, "aria-label": "Your question" });
    var answer = el("div", { class: "companion-answer", id: "companion-answer", "aria-live": "polite" });
    var mode = el("p", { class: "companion-muted", id: "companion-ask-mode" });
    getSetting("endpoint").then(function (e) {
      mode.textContent = e ? "Answers come from the model at " + e + ", grounded in the passages below, which it cites." :
        "No model is configured: answers are the book's own closest passages. Nothing leaves this browser.";
    });
    body.replaceChildren(mode, question, el("div", { class: "companion-actions" }, [
      el("button", { type: "button", class: "companion-submit", id: "companion-ask", text: "Ask", onclick: function () { ask(question.value, answer); } })]),
      answer, settingsView());
  }
  var askController = null;
  var MAX_ANSWER_TOKENS = 1024;  // a long answer, and a bound on a model that never stops
  function ask(text, target) {
    text = text.trim();
    if (!text) return Promise.resolve();
    if (askController) askController.abort();
    return Promise.all([loadData(), getSetting("endpoint"), getSetting("key"), getSetting("model")]).then(function (r) {
      return search(r[0], text, TOP_PASSAGES).then(function (hits) { return askWith(hits, r[1], r[2], r[3], text, target); });
    });
  }
  function askWith(hits, endpoint, key, model, text, target) {
    var sources = el("ol", { class: "companion-sources" }, hits.map(function (p) {
      return el("li", {}, [link(p.url, sectionLabel(p.chapter, p.section))]);
    }));
    if (!endpoint) {
      target.replaceChildren(el("p", { text: "From the book:" }), el("ol", { class: "companion-passages" }, hits.map(function (p) {
        return el("li", {}, [link(p.url, sectionLabel(p.chapter, p.section)), el("span", { class: "companion-snippet", text: p.text })]);
      })));
      return;
    }
    var status = el("p", { class: "companion-muted companion-status", text: "Waiting for the model\u2026" });
    var out = el("div", { class: "companion-markdown" });
    var stop = el("button", { type: "button", class: "companion-choice", text: "Stop", onclick: function () { controller.abort(); } });
    target.replaceChildren(status, out, stop, el("p", { text: "Sources:" }), sources);
    var context = hits.map(function (p, i) { return "[" + (i + 1) + "] " + sectionLabel(p.chapter, p.section) + " (" + p.url + ")\n" + p.text; }).join("\n\n");
    var controller = new AbortController();
    askController = controller;
    var idle = null;
    function arm() { clearTimeout(idle); idle = setTimeout(function () { controller.abort("timeout"); }, 30000); }
    arm();
    var headers = { "Content-Type": "application/json" };
    if (key) headers.Authorization = "Bearer " + key;
    var text_ = "", painting = 0;
    // The answer is parsed and sanitized again whole as it grows: at most once a frame, not once a token.
    function paint() {
      if (!painting) painting = requestAnimationFrame(function () { painting = 0; out.replaceChildren(safeMarkdown(citeLinks(text_, hits))); });
    }
    return markdownLibs().then(function () {
      return fetch(endpoint.replace(/\/+$/, "") + "/chat/completions", { method: "POST", headers: headers, signal: controller.signal,
        body: JSON.stringify({ model: model || "default", stream: true, max_tokens: MAX_ANSWER_TOKENS, messages: [
          { role: "system", content: "You answer questions about the textbook Machine Learning Systems using only the numbered passages given. Cite passages as [n]. Say so when they do not contain the answer." },
          { role: "user", content: "Passages:\n\n" + context + "\n\nQuestion: " + text }] }) });
    }).then(function (response) {
      if (!response.ok) return response.text().then(function (t) { throw new Error("the endpoint answered HTTP " + response.status + (t ? ": " + t.slice(0, 200) : "")); });
      status.textContent = "The model is answering\u2026";
      var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          arm();
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, { stream: true });
          var lines = buffer.split("\n"); buffer = lines.pop();
          lines.forEach(function (line) {
            line = line.trim();
            if (line.indexOf("data:") !== 0) return;
            var payload = line.slice(5).trim();
            if (payload === "[DONE]") return;
            try {
              var delta = JSON.parse(payload).choices[0];
              text_ += (delta.delta && delta.delta.content) || (delta.message && delta.message.content) || delta.text || "";
            } catch (e) { /* a keep-alive or a line this client does not read */ }
          });
          paint();
          return pump();
        });
      }
      return pump();
    }).then(function () {
      clearTimeout(idle); stop.remove();
      cancelAnimationFrame(painting); painting = 0;
      out.replaceChildren(safeMarkdown(citeLinks(text_, hits)));
      status.textContent = text_ ? "Answer from " + endpoint + " (sources below)." : "The model sent an empty answer.";
    }, function (err) {
      clearTimeout(idle); stop.remove();
      var why = controller.signal.aborted ? (controller.signal.reason === "timeout" ? "the model sent nothing for 30 s" : "stopped") :
        err.message.indexOf("HTTP") >= 0 ? err.message : "could not reach " + endpoint + " (" + err.message + ")";
      status.className = "companion-error companion-status";
      status.textContent = "No answer: " + why + ". The passages below are the book's own answer.";
    });
  }
  function citeLinks(markdown, hits) {
    return markdown.replace(/\[(\d)\](?!\()/g, function (m, n) {
      var p = hits[Number(n) - 1];
      return p ? "[[" + n + "]](" + new URL(p.url, ROOT).href + ")" : m;
    });
  }

  // ------------------------------------------------------------------ header entry point
  var toggleButton = null, dueBadge = null;
  function mountHeader() {
    dueBadge = el("span", { class: "companion-due", id: "companion-due", hidden: "" });
    toggleButton = el("button", { type: "button", class: "companion-toggle", id: "companion-toggle", "aria-haspopup": "dialog",
      "aria-label": "Study", title: "Learning companion: explain, quiz, review, progress, ask",
      onclick: function () { if (panel && !panel.hidden) close(); else open(); } }, [el("span", { class: "companion-toggle-label", text: "Study" }), dueBadge]);
    var bar = document.querySelector(".topbar") || document.querySelector("#quarto-header .navbar") || null;
    if (bar) {
      var theme = bar.querySelector(".theme-toggle");
      bar.insertBefore(toggleButton, theme || null);
    } else {
      toggleButton.classList.add("companion-floating");
      document.body.appendChild(toggleButton);
    }
  }

  function start() {
    mountHeader();
    refreshDue().catch(function () { if (dueBadge) dueBadge.hidden = true; });
    document.addEventListener("selectionchange", function () { clearTimeout(start.sel); start.sel = setTimeout(onSelection, 120); });
    dashboard = document.getElementById("companion-dashboard");
    if (dashboard) renderDashboard(dashboard); else trackReading();
    if (location.hash === "#companion") open();
    // on a chapter page the index is built in the background, so the first Explain is immediate
    if (document.querySelector('main p[id^="p-"]')) (window.requestIdleCallback || setTimeout)(function () { loadIndex().catch(function () {}); });
  }
  window.mlsysCompanion = {
    ready: function () { return loadIndex(); },
    lastExplain: function () { return lastExplain; },
    search: function (text, k) { return loadData().then(function (book) { return search(book, text, k); }).then(function (hits) {
      return hits.map(function (p) { return { url: p.url, section: p.section, top: p.top, chapter: p.chapter.url }; }); }); },
    explain: explain, open: open, show: show, dueCount: refreshDue, exportData: exportData, importData: importData, ask: ask
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
