// Mermaid diagrams are rendered in the browser from the vendored mermaid.min.js, themed like the page.
(function () {
  if (typeof mermaid === "undefined") return;
  var dark = document.documentElement.dataset.theme === "dark";
  mermaid.initialize({ startOnLoad: false, theme: dark ? "dark" : "default", securityLevel: "strict" });
  mermaid.run({ querySelector: "pre.mermaid" });
})();
