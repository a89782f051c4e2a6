// Keyboard shortcuts and small conveniences of the workbench. Works without htmx too.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
    // Plain Enter in a one-line field of the intake form does nothing: a caller is on the
    // line, and a stray Enter would save a half-typed case. Only the shortcuts below save.
    if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && target &&
        target.tagName === "INPUT" && target.form && target.form.hasAttribute("data-save-shortcut") &&
        ["submit", "button", "reset", "image"].indexOf(target.type) < 0) {
      event.preventDefault();
      return;
    }
    // Ctrl+Enter in the intake form: save and start the next call; with Shift: save and open.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = target && target.closest ? target.closest("form") : null;
      if (form && form.hasAttribute("data-save-shortcut")) {
        event.preventDefault();
        var button = form.querySelector(event.shiftKey ? "[data-testid=save-open]" : "[data-testid=save-next]");
        if (button) { form.requestSubmit(button); }
        return;
      }
      if (form) { event.preventDefault(); form.requestSubmit(); }
      return;
    }
    // "/" focuses the search box, as in most web apps.
    if (event.key === "/" && !typing) {
      var search = document.getElementById("global-search");
      if (search) { event.preventDefault(); search.focus(); }
    }
  });
  // Enclosed items only matter for letters and visits: show them for those channels only.
  function toggleEnclosures() {
    var box = document.getElementById("enclosures");
    var channel = document.getElementById("id_channel");
    if (!box || !channel) { return; }
    var channels = (box.getAttribute("data-channels") || "").split(",");
    box.hidden = channels.indexOf(channel.value) < 0;
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
