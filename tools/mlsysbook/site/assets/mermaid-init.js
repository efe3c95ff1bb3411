// Mermaid diagrams are drawn in the browser by the vendored mermaid.min.js, in the page's theme, and
// drawn again when the reader switches between light and dark. The library is 3.5 MB, so it is loaded
// only when a diagram comes within a screen of the viewport (a reader who never scrolls there never
// downloads it); the script's data-library attribute says where it is.
(function () {
  var script = document.currentScript;
  var diagrams = Array.prototype.slice.call(document.querySelectorAll("pre.mermaid"));
  if (!diagrams.length || !script) return;
  diagrams.forEach(function (pre) { pre.dataset.source = pre.textContent; });
  var loading = null;

  function library() {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = script.dataset.library;
      tag.onload = resolve;
      tag.onerror = function () { reject(new Error("could not load " + tag.src)); };
      document.head.appendChild(tag);
    });
    return loading;
  }

  function draw() {
    var dark = document.documentElement.dataset.theme === "dark";
    mermaid.initialize({ startOnLoad: false, theme: dark ? "dark" : "default", securityLevel: "strict" });
    diagrams.forEach(function (pre) {
      pre.removeAttribute("data-processed");
      pre.textContent = pre.dataset.source;
    });
    return mermaid.run({ nodes: diagrams });
  }

  function start() {
    library().then(function () {
      draw();
      document.addEventListener("mlsysbook:theme", draw);
    });
  }

  if (!("IntersectionObserver" in window)) { start(); return; }
  var observer = new IntersectionObserver(function (entries) {
    if (entries.some(function (e) { return e.isIntersecting; })) { observer.disconnect(); start(); }
  }, { rootMargin: "100% 0px" });
  diagrams.forEach(function (pre) { observer.observe(pre); });
})();
