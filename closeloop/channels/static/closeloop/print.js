// A "Print" button on pages meant for paper (the case file): no inline code, which the
// Content-Security-Policy would block.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) { window.print(); }
  });
})();
