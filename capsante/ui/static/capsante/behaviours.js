// Behaviours declared in the markup. The content security policy runs no inline script and no
// inline handler (onclick, onchange): pages say what they want with data- attributes, and this
// file, served by the platform, does it. Every page works without it (a "Filtrer" button in
// <noscript>, the browser's own print command).
(function () {
  "use strict";
  // <select data-submit-on-change>: choosing an option sends its form.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-submit-on-change]") && field.form) {
      field.form.submit();
    }
  });
  // <button data-action="print">: prints the page.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-action='print']");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  // <input data-shown-if="q12" data-shown-if-value="Oui">: the question (its group) is shown
  // only while the field q12 of the same form has that answer (a questionnaire's conditions;
  // without this file every question shows, with its condition written in its hint).
  function groupOf(field) {
    return field.closest(".fr-fieldset, .fr-input-group, .fr-select-group") || field;
  }
  function answered(form, name, value) {
    var fields = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (groupOf(f).hidden) return false;
      var chosen = (f.type === "radio" || f.type === "checkbox") ? f.checked : true;
      if (chosen && f.value === value) return true;
    }
    return false;
  }
  function applyConditions() {
    var dependent = document.querySelectorAll("[data-shown-if]");
    for (var i = 0; i < dependent.length; i++) {
      var field = dependent[i];
      if (!field.form) continue;
      var group = groupOf(field);
      group.hidden = !answered(
        field.form, field.getAttribute("data-shown-if"), field.getAttribute("data-shown-if-value")
      );
      group.style.display = group.hidden ? "none" : ""; // DSFR's display wins over [hidden]
    }
  }
  document.addEventListener("change", applyConditions);
  document.addEventListener("DOMContentLoaded", applyConditions);
})();
