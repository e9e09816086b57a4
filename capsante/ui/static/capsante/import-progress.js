// Poll an import's state while it runs and reload the page once it has finished.
(function () {
  var box = document.getElementById("import-state");
  if (!box || box.dataset.finished === "1") { return; }
  var bar = document.getElementById("import-progress");
  var step = document.getElementById("import-step");
  var live = document.getElementById("import-live");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (bar) { bar.value = state.percent; bar.textContent = state.percent + " %"; }
        if (step) { step.textContent = state.step || state.status_label; }
        if (state.finished) {
          if (live) { live.textContent = state.status_label + " : " + state.summary; }
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
