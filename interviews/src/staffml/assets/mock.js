// StaffML mock interview (timed gauntlet) in the browser, inside the site's page shell.
// Questions are picked like `staffml mock`: one per area, rising level, a system-design case last.
// Each question has its own countdown, redrawn four times a second; at zero the interview moves on.
// Afterwards every answer is shown beside the worked solution and self-scored; only answers with
// notes AND a score count as answered, and scores feed the practice page's FSRS schedule.
// Question text is only ever inserted with textContent (practice.js's DOM helpers).
(function () {
  "use strict";

  var STORAGE_KEY = "staffml.mock.v1";
  var MINUTES_PER_QUESTION = 9;
  var TICK_MS = 250;
  var LEVELS = ["junior", "mid", "senior", "staff"];
  var GRADES = [["Again", 1], ["Hard", 2], ["Good", 3], ["Easy", 4]];

  // Loaded after practice.js, whose DOM helpers (textContent only) and scheduler it shares.
  var dom = window.StaffMLPractice.dom;
  var el = dom.el, prose = dom.prose, list = dom.list;

  function clockText(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var m = Math.floor(s / 60);
    s = s % 60;
    return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  // mulberry32: a seeded generator so `?seed=` (and the tests) can replay one interview.
  function seeded(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function shuffle(items, random) {
    var out = items.slice();
    for (var i = out.length - 1; i > 0; i--) {
      var j = Math.floor(random() * (i + 1));
      var tmp = out[i]; out[i] = out[j]; out[j] = tmp;
    }
    return out;
  }

  // Same rule as staffml.cli.pick_mock_questions.
  function pick(questions, minutes, track, random) {
    var count = Math.max(1, Math.floor(minutes / MINUTES_PER_QUESTION));
    var pool = questions.filter(function (q) { return !track || q.track === track; });
    var design = pool.filter(function (q) { return q.area === "system-design"; });
    var others = shuffle(pool.filter(function (q) { return q.area !== "system-design"; }), random);
    var wantDesign = count >= 3 && design.length > 0;
    var chosen = [], areas = {};
    for (var i = 0; i < others.length && chosen.length < count - (wantDesign ? 1 : 0); i++) {
      if (!areas[others[i].area]) { chosen.push(others[i]); areas[others[i].area] = true; }
    }
    chosen.sort(function (a, b) { return LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level); });
    if (wantDesign) chosen.push(design[Math.floor(random() * design.length)]);
    return chosen;
  }

  function loadHistory() {
    try {
      var raw = window.localStorage.getItem(STORAGE_KEY);
      var data = raw ? JSON.parse(raw) : null;
      if (data && data.version === 1 && Array.isArray(data.sessions)) return data;
      if (raw) window.localStorage.setItem(STORAGE_KEY + ".unreadable", raw);
    } catch (e) {
      try { window.localStorage.setItem(STORAGE_KEY + ".unreadable", window.localStorage.getItem(STORAGE_KEY)); }
      catch (ignored) { /* storage unavailable */ }
    }
    return { version: 1, sessions: [] };
  }

  function answered(a) { return a.notes.trim() !== "" && a.score !== null; }

  // Feed self-scores into the practice page's schedule (same storage and FSRS code).
  function schedule(answers, at) {
    var practice = window.StaffMLPractice;
    var key = practice.storageKey;
    var state;
    try { state = JSON.parse(window.localStorage.getItem(key)); } catch (e) { state = null; }
    if (!state || state.version !== 1 || typeof state.cards !== "object" || !Array.isArray(state.log)) {
      if (window.localStorage.getItem(key) !== null) return;  // unreadable: the practice page sets it aside
      state = { version: 1, cards: {}, log: [] };
    }
    answers.forEach(function (a, i) {
      if (!answered(a)) return;
      var t = at + i;  // distinct times, as the CLI does
      state.cards[a.id] = practice.scheduler.review(state.cards[a.id] || practice.scheduler.newCard(), a.score, t);
      state.log.push({ id: a.id, rating: a.score, at: t, source: "mock" });
    });
    window.localStorage.setItem(key, JSON.stringify(state));
  }

  function start(root, questions, options) {
    options = options || {};
    var now = options.now || function () { return Date.now(); };
    var labels = options.labels || { track: {}, area: {}, level: {} };
    function label(kind, value) { return (labels[kind] && labels[kind][value]) || value; }
    var timer = null;
    var session = null;

    function clear() {
      if (timer !== null) { window.clearInterval(timer); timer = null; }
      root.textContent = "";
    }

    function setup() {
      clear();
      var form = el("form", "mock-setup");
      form.id = "mock-setup";
      var minutes = el("select");
      minutes.id = "mock-minutes";
      [15, 30, 45, 60].forEach(function (m) {
        var option = new Option(m + " minutes (" + Math.max(1, Math.floor(m / MINUTES_PER_QUESTION)) +
          " questions)", String(m));
        if (m === 45) option.selected = true;
        minutes.appendChild(option);
      });
      var track = el("select");
      track.id = "mock-track";
      track.appendChild(new Option("All tracks", ""));
      var tracks = [];
      questions.forEach(function (q) { if (tracks.indexOf(q.track) < 0) tracks.push(q.track); });
      tracks.sort().forEach(function (t) { track.appendChild(new Option(label("track", t), t)); });
      var go = el("button", "mock-start", "Start the interview");
      go.type = "submit";
      // visible labels name the two choices for screen readers too (axe-core: select-name)
      [["Length", minutes], ["Track", track]].forEach(function (pair) {
        var caption = el("label", null, pair[0] + " ");
        caption.htmlFor = pair[1].id;
        caption.appendChild(pair[1]);
        form.appendChild(caption);
      });
      form.appendChild(go);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        begin(Number(minutes.value), track.value);
      });
      root.appendChild(form);
      root.appendChild(historyView());
    }

    function begin(minutes, track, seed) {
      var random = seeded(seed === undefined ? (options.seed !== undefined ? options.seed : now()) : seed);
      var chosen = pick(questions, minutes, track, random);
      if (!chosen.length) { root.appendChild(el("p", "notice", "No questions match that track.")); return; }
      session = {
        started: now(), minutes: minutes, track: track || null, perQuestionMs: minutes * 60000 / chosen.length,
        questions: chosen, answers: [], index: -1
      };
      advance();
    }

    function advance() {
      session.index += 1;
      if (session.index >= session.questions.length) { review(); return; }
      ask(session.questions[session.index]);
    }

    function ask(question) {
      clear();
      var askedAt = now();
      var card = el("article", "card mock-question");
      card.dataset.questionId = question.id;
      var clock = el("p", "mock-clock");
      clock.id = "mock-clock";
      clock.setAttribute("role", "timer");
      card.appendChild(el("p", "meta", "Question " + (session.index + 1) + " of " + session.questions.length +
        " · " + [label("track", question.track), label("area", question.area), label("level", question.level)]
          .join(" · ")));
      card.appendChild(clock);
      card.appendChild(el("h2", "title", question.title));
      card.appendChild(prose(question.scenario));
      var notes = el("textarea", "mock-notes");
      notes.id = "mock-notes";
      notes.rows = 8;
      notes.placeholder = "Your answer: assumptions, the numbers, the verdict, what you would do next.";
      card.appendChild(notes);
      var done = el("button", "mock-done", session.index + 1 < session.questions.length ?
        "Done: next question" : "Done: review my answers");
      done.type = "button";
      card.appendChild(done);
      root.appendChild(card);

      var finished = false;
      function finish(timedOut) {
        if (finished) return;
        finished = true;
        window.clearInterval(timer);
        timer = null;
        session.answers.push({
          id: question.id, notes: notes.value, score: null, timedOut: timedOut,
          elapsedS: Math.min(session.perQuestionMs, now() - askedAt) / 1000
        });
        advance();
      }
      function tick() {
        var left = session.perQuestionMs - (now() - askedAt);
        clock.textContent = "⏱ " + clockText(left) + " left";
        clock.classList.toggle("mock-clock-low", left < 60000);
        if (left <= 0) finish(true);
      }
      done.addEventListener("click", function () { finish(false); });
      tick();
      timer = window.setInterval(tick, TICK_MS);
      notes.focus();
    }

    function review() {
      clear();
      var finishedAt = now();
      root.appendChild(el("h2", null, "Review your answers"));
      var summary = el("p", "mock-summary");
      summary.id = "mock-summary";
      root.appendChild(summary);
      var table = el("table", "mock-times");
      table.id = "mock-times";
      var head = el("tr");
      ["Question", "Time", "Outcome"].forEach(function (h) { head.appendChild(el("th", null, h)); });
      table.appendChild(head);
      var rows = [];
      session.answers.forEach(function (answer, i) {
        var question = session.questions[i];
        var card = el("article", "card mock-review");
        card.dataset.questionId = question.id;
        card.appendChild(el("h3", "title", (i + 1) + ". " + question.title));
        card.appendChild(prose(question.scenario));
        card.appendChild(el("h4", null, "Your notes" + (answer.timedOut ? " (time ran out)" : "")));
        card.appendChild(answer.notes.trim() ? prose(answer.notes) : el("p", "mock-empty", "No answer written."));
        card.appendChild(el("h4", null, "A strong answer covers"));
        card.appendChild(list(question.strong_answer));
        card.appendChild(el("h4", null, "Worked solution"));
        card.appendChild(prose(question.solution));
        card.appendChild(el("h4", null, "Common mistakes"));
        card.appendChild(list(question.common_mistakes));
        if (answer.notes.trim()) {
          var grades = el("div", "grades");
          GRADES.forEach(function (pair) {
            var button = el("button", "grade grade-" + pair[0].toLowerCase(), pair[0]);
            button.type = "button";
            button.addEventListener("click", function () {
              answer.score = pair[1];
              Array.prototype.forEach.call(grades.children, function (b) { b.classList.remove("chosen"); });
              button.classList.add("chosen");
              update();
            });
            grades.appendChild(button);
          });
          card.appendChild(grades);
        } else {
          card.appendChild(el("p", "mock-empty", "Not counted as answered and not scored."));
        }
        root.appendChild(card);
        var row = el("tr");
        row.appendChild(el("td", null, question.title));
        row.appendChild(el("td", null, clockText(answer.elapsedS * 1000)));
        var outcome = el("td");
        row.appendChild(outcome);
        rows.push(outcome);
        table.appendChild(row);
      });
      root.appendChild(table);
      var save = el("button", "mock-save", "Save this interview");
      save.id = "mock-save";
      save.type = "button";
      save.addEventListener("click", function () {
        var history = loadHistory();
        history.sessions.push({
          started: session.started, finished: finishedAt, minutes: session.minutes, track: session.track,
          answers: session.answers.map(function (a) {
            return { id: a.id, notes: a.notes, score: a.score, elapsed_s: a.elapsedS, timed_out: a.timedOut };
          })
        });
        window.localStorage.setItem(STORAGE_KEY, JSON.stringify(history));
        schedule(session.answers, now());
        setup();
      });
      root.appendChild(save);

      function update() {
        var count = session.answers.filter(answered).length;
        var timed = session.answers.filter(function (a) { return a.timedOut; }).length;
        summary.textContent = "Answered " + count + " of " + session.answers.length +
          " (notes written and self-scored) · " + timed + " ran out of time.";
        session.answers.forEach(function (a, i) {
          rows[i].textContent = (answered(a) ? "answered" : a.notes.trim() ? "not scored yet" : "no answer") +
            (a.timedOut ? " · time ran out" : "");
        });
      }
      update();
    }

    function historyView() {
      var box = el("section", "mock-history");
      box.id = "mock-history";
      var sessions = loadHistory().sessions;
      box.appendChild(el("h2", null, "Your mock interviews"));
      if (!sessions.length) {
        box.appendChild(el("p", null, "None yet. Scores and times stay in this browser."));
        return box;
      }
      var table = el("table");
      var head = el("tr");
      ["Date", "Answered", "Mean score", "Ran out of time"].forEach(function (h) { head.appendChild(el("th", null, h)); });
      table.appendChild(head);
      sessions.forEach(function (s) {
        var done = s.answers.filter(function (a) { return a.notes.trim() !== "" && a.score !== null; });
        var mean = done.length ? (done.reduce(function (sum, a) { return sum + a.score; }, 0) / done.length).toFixed(1) : "–";
        var row = el("tr");
        [new Date(s.started).toLocaleDateString(), done.length + " of " + s.answers.length, mean,
          String(s.answers.filter(function (a) { return a.timed_out; }).length)].forEach(function (cell) {
          row.appendChild(el("td", null, cell));
        });
        table.appendChild(row);
      });
      box.appendChild(table);
      return box;
    }

    setup();
    return { begin: begin, session: function () { return session; } };
  }

  window.StaffMLMock = { start: start, pick: pick, storageKey: STORAGE_KEY };

  function boot() {
    var root = document.getElementById("staffml-mock");
    if (root && window.STAFFML_QUESTIONS) {
      window.StaffMLMock.session = start(root, window.STAFFML_QUESTIONS.questions,
        { labels: window.STAFFML_QUESTIONS.labels });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
