// kuaizhao kiosk behaviour. No inline script anywhere (the CSP forbids it); every page
// works without this file, which only makes it quicker and friendlier to touch.
(function () {
  "use strict";
  var body = document.body;
  var lang = (document.documentElement.lang || "zh-CN").toLowerCase();

  function closest(el, selector) {
    return el && el.closest ? el.closest(selector) : null;
  }

  // -- one submit per form: a double tap must not post twice (the server also dedupes
  // by request id) -------------------------------------------------------------------
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.hasAttribute("data-once")) return;
    if (form.dataset.sent === "1") { ev.preventDefault(); return; }
    form.dataset.sent = "1";
    var submitter = ev.submitter;
    if (submitter) submitter.setAttribute("aria-busy", "true");
  });

  // A page restored from the back/forward cache may belong to someone who has gone
  // (the session was reset since): fetch it again, and the server decides.
  window.addEventListener("pageshow", function (ev) {
    if (ev.persisted) window.location.reload();
  });

  // -- immediate pressed feedback: a touchscreen reports pointerdown at once, :active
  // only later, and some taps are too short to show it at all ---------------------------
  var PRESSABLE = ".btn, .tile-btn, .key, .door";
  var pressed = null;
  var pressedAt = 0;
  function release() {
    if (!pressed) return;
    var el = pressed;
    pressed = null;
    // Keep the pressed look long enough to be seen.
    window.setTimeout(function () { el.classList.remove("is-pressed"); },
      Math.max(0, 120 - (Date.now() - pressedAt)));
  }
  document.addEventListener("pointerdown", function (ev) {
    var el = closest(ev.target, PRESSABLE);
    if (!el || el.disabled) return;
    release();
    pressed = el;
    pressedAt = Date.now();
    el.classList.add("is-pressed");
  });
  ["pointerup", "pointercancel", "pointerleave", "dragstart"].forEach(function (name) {
    document.addEventListener(name, release, true);
  });

  // -- no long-press menus on a shared screen: a held finger (or a right click) would open
  // Chromium's menu (copy, search, print, inspect) or a text-selection callout over the
  // kiosk, and the next person would find it there. A phone (narrow) is its owner's and
  // keeps its menus: pasting a number is useful there. --------------------------------------
  var shared = window.innerWidth >= 600;
  function typing(el) {
    return !!closest(el, "input, textarea, [contenteditable]");
  }
  document.addEventListener("contextmenu", function (ev) {
    if (shared) ev.preventDefault();
  }, true);
  document.addEventListener("selectstart", function (ev) {
    if (shared && !typing(ev.target)) ev.preventDefault();
  }, true);

  // -- marking fields the server refused --------------------------------------------------
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

  // -- the phone keypad -------------------------------------------------------------------
  var MAX_DIGITS = 11;
  function keypadField(pad) {
    var form = closest(pad, "form");
    return form ? form.querySelector("[data-keypad-target]") : null;
  }
  document.addEventListener("click", function (ev) {
    var key = closest(ev.target, "[data-key]");
    if (!key) return;
    var field = keypadField(closest(key, "[data-keypad]"));
    if (!field) return;
    ev.preventDefault();
    var k = key.getAttribute("data-key");
    var value = field.value.replace(/\D/g, "");
    if (k === "back") value = value.slice(0, -1);
    else if (k === "clear") value = "";
    else if (value.length < MAX_DIGITS) value += k;
    field.value = value;
    field.removeAttribute("aria-invalid");
    // Focus stays in the field: a card scanner types into whatever has focus.
    field.focus({ preventScroll: true });
    speak(k === "back" || k === "clear" ? key.textContent : k);
  });
  function setupKeypads() {
    var pads = document.querySelectorAll("[data-keypad]");
    for (var i = 0; i < pads.length; i++) {
      var field = keypadField(pads[i]);
      if (!field) continue;
      // Where the big keypad shows (a kiosk), the system keyboard stays down; on a phone
      // the keypad is hidden and the phone's own number pad is used.
      var shown = pads[i].offsetParent !== null;
      field.setAttribute("inputmode", shown ? "none" : "numeric");
      if (shown) field.focus({ preventScroll: true });
    }
  }

  // -- −/+ steppers: change the value in place (without script each is a post) ------
  function toMinutes(hhmm) {
    var p = String(hhmm).split(":");
    return parseInt(p[0], 10) * 60 + parseInt(p[1], 10);
  }
  function toHHMM(m) {
    var h = Math.floor(m / 60), mm = m % 60;
    return (h < 10 ? "0" : "") + h + ":" + (mm < 10 ? "0" : "") + mm;
  }
  function fmtNumber(x) {
    return String(Math.round(x * 100) / 100);
  }
  document.addEventListener("click", function (ev) {
    var btn = closest(ev.target, "[data-delta]");
    if (!btn) return;
    var box = closest(btn, "[data-stepper]");
    if (!box) return;
    ev.preventDefault();
    var input = box.querySelector("[data-stepper-input]");
    var shown = box.querySelector("[data-stepper-shown]");
    var time = box.getAttribute("data-kind") === "time";
    var read = time ? toMinutes : parseFloat;
    var value = read(input.value), delta = parseFloat(btn.getAttribute("data-delta"));
    var low = read(box.getAttribute("data-min")), high = read(box.getAttribute("data-max"));
    value = Math.min(high, Math.max(low, value + delta));
    input.value = time ? toHHMM(value) : fmtNumber(value);
    // A note saying why the stepper stops there (the minimum wage) shows at its lowest.
    var minNote = document.querySelector("[data-min-note='" + input.name + "']");
    if (minNote) minNote.hidden = value > low;
    // The lowest value may read as words, without the unit ("多少都行", not "0 元/天").
    var lowLabel = box.getAttribute("data-low-label");
    var atLow = !!lowLabel && value <= low;
    shown.textContent = atLow ? lowLabel : input.value;
    var out = box.querySelector(".stepper-value");
    var unit = out.querySelector(".unit");
    if (unit && lowLabel) unit.hidden = atLow;
    out.classList.remove("bump");
    void out.offsetWidth; // restart the animation
    out.classList.add("bump");
    speak(shown.textContent);
  });

  // -- spoken prompts: never required, never an error without a voice ------------------
  var synth = ("speechSynthesis" in window) ? window.speechSynthesis : null;
  function voice() {
    if (!synth) return null;
    var want = lang.indexOf("zh") === 0 ? "zh" : "en";
    var voices = [];
    try { voices = synth.getVoices() || []; } catch (e) { return null; }
    var best = null;
    for (var i = 0; i < voices.length; i++) {
      var vl = String(voices[i].lang || "").toLowerCase().replace("_", "-");
      if (vl.indexOf(want) !== 0) continue;
      if (!best || vl === "zh-cn") best = voices[i];
    }
    return best;
  }
  function speak(text) {
    var v = voice();
    if (!v || !text) return false;
    try {
      synth.cancel();
      var u = new window.SpeechSynthesisUtterance(String(text).trim());
      u.voice = v;
      u.lang = v.lang;
      u.rate = 0.9;
      synth.speak(u);
      return true;
    } catch (e) {
      return false;
    }
  }
  function screenText() {
    var parts = [];
    var els = document.querySelectorAll("[data-say]");
    for (var i = 0; i < els.length; i++) {
      if (els[i].offsetParent !== null || els[i].id === "question") parts.push(els[i].textContent.trim());
    }
    return parts.join("。 ");
  }
  function setupSpeech() {
    var buttons = document.querySelectorAll("[data-listen]");
    var has = !!voice();
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = !has;
    return has;
  }
  document.addEventListener("click", function (ev) {
    if (closest(ev.target, "[data-listen]")) { speak(screenText()); return; }
    var tile = closest(ev.target, "[data-say-label]");
    if (tile && ev.target.tagName !== "INPUT") speak(tile.getAttribute("data-say-label"));
  });

  // -- idle: "还在用吗?", a countdown, then a hard reset -----------------------------------
  // Only where the page asks for it, and only on a shared screen: a phone (narrow) is
  // its owner's, and resetting it would only lose the employer's page.
  function setupIdle() {
    var idleS = parseFloat(body.getAttribute("data-idle-seconds"));
    var countS = parseFloat(body.getAttribute("data-countdown-seconds"));
    var overlay = document.getElementById("idle");
    if (!(idleS > 0) || !(countS > 0) || !overlay || window.innerWidth < 600) return;
    var left = overlay.querySelector("[data-idle-left]");
    var stay = overlay.querySelector("[data-idle-stay]");
    var idleTimer = null, tick = null, remaining = 0, resetting = false;

    function arm() {
      window.clearTimeout(idleTimer);
      idleTimer = window.setTimeout(ask, idleS * 1000);
    }
    function ask() {
      remaining = Math.round(countS);
      left.textContent = String(remaining);
      overlay.hidden = false;
      stay.focus({ preventScroll: true });
      speak(overlay.querySelector("h2").textContent);
      tick = window.setInterval(function () {
        remaining -= 1;
        left.textContent = String(Math.max(0, remaining));
        if (remaining <= 0) reset();
      }, 1000);
    }
    function stillHere() {
      window.clearInterval(tick);
      overlay.hidden = true;
      arm();
    }
    function reset() {
      if (resetting) return;
      resetting = true;
      window.clearInterval(tick);
      window.clearTimeout(idleTimer);
      // Client state first: the page's content goes (and with it every live region, so no
      // poll runs on for the person who left), whatever the network does.
      var main = document.getElementById("main");
      if (main) main.replaceChildren();
      try { window.sessionStorage.clear(); window.localStorage.clear(); } catch (e) { /* private mode */ }
      var home = body.getAttribute("data-home-url") || "/";
      var go = function () { window.location.replace(home); };
      // The server forgets the session (its cookie is cleared by the answer).
      // The same CSRF header htmx sends (body's hx-headers), or the reset is refused.
      var headers = { "HX-Request": "true" };
      try {
        var extra = JSON.parse(body.getAttribute("hx-headers") || "{}");
        Object.keys(extra).forEach(function (k) { headers[k] = extra[k]; });
      } catch (e) { /* no token: the server refuses and the session ages out */ }
      fetch(body.getAttribute("data-reset-url"), {
        method: "POST", credentials: "same-origin", headers: headers
      }).then(go, go);
    }
    stay.addEventListener("click", function (ev) { ev.stopPropagation(); stillHere(); });
    ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (name) {
      document.addEventListener(name, function () { if (overlay.hidden) arm(); }, true);
    });
    arm();
  }

  function start() {
    markErrors();
    setupKeypads();
    if (setupSpeech()) {
      // Chrome may refuse to speak before a tap on this page; the 听一听 button works.
      if (body.hasAttribute("data-step")) speak(screenText());
    } else if (synth && "onvoiceschanged" in synth) {
      synth.addEventListener("voiceschanged", setupSpeech);
    }
    setupIdle();
  }

  document.addEventListener("click", function (ev) {
    if (closest(ev.target, "[data-print]")) window.print();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
