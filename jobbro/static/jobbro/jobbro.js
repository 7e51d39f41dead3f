/* Behaviour every page shares, kept out of the templates so the Content-Security-Policy can forbid inline
 * script: a button with data-jb-print prints the page; a button with data-jb-check="all" or "none" ticks or
 * unticks every checkbox in the fieldset it names by id (data-jb-target). Such buttons are hidden until this
 * script shows them, so a browser without script never offers a button that does nothing. A table frame
 * (.jb-table-wrap) whose table is wider than it gets the class jb-scrolls. A form with data-jb-confirm asks that
 * question before it is sent (a removal or deletion that one click would otherwise do).
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

  document.addEventListener("submit", function (event) {
    const form = event.target instanceof HTMLFormElement ? event.target : null;
    const question = form ? form.getAttribute("data-jb-confirm") : null;
    if (question && !window.confirm(question)) {
      event.preventDefault();
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
