// Pages that update themselves. The page listens to /live/events/ (Server-Sent Events); when
// something it watches changes, it fetches itself again and swaps each [data-live-region] by
// id — unless the person is typing in it, then a bar offers the fresh version. Deadline badges
// with a due time turn "due soon" / "overdue" on the clock, without a reload.
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-live-url");
  var MIN_GAP_MS = 2000; // at most one refresh every two seconds, however busy the centre

  function dirty(region) {
    var active = document.activeElement;
    if (active && active !== body && region.contains(active) &&
        (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT")) {
      return true;
    }
    var fields = region.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden") { continue; }
      if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) { return true; }
        }
      } else if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) { return true; }
      } else if (f.type !== "file" && f.value !== f.defaultValue) {
        return true;
      } else if (f.type === "file" && f.files && f.files.length) {
        return true;
      }
    }
    return false;
  }

  function staleBar() {
    var bar = document.getElementById("live-stale");
    if (bar) { bar.hidden = false; }
  }

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-live-region]").forEach(function (old) {
      var fresh = doc.getElementById(old.id);
      if (!fresh) { return; }
      if (dirty(old)) { staleBar(); return; }
      // Keep open what the person opened.
      var open = {};
      old.querySelectorAll("details[open][data-action], details[open][id]").forEach(function (d) {
        open[d.getAttribute("data-action") || d.id] = true;
      });
      fresh.querySelectorAll("details[data-action], details[id]").forEach(function (d) {
        if (open[d.getAttribute("data-action") || d.id]) { d.open = true; }
      });
      old.replaceWith(fresh);
      if (window.htmx) { window.htmx.process(fresh); }
    });
    var since = doc.body && doc.body.getAttribute("data-live-since");
    if (since) { body.setAttribute("data-live-since", since); }
    tick();
    countdowns();
  }

  var busy = false, again = false, last = 0;
  function refresh() {
    var wait = last + MIN_GAP_MS - Date.now();
    if (busy || wait > 0) {
      if (!again) { again = true; setTimeout(function () { again = false; refresh(); }, Math.max(wait, 200)); }
      return;
    }
    busy = true;
    last = Date.now();
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (r) { return r.ok || r.status === 404 ? r.text() : null; })
      .then(function (html) { if (html) { swap(html); } })
      .catch(function () {})
      .then(function () { busy = false; });
  }

  function listen() {
    var kinds = (body.getAttribute("data-live") || "").split(/\s+/).filter(Boolean);
    if (kinds.indexOf("user") < 0) { kinds.push("user"); }
    var q = "?watch=" + encodeURIComponent(kinds.join(","));
    var ticket = body.getAttribute("data-live-ticket");
    if (ticket) { q += "&ticket=" + encodeURIComponent(ticket); }
    var since = body.getAttribute("data-live-since");
    if (since) { q += "&since=" + encodeURIComponent(since); }
    var source = new EventSource(url + q);
    var opened = false;
    source.addEventListener("hello", function () {
      // A reconnect may have missed changes: catch up once.
      if (opened) { refresh(); }
      opened = true;
    });
    source.addEventListener("change", function (event) {
      var data = JSON.parse(event.data);
      if (data.kinds.some(function (k) { return kinds.indexOf(k) >= 0; })) { refresh(); }
    });
  }

  // Badges: <span class="dl" data-due="ISO" data-warn="ISO">; the labels come from the body.
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".dl[data-due]").forEach(function (badge) {
      var state = badge.getAttribute("data-state");
      var due = Date.parse(badge.getAttribute("data-due"));
      var warn = badge.getAttribute("data-warn") ? Date.parse(badge.getAttribute("data-warn")) : NaN;
      var next = state;
      if (now >= due) { next = "overdue"; } else if (state === "on_track" && now >= warn) { next = "warning"; }
      if (next === state) { return; }
      badge.classList.remove("dl-" + state);
      badge.classList.add("dl-" + next);
      badge.setAttribute("data-state", next);
      badge.textContent = body.getAttribute("data-label-" + next) || next;
      var row = badge.closest("tr");
      if (row) { row.classList.remove("dl-row-" + state); row.classList.add("dl-row-" + next); }
    });
  }

  // Countdowns: <time class="countdown" datetime="ISO" data-countdown>, h:mm:ss left.
  function countdowns() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var left = Math.round((Date.parse(el.getAttribute("datetime")) - now) / 1000);
      var late = left < 0, s = Math.abs(left);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      var text = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
      el.textContent = (late ? "−" : "") + text;
      el.classList.toggle("late", late);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("#live-stale button") : null;
    if (button) { window.location.reload(); }
  });
  if (document.querySelector(".dl[data-due]")) { tick(); }
  countdowns();
  setInterval(function () { tick(); countdowns(); }, 1000);
  if (url && window.EventSource) { listen(); }
})();
