// The companion's retrieval, off the page's main thread: MiniSearch (BM25) over the book's paragraph-level
// passages. companion.js posts the passages once, then asks queries; indexing never blocks reading.
importScripts(new URL("vendor/minisearch.js", self.location.href).href);

var STOP = new Set(("a an and are as at be by for from has have in is it its of on or that the this to was were " +
  "which with what why how does do can when where who will would there their than then these those into not " +
  "one our we you your if so such also more most may").split(" "));
var index = null, chapters = [];

function processTerm(term) {
  term = term.toLowerCase();
  return STOP.has(term) ? null : term;
}

self.onmessage = function (event) {
  var m = event.data;
  if (m.type === "index") {
    index = new MiniSearch({ fields: ["text", "heading"], processTerm: processTerm });
    chapters = m.docs.map(function (d) { return d.chapter; });
    index.addAll(m.docs);
    // one query of each kind before saying ready: the reader's first selection is not the one that pays
    // for compiling MiniSearch's search path
    search("memory bandwidth of the accelerator", 5, "");
    search("memory", 5, "");
    self.postMessage({ type: "ready" });
  } else if (m.type === "search") {
    self.postMessage({ type: "result", id: m.id, ids: search(m.text, m.k, m.chapter) });
  }
};

function search(text, k, chapter) {
  // prefix matching helps a two-word selection ("roofl"...), costs time on a paragraph and adds nothing there
  var words = text.split(/\s+/).filter(Boolean).length;
  var hits = index.search(text, {
    combineWith: "OR", boost: { heading: 1.5 }, prefix: words <= 4 ? function (t) { return t.length > 4; } : false,
    filter: chapter ? function (r) { return chapters[r.id] === chapter; } : undefined
  });
  return hits.slice(0, k).map(function (h) { return h.id; });
}
