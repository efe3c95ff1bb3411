// Mermaid diagrams are drawn in the browser by the vendored mermaid.min.js, in the page's theme,
// and drawn again when the reader switches between light and dark.
(function () {
  if (typeof mermaid === "undefined") return;
  var diagrams = Array.prototype.slice.call(document.querySelectorAll("pre.mermaid"));
  diagrams.forEach(function (pre) { pre.dataset.source = pre.textContent; });

  function draw() {
    var dark = document.documentElement.dataset.theme === "dark";
    mermaid.initialize({ startOnLoad: false, theme: dark ? "dark" : "default", securityLevel: "strict" });
    diagrams.forEach(function (pre) {
      pre.removeAttribute("data-processed");
      pre.textContent = pre.dataset.source;
    });
    return mermaid.run({ nodes: diagrams });
  }

  draw();
  document.addEventListener("mlsysbook:theme", draw);
})();
