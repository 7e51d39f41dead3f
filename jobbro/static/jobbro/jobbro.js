/* Behaviour every page shares, kept out of the templates so the Content-Security-Policy can forbid inline
 * script: a button with data-jb-print prints the page; a button with data-jb-check="all" or "none" ticks or
 * unticks every checkbox in the fieldset it names by id (data-jb-target). Such buttons are hidden until this
 * script shows them, so a browser without script never offers a button that does nothing. A table frame
 * (.jb-table-wrap) whose table is wider than it gets the class jb-scrolls.
 */
(function () {
  "use strict";

  function setChecks(button) {
    const fieldset = document.getElementById(button.getAttribute("data-jb-target"));
    if (!fieldset) {
      return;
    }
    const checked = button.getAttribute("data-jb-check") === "all";
    fieldset.querySelectorAll('input[type="checkbox"]').forEach(function (box) {
      box.checked = checked;
    });
  }

  document.addEventListener("click", function (event) {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) {
      return;
    }
    if (target.closest("[data-jb-print]")) {
      window.print();
    }
    const check = target.closest("[data-jb-check]");
    if (check) {
      setChecks(check);
    }
  });

  // A table wider than its frame is marked, so the style sheet can shade the edge that hides columns.
  function markScrolling() {
    document.querySelectorAll(".jb-table-wrap").forEach(function (wrap) {
      wrap.classList.toggle("jb-scrolls", wrap.scrollWidth > wrap.clientWidth + 1);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-jb-check]").forEach(function (button) {
      button.hidden = false;
    });
    markScrolling();
  });
  window.addEventListener("resize", markScrolling);
  document.addEventListener("htmx:afterSettle", markScrolling);
})();
