/* The hours page: keyboard-only entry of a week of hours.
 *
 * Enter in a row's field saves the row (its form posts through HTMX and the row comes back
 * re-rendered) and the cursor moves straight on to the next row's ordinary hours, so the
 * next row can be typed while the save is under way. Tab goes ordinary → internship → the
 * next row's ordinary hours (the row's links stay reachable with Shift+Tab). Each save's
 * outcome is read out through one polite live region. Without this file the forms post
 * the page as usual.
 */
(function () {
  "use strict";

  function isHoursInput(element) {
    return element instanceof HTMLInputElement && element.classList.contains("jb-hours");
  }

  function nextRow(row) {
    let candidate = row ? row.nextElementSibling : null;
    while (candidate && !candidate.querySelector("input.jb-hours")) {
      candidate = candidate.nextElementSibling;
    }
    return candidate;
  }

  function focusFirstInput(row) {
    const input = row ? row.querySelector("input.jb-hours") : null;
    if (input) {
      input.focus();
      input.select();
    }
    return input;
  }

  document.addEventListener("keydown", function (event) {
    const input = event.target;
    if (!isHoursInput(input) || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) {
      return;
    }
    const row = input.closest("tr");
    if (event.key === "Enter") {
      event.preventDefault();
      const form = input.form;
      if (!form) {
        return;
      }
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit();
      } else {
        form.submit();
      }
      focusFirstInput(nextRow(row));
    } else if (event.key === "Tab" && !event.shiftKey && input.dataset.field === "internship") {
      if (focusFirstInput(nextRow(row))) {
        event.preventDefault();
      }
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    const announcer = document.getElementById("hours-announcer");
    const target = event.detail && event.detail.target;
    const row = target && target.id ? document.getElementById(target.id) : null;
    if (!announcer || !row || !row.classList.contains("jb-hours-row")) {
      return;
    }
    // The last row has no next row to move on to, so the cursor is still in it (or was lost with the
    // swap): put it in the field in error, if there is one, else back in the row.
    const active = document.activeElement;
    if (!active || active === document.body || row.contains(active)) {
      const invalid = row.querySelector("input.jb-hours[aria-invalid='true']");
      const field = invalid || (row.contains(active) ? null : row.querySelector("input.jb-hours"));
      if (field) {
        field.focus();
        field.select();
      }
    }
    const name = row.querySelector(".jb-citizen-name");
    const status = row.querySelector(".jb-status");
    const errors = Array.from(row.querySelectorAll(".form-error-message")).map(function (e) { return e.textContent.trim(); });
    const parts = [name ? name.textContent.trim() : "", status ? status.textContent.trim() : ""].concat(errors);
    announcer.textContent = parts.filter(Boolean).join(": ");
  });
})();
