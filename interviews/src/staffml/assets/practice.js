// StaffML practice mode: spaced repetition in the browser, state in localStorage, no network.
// The scheduler follows FSRS-6 with the default weights, learning steps and no fuzz, matching
// the `fsrs` Python package the `staffml` CLI uses, so a card is scheduled the same in both.
// Question text is only ever inserted with textContent: nothing from the bank is parsed as HTML.
(function () {
  "use strict";

  var W = [0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542];
  var DESIRED_RETENTION = 0.9;
  var MAX_INTERVAL_DAYS = 36500;
  var MINUTE = 60 * 1000;
  var DAY = 24 * 60 * MINUTE;
  var LEARNING_STEPS = [1 * MINUTE, 10 * MINUTE];
  var RELEARNING_STEPS = [10 * MINUTE];
  var DECAY = -W[20];
  var FACTOR = Math.pow(0.9, 1 / DECAY) - 1;
  var LEARNING = 1, REVIEW = 2, RELEARNING = 3;
  var AGAIN = 1, HARD = 2, GOOD = 3, EASY = 4;
  var STORAGE_KEY = "staffml.practice.v1";

  function clamp(x, lo, hi) { return Math.min(Math.max(x, lo), hi); }
  function clampStability(s) { return Math.max(s, 0.001); }
  function initialStability(g) { return clampStability(W[g - 1]); }
  function initialDifficultyRaw(g) { return W[4] - Math.exp(W[5] * (g - 1)) + 1; }
  function initialDifficulty(g) { return clamp(initialDifficultyRaw(g), 1, 10); }
  function retrievability(card, now) {
    if (card.last === null || card.s === null) return 0;
    var days = Math.max(0, Math.floor((now - card.last) / DAY));
    return Math.pow(1 + FACTOR * days / card.s, DECAY);
  }
  function nextInterval(s) {
    var days = Math.round((s / FACTOR) * (Math.pow(DESIRED_RETENTION, 1 / DECAY) - 1));
    return clamp(days, 1, MAX_INTERVAL_DAYS);
  }
  function shortTermStability(s, g) {
    var inc = Math.exp(W[17] * (g - 3 + W[18])) * Math.pow(s, -W[19]);
    if (g >= HARD) inc = Math.max(inc, 1);
    return clampStability(s * inc);
  }
  function nextDifficulty(d, g) {
    var delta = -(W[6] * (g - 3));
    var damped = d + (10 - d) * delta / 9;
    return clamp(W[7] * initialDifficultyRaw(EASY) + (1 - W[7]) * damped, 1, 10);
  }
  function nextStability(d, s, r, g) {
    var next;
    if (g === AGAIN) {
      var longTerm = W[11] * Math.pow(d, -W[12]) * (Math.pow(s + 1, W[13]) - 1) * Math.exp((1 - r) * W[14]);
      var shortTerm = s / Math.exp(W[17] * W[18]);
      next = Math.min(longTerm, shortTerm);
    } else {
      var hardPenalty = g === HARD ? W[15] : 1;
      var easyBonus = g === EASY ? W[16] : 1;
      next = s * (1 + Math.exp(W[8]) * (11 - d) * Math.pow(s, -W[9]) *
        (Math.exp((1 - r) * W[10]) - 1) * hardPenalty * easyBonus);
    }
    return clampStability(next);
  }

  function newCard() { return { state: LEARNING, step: 0, s: null, d: null, due: 0, last: null }; }

  // One review; `now` and all times are epoch milliseconds.
  function review(card, g, now) {
    var c = { state: card.state, step: card.step, s: card.s, d: card.d, due: card.due, last: card.last };
    var sinceDays = c.last === null ? null : Math.floor((now - c.last) / DAY);
    var steps = c.state === RELEARNING ? RELEARNING_STEPS : LEARNING_STEPS;
    var interval;
    if (c.s === null || c.d === null) {
      c.s = initialStability(g);
      c.d = initialDifficulty(g);
    } else if (sinceDays !== null && sinceDays < 1) {
      c.s = shortTermStability(c.s, g);
      c.d = nextDifficulty(c.d, g);
    } else {
      c.s = nextStability(c.d, c.s, retrievability(card, now), g);
      c.d = nextDifficulty(c.d, g);
    }
    if (c.state === REVIEW) {
      if (g === AGAIN) {
        c.state = RELEARNING; c.step = 0; interval = RELEARNING_STEPS[0];
      } else {
        interval = nextInterval(c.s) * DAY;
      }
    } else if (c.step >= steps.length && g !== AGAIN) {
      c.state = REVIEW; c.step = null; interval = nextInterval(c.s) * DAY;
    } else if (g === AGAIN) {
      c.step = 0; interval = steps[0];
    } else if (g === HARD) {
      if (c.step === 0 && steps.length === 1) interval = steps[0] * 1.5;
      else if (c.step === 0) interval = (steps[0] + steps[1]) / 2;
      else interval = steps[c.step];
    } else if (g === GOOD && c.step + 1 < steps.length) {
      c.step += 1; interval = steps[c.step];
    } else {
      c.state = REVIEW; c.step = null; interval = nextInterval(c.s) * DAY;
    }
    c.due = now + interval;
    c.last = now;
    return c;
  }

  var scheduler = { newCard: newCard, review: review, retrievability: retrievability };

  // ----- storage ----------------------------------------------------------------------------
  function emptyState() { return { version: 1, cards: {}, log: [] }; }

  function loadState(notice) {
    var raw = null;
    try { raw = window.localStorage.getItem(STORAGE_KEY); } catch (e) { raw = null; }
    if (raw === null) return emptyState();
    try {
      var state = JSON.parse(raw);
      if (!state || state.version !== 1 || typeof state.cards !== "object" || !Array.isArray(state.log)) {
        throw new Error("unexpected shape");
      }
      return state;
    } catch (e) {
      window.localStorage.setItem(STORAGE_KEY + ".unreadable", raw);
      notice("Saved practice progress was unreadable and has been set aside (key " + STORAGE_KEY +
        ".unreadable); starting fresh.");
      return emptyState();
    }
  }

  function saveState(state) {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
  }

  // ----- DOM helpers (textContent only) ----------------------------------------------------
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Mirrors staffml.text.blocks: blank lines separate blocks; runs of "- " lines become lists.
  function prose(text) {
    var box = el("div", "prose");
    text.split(/\n\s*\n/).forEach(function (block) {
      var ul = null;
      block.split("\n").forEach(function (line) {
        if (!line.trim()) return;
        if (/^\s*- /.test(line)) {
          if (!ul) { ul = el("ul"); box.appendChild(ul); }
          ul.appendChild(el("li", null, line.replace(/^\s*- /, "")));
        } else {
          ul = null;
          box.appendChild(el("p", null, line));
        }
      });
    });
    return box;
  }

  function list(items) {
    var ul = el("ul");
    items.forEach(function (item) { ul.appendChild(el("li", null, item)); });
    return ul;
  }

  // ----- the practice page ------------------------------------------------------------------
  function levelRank(level) { return ["junior", "mid", "senior", "staff"].indexOf(level); }

  // Deterministic shuffle key so new questions mix areas instead of following file order.
  function mixKey(id) {
    var h = 5381;
    for (var i = 0; i < id.length; i++) h = ((h * 33) ^ id.charCodeAt(i)) >>> 0;
    return h;
  }

  function chapterLink(chapter, title) {
    if (!/^vol[12]\/[a-z0-9_]+$/.test(chapter)) return null;
    var slug = chapter.split("/")[1];
    var a = el("a", null, title || chapter);
    a.href = "../" + chapter + "/" + slug + ".html";
    return a;
  }

  function start(root, questions, clock, labels) {
    var now = clock || function () { return Date.now(); };
    labels = labels || { track: {}, area: {}, level: {}, chapter: {} };
    function label(kind, value) { return (labels[kind] && labels[kind][value]) || value; }
    var noticeBox = el("p", "notice");
    noticeBox.hidden = true;
    function notice(message) { noticeBox.textContent = message; noticeBox.hidden = false; }
    var state = loadState(notice);

    var filters = el("div", "filters");
    var selects = {};
    [["track", "All tracks", "Track"], ["area", "All areas", "Area"], ["level", "All levels", "Level"]].forEach(function (pair) {
      var select = el("select");
      select.id = "filter-" + pair[0];
      // a visible label names each filter for screen readers too (axe-core: select-name)
      var caption = el("label", null, pair[2]);
      caption.htmlFor = select.id;
      select.appendChild(new Option(pair[1], ""));
      var values = [];
      questions.forEach(function (q) { if (values.indexOf(q[pair[0]]) < 0) values.push(q[pair[0]]); });
      values.sort().forEach(function (v) { select.appendChild(new Option(label(pair[0], v), v)); });
      select.addEventListener("change", next);
      selects[pair[0]] = select;
      caption.appendChild(select);
      filters.appendChild(caption);
    });
    var stats = el("p", "stats");
    stats.id = "stats";
    var card = el("article", "card");
    card.id = "card";
    var resetButton = el("button", "reset", "Reset progress");
    resetButton.type = "button";
    resetButton.addEventListener("click", function () {
      if (window.confirm("Forget all practice progress stored in this browser?")) {
        state = emptyState(); saveState(state); next();
      }
    });
    root.textContent = "";
    [noticeBox, filters, stats, card, resetButton].forEach(function (n) { root.appendChild(n); });

    function pool() {
      return questions.filter(function (q) {
        return ["track", "area", "level"].every(function (k) { return !selects[k].value || q[k] === selects[k].value; });
      });
    }

    function queue() {
      var t = now();
      var qs = pool();
      var due = qs.filter(function (q) { var c = state.cards[q.id]; return c && c.due <= t; })
        .sort(function (a, b) { return state.cards[a.id].due - state.cards[b.id].due; });
      var fresh = qs.filter(function (q) { return !state.cards[q.id]; }).sort(function (a, b) {
        return (levelRank(a.level) - levelRank(b.level)) || (mixKey(a.id) - mixKey(b.id));
      });
      return { due: due, fresh: fresh, seen: qs.length - fresh.length, total: qs.length };
    }

    function next() {
      var q = queue();
      stats.textContent = q.due.length + " due · " + q.fresh.length + " new · " + q.seen + " of " +
        q.total + " seen · " + state.log.length + " reviews in this browser";
      var current = q.due[0] || q.fresh[0];
      card.textContent = "";
      if (!current) {
        var upcoming = pool().map(function (x) { return state.cards[x.id] && state.cards[x.id].due; })
          .filter(Boolean).sort(function (a, b) { return a - b; });
        card.appendChild(el("p", "done", upcoming.length ?
          "Nothing due. Next review: " + new Date(upcoming[0]).toLocaleString() + "." :
          "No questions match these filters."));
        return;
      }
      show(current);
    }

    function show(question) {
      card.dataset.questionId = question.id;
      card.appendChild(el("h2", "title", question.title));
      card.appendChild(el("p", "meta", [label("track", question.track), label("area", question.area),
        label("level", question.level)].join(" · ")));
      card.appendChild(prose(question.scenario));
      var answer = el("section", "answer");
      answer.hidden = true;
      answer.appendChild(el("h3", null, "A strong answer covers"));
      answer.appendChild(list(question.strong_answer));
      answer.appendChild(el("h3", null, "Worked solution"));
      answer.appendChild(prose(question.solution));
      answer.appendChild(el("h3", null, "Common mistakes"));
      answer.appendChild(list(question.common_mistakes));
      answer.appendChild(el("h3", null, "Follow-ups"));
      answer.appendChild(list(question.follow_ups));
      var more = el("p", "more", "Read more: ");
      question.chapters.forEach(function (chapter, i) {
        var a = chapterLink(chapter, label("chapter", chapter));
        if (!a) return;
        if (i) more.appendChild(document.createTextNode(" · "));
        more.appendChild(a);
      });
      answer.appendChild(more);
      var grades = el("div", "grades");
      [["Again", AGAIN], ["Hard", HARD], ["Good", GOOD], ["Easy", EASY]].forEach(function (pair) {
        var button = el("button", "grade grade-" + pair[0].toLowerCase(), pair[0]);
        button.type = "button";
        button.addEventListener("click", function () { grade(question, pair[1]); });
        grades.appendChild(button);
      });
      answer.appendChild(grades);
      var reveal = el("button", "reveal", "Show answer");
      reveal.type = "button";
      reveal.addEventListener("click", function () { answer.hidden = false; reveal.hidden = true; });
      card.appendChild(reveal);
      card.appendChild(answer);
    }

    function grade(question, rating) {
      var t = now();
      var c = state.cards[question.id] || newCard();
      state.cards[question.id] = review(c, rating, t);
      state.log.push({ id: question.id, rating: rating, at: t });
      saveState(state);
      next();
    }

    next();
    return { state: function () { return state; }, next: next };
  }

  // The mock-interview page (mock.js) reuses the scheduler, the storage key and these DOM helpers.
  window.StaffMLPractice = { scheduler: scheduler, start: start, storageKey: STORAGE_KEY,
    dom: { el: el, prose: prose, list: list } };

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("practice");
    if (root && window.STAFFML_QUESTIONS) {
      window.StaffMLPractice.session = start(root, window.STAFFML_QUESTIONS.questions, null,
        window.STAFFML_QUESTIONS.labels);
    }
  });
})();
