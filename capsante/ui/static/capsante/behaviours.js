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
})();
