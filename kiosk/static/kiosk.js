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
  // Mark the fields the server refused and bring the first one into view: the
  // summary at the top alone leaves a person hunting down a long form.
  function markErrors() {
    var first = null;
    var errs = document.querySelectorAll(".field-error[data-field]");
    for (var i = 0; i < errs.length; i++) {
      var name = errs[i].getAttribute("data-field");
      var field = document.querySelector('[name="' + name + '"]');
      if (!field) continue;
      field.setAttribute("aria-invalid", "true");
      if (errs[i].id) field.setAttribute("aria-describedby", errs[i].id);
      if (!first) first = field;
    }
    if (first) {
      first.scrollIntoView({ block: "center" });
      first.focus({ preventScroll: true });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markErrors);
  } else {
    markErrors();
  }
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-print]") : null;
    if (el) { window.print(); }
  });
})();
