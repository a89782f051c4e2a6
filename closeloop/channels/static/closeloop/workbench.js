// Keyboard shortcuts and small conveniences of the workbench. Works without htmx too.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
    // Plain Enter in a one-line field of the intake form does nothing: a caller is on the
    // line, and a stray Enter would save a half-typed case. Only the shortcuts below save.
    // Nor in a form whose buttons are a choice (approve / reject): Enter would press the first.
    if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && target &&
        target.tagName === "INPUT" && target.form &&
        (target.form.hasAttribute("data-save-shortcut") || target.form.hasAttribute("data-choose-button")) &&
        ["submit", "button", "reset", "image"].indexOf(target.type) < 0) {
      event.preventDefault();
      return;
    }
    // Ctrl+Enter (with Shift: Ctrl+Shift+Enter) presses the form's button that advertises it
    // (aria-keyshortcuts, and its tooltip). A form with no such button, e.g. approve/reject,
    // is not sent: the shortcut never chooses for the person.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = target && target.closest ? target.closest("form") : null;
      if (!form) { return; }
      event.preventDefault();
      var keys = event.shiftKey ? "Control+Shift+Enter" : "Control+Enter";
      var button = form.querySelector('[aria-keyshortcuts="' + keys + '"]');
      if (button && !button.disabled) { form.requestSubmit(button); }
      return;
    }
    // "/" focuses the search box, as in most web apps.
    if (event.key === "/" && !typing) {
      var search = document.getElementById("global-search");
      if (search) { event.preventDefault(); search.focus(); }
    }
  });
  // Parts that matter for some channels only (enclosed items for letters and visits, the
  // reception session for a visit): shown for those channels only.
  function toggleEnclosures() {
    var channel = document.getElementById("id_channel");
    if (!channel) { return; }
    document.querySelectorAll("#intake [data-channels]").forEach(function (box) {
      var channels = (box.getAttribute("data-channels") || "").split(",");
      box.hidden = channels.indexOf(channel.value) < 0;
    });
  }
  // The pack's own fields: shown for the kinds that record them, marked where required.
  function togglePackFields() {
    var chosen = document.querySelector("#intake [name=kind]:checked");
    var kind = chosen ? chosen.value : "";
    document.querySelectorAll("[data-field-kinds]").forEach(function (box) {
      var kinds = box.getAttribute("data-field-kinds");
      var required = (box.getAttribute("data-required-kinds") || "").split(",");
      box.hidden = kinds !== "" && kinds.split(",").indexOf(kind) < 0;
      box.classList.toggle("required", required.indexOf(kind) >= 0);
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_channel") { toggleEnclosures(); }
    if (event.target && event.target.name === "kind") { togglePackFields(); }
  });
  // A call half-typed is not lost to a stray click on the menu: leaving intake with something
  // typed asks first (the browser's own question). Saving, of course, does not ask.
  var intakeTyped = false;
  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (form && form.hasAttribute("data-save-shortcut")) { intakeTyped = true; }
  });
  document.addEventListener("submit", function (event) {
    if (event.target && event.target.hasAttribute && event.target.hasAttribute("data-save-shortcut")) {
      intakeTyped = false;
    }
  }, true);
  window.addEventListener("beforeunload", function (event) {
    if (intakeTyped) { event.preventDefault(); event.returnValue = ""; }
  });
  document.addEventListener("DOMContentLoaded", toggleEnclosures);
  document.addEventListener("DOMContentLoaded", togglePackFields);
  // "Answer with this" under a knowledge-base suggestion: the article's answer goes into the
  // form's answer, and the article is recorded. Delegated: the suggestions arrive by htmx.
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("button.use-article") : null;
    var form = button ? button.closest("form") : null;
    if (!form) { return; }
    var answer = form.querySelector("[name=answer]");
    var article = form.querySelector("[name=article]");
    if (answer) { answer.value = button.dataset.answer; }
    if (article) { article.value = button.dataset.article; }
    // Which article the answer came from, at a glance (and for a screen reader).
    form.querySelectorAll("button.use-article").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
  });
  // The menu's "More" is a <details>: it closes as a menu does, on a click elsewhere or on
  // Escape (focus back on "More").
  document.addEventListener("click", function (event) {
    var more = document.getElementById("nav-more");
    if (more && more.open && !more.contains(event.target)) { more.open = false; }
  });
  document.addEventListener("keydown", function (event) {
    var more = document.getElementById("nav-more");
    if (event.key !== "Escape" || !more || !more.open) { return; }
    more.open = false;
    more.querySelector("summary").focus();
  });
})();
