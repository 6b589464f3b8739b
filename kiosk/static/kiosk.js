// kuaizhao kiosk behaviour. No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";
  // A form submits once: a double tap must not post twice (the server also dedupes
  // by request id).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.hasAttribute("data-once")) return;
    if (form.dataset.sent === "1") { ev.preventDefault(); return; }
    form.dataset.sent = "1";
    var btns = form.querySelectorAll("button[type=submit]");
    for (var i = 0; i < btns.length; i++) btns[i].setAttribute("aria-busy", "true");
  });
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-print]") : null;
    if (el) { window.print(); }
  });
})();
