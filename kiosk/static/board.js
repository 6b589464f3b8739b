// The hall board: the open jobs a page at a time (a TV never scrolls), the page turning
// every few seconds; refitted whenever htmx swaps in fresh data or the screen changes.
// Calls that do not fit are left out (the oldest ones, at the bottom).
(function () {
  "use strict";
  var page = 0;
  var pageCount = 1;

  function board() { return document.getElementById("board"); }

  function toArray(list) { return Array.prototype.slice.call(list); }

  // Rows grouped into pages that each fit in `room` pixels.
  function paginate(rows, room) {
    var pages = [];
    var current = [];
    var used = 0;
    rows.forEach(function (row) {
      var h = row.getBoundingClientRect().height;
      if (current.length && used + h > room) {
        pages.push(current);
        current = [];
        used = 0;
      }
      current.push(row);
      used += h;
    });
    if (current.length) pages.push(current);
    return pages;
  }

  function fitJobs(root) {
    var viewport = root.querySelector(".jobs-viewport");
    var pager = root.querySelector(".pager");
    var rows = toArray(root.querySelectorAll("table.jobs tbody tr"));
    if (!viewport || !rows.length) {
      pageCount = 1;
      page = 0;
      if (pager) pager.hidden = true;
      return;
    }
    rows.forEach(function (r) { r.hidden = false; });
    var head = root.querySelector("table.jobs thead");
    var room = viewport.clientHeight - (head ? head.getBoundingClientRect().height : 0);
    var pages = paginate(rows, room);
    pageCount = pages.length;
    if (page >= pageCount) page = 0;
    rows.forEach(function (r) { r.hidden = true; });
    pages[page].forEach(function (r) { r.hidden = false; });
    root.setAttribute("data-page", String(page + 1));
    root.setAttribute("data-pages", String(pageCount));
    if (pager) {
      pager.hidden = pageCount < 2;
      pager.textContent = (pager.getAttribute("data-label") || "")
        .replace("{n}", String(page + 1))
        .replace("{total}", String(pageCount));
    }
  }

  function fitCalls(root) {
    var list = root.querySelector(".calls");
    if (!list) return;
    var calls = toArray(list.querySelectorAll(".call"));
    calls.forEach(function (c) { c.hidden = false; });
    var bottom = list.getBoundingClientRect().bottom;
    calls.forEach(function (c) {
      if (c.getBoundingClientRect().bottom > bottom + 1) c.hidden = true;
    });
  }

  function fit() {
    var root = board();
    if (!root) return;
    fitJobs(root);
    fitCalls(root);
    root.setAttribute("data-fitted", "true");
  }

  function turn() {
    page = pageCount > 1 ? (page + 1) % pageCount : 0;
    fit();
  }

  function offline(on) {
    var note = document.querySelector(".board-offline");
    if (note) note.hidden = !on;
  }

  function start() {
    var root = board();
    if (!root) return;
    var ms = parseInt(root.getAttribute("data-page-ms") || "", 10) || 10000;
    fit();
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(fit);
    window.setInterval(turn, ms);
    window.addEventListener("resize", fit);
    document.addEventListener("htmx:afterSwap", function (ev) {
      if (ev.target === board()) fit();
    });
    // A board that cannot reach the server says so rather than pass old data off as live.
    document.addEventListener("htmx:sendError", function () { offline(true); });
    document.addEventListener("htmx:responseError", function () { offline(true); });
    document.addEventListener("htmx:afterRequest", function (ev) {
      if (ev.detail && ev.detail.successful) offline(false);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
