/* Copy an address with one click: a button [data-copy="<input id>"] copies that input's value
   and says so in the [data-copy-status] region. The button stays hidden where the page cannot
   copy (no JavaScript, no clipboard): the read-only input is then there to select. Inputs
   marked data-select-on-focus select their whole value when focused. No inline script, so a
   strict Content-Security-Policy holds. */
(function () {
  "use strict";

  function say(button, text) {
    var status = document.querySelector("[data-copy-status]");
    if (status) {
      status.textContent = text;
    }
  }

  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () {
      input.select();
    });
  });

  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(
        function () {
          say(button, button.getAttribute("data-copied"));
        },
        function () {
          input.focus();
          input.select();
        }
      );
    });
  });
})();
