/* The hours page: keyboard-only entry of a week of hours.
 *
 * Enter in a row's field saves the row (its form posts through HTMX and the row comes back
 * re-rendered) and the cursor moves straight on to the next row's ordinary hours, so the
 * next row can be typed while the save is under way. Tab goes ordinary → internship → the
 * next row's ordinary hours (from the row's last field: subsidised hours on a wage-subsidy row) (the row's links stay reachable with Shift+Tab). Each save's
 * outcome is read out through one polite live region, and a summary above the table counts
 * the rows not saved ("1 row not saved"), naming them. A field that gets the cursor has its
 * text selected, so typing replaces what is there instead of adding to it. Without this file
 * the forms post the page as usual.
 */
(function () {
  "use strict";

  function isHoursInput(element) {
    return element instanceof HTMLInputElement && element.classList.contains("jb-hours");
  }

  function isLastInRow(input, row) {
    const inputs = row ? row.querySelectorAll("input.jb-hours") : [];
    return inputs.length > 0 && inputs[inputs.length - 1] === input;
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

  function rowsInError() {
    return Array.from(document.querySelectorAll("#hours-table tr.jb-hours-row[data-status='error']"));
  }

  function updateUnsaved() {
    const box = document.getElementById("hours-unsaved");
    if (!box) {
      return;
    }
    const rows = rowsInError();
    box.dataset.count = String(rows.length);
    box.hidden = rows.length === 0;
    const text = box.querySelector(".jb-unsaved-text");
    if (text) {
      text.textContent = rows.length === 1 ? box.dataset.one : box.dataset.many.replace("__N__", String(rows.length));
    }
    const names = box.querySelector(".jb-unsaved-names");
    if (names) {
      names.textContent = "";
      rows.forEach(function (row, index) {
        const name = row.querySelector(".jb-citizen-name");
        const input = row.querySelector("input.jb-hours[aria-invalid='true']") || row.querySelector("input.jb-hours");
        if (!name || !input) {
          return;
        }
        const link = document.createElement("a");
        link.href = "#" + input.id;
        link.textContent = name.textContent.trim();
        link.addEventListener("click", function (event) {
          event.preventDefault();
          input.focus();
        });
        names.appendChild(document.createTextNode(index ? ", " : " "));
        names.appendChild(link);
      });
    }
  }

  function announce(row, extra) {
    const announcer = document.getElementById("hours-announcer");
    if (!announcer || !row) {
      return;
    }
    const name = row.querySelector(".jb-citizen-name");
    const status = row.querySelector(".jb-status");
    const errors = Array.from(row.querySelectorAll(".form-error-message")).map(function (e) { return e.textContent.trim(); });
    const parts = [name ? name.textContent.trim() : "", status ? status.textContent.trim() : ""].concat(errors, extra || []);
    const box = document.getElementById("hours-unsaved");
    if (box && !box.hidden) {
      parts.push(box.querySelector(".jb-unsaved-text").textContent.trim());
    }
    announcer.textContent = parts.filter(Boolean).join(": ");
  }

  // Typing replaces: a field that gets the cursor (on opening the page, by Tab, after Enter) has its text selected.
  document.addEventListener("focusin", function (event) {
    if (isHoursInput(event.target)) {
      event.target.select();
    }
  });
  function selectAutofocused() {
    const active = document.activeElement;
    if (isHoursInput(active)) {
      active.select();
    }
  }
  selectAutofocused();
  document.addEventListener("DOMContentLoaded", selectAutofocused);
  window.addEventListener("load", selectAutofocused);
  document.addEventListener("DOMContentLoaded", updateUnsaved);

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
      // A row just swapped in has its form wired to htmx only when htmx settles it (a timer, later still on
      // a busy machine); Enter before that would post the whole page. Wire it now (htmx skips a form it has
      // already processed).
      if (window.htmx) {
        window.htmx.process(form);
      }
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit();
      } else {
        form.submit();
      }
      focusFirstInput(nextRow(row));
    } else if (event.key === "Tab" && !event.shiftKey && isLastInRow(input, row)) {
      if (focusFirstInput(nextRow(row))) {
        event.preventDefault();
      }
    }
  });

  // A save that never came back as a row (the server failed, the network is down) is a row not saved too.
  function failed(event) {
    const target = event.detail && event.detail.target;
    const row = target && target.id ? document.getElementById(target.id) : null;
    if (!row || !row.classList.contains("jb-hours-row")) {
      return;
    }
    const box = document.getElementById("hours-unsaved");
    row.dataset.status = "error";
    row.classList.add("jb-row-error");
    const status = row.querySelector(".jb-status");
    if (status && box) {
      status.dataset.status = "error";
      status.innerHTML = "";
      const badge = document.createElement("span");
      badge.className = "badge badge-error";
      badge.textContent = box.dataset.failed;
      status.appendChild(badge);
    }
    updateUnsaved();
    announce(row);
  }
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);

  // A saved or refused row is handled the moment it is swapped in, not when htmx settles it (a timer,
  // 20 ms or more later on a busy machine): by then the user may have typed into the field already,
  // and selecting it would swallow what they typed; and another row's outcome, announced in between,
  // would be overwritten by this older one.
  document.addEventListener("htmx:afterSwap", function (event) {
    const announcer = document.getElementById("hours-announcer");
    const target = event.detail && event.detail.target;
    const row = target && target.id ? document.getElementById(target.id) : null;
    if (!announcer || !row || !row.classList.contains("jb-hours-row")) {
      return;
    }
    updateUnsaved();
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
    announce(row);
  });
})();
