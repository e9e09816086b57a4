// "Autour de moi": an enhancement of the search form. Without a script (or without the
// browser's position) the person types a commune or a postcode; with it, the button appears and
// sends the same form with the position the browser gives, after the browser has asked.
(function () {
  var button = document.querySelector("[data-around-me]");
  if (!button || !("geolocation" in navigator)) return;
  var form = button.form;
  var status = document.getElementById("around-me-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "Recherche de votre position…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(5);
        form.elements.lon.value = position.coords.longitude.toFixed(5);
        form.elements.q.value = "";
        form.submit();
      },
      function () {
        status.textContent = "Votre position n’est pas disponible : écrivez le nom de votre commune ou son code postal.";
      },
      { timeout: 10000, maximumAge: 600000 }
    );
  });
})();
