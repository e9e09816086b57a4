// Reload the list of background jobs every few seconds while some wait or run.
(function () {
  var table = document.getElementById("jobs-table");
  if (!table || !table.dataset.refresh) { return; }
  window.setTimeout(function () { window.location.reload(); }, 1000 * Number(table.dataset.refresh));
})();
