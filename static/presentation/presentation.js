// Presentation mode keys: ← / → (or PageUp / PageDown) the previous / next priority area, Esc leaves the mode.
// Static: it clicks the footer's own links, so it holds no data and no address.
(function () {
  if (window.__presentationKeys) return;
  window.__presentationKeys = true;
  var KEYS = {ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev", Escape: "exit"};
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable='true']")) return;
    var name = KEYS[event.key];
    var link = name && document.querySelector(".st-key-present_" + name + " a");
    if (link) {
      event.preventDefault();
      link.click();
    }
  });
})();
