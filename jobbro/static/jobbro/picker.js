/* Searchable fields (jobbro/pickers.py): a text input with role="combobox", a hidden input with the chosen id,
 * and a listbox this script fills with the matches the server returns for what was typed.
 *
 * Keys: Down/Up move through the matches, Enter picks the one marked, Escape closes the list. Picking fills the
 * name and the id and fires "change" (a page may reload the part of the form that depends on the field). Typing
 * clears the id, so a name typed and not picked is matched on the server, as without this script.
 *
 * A field with data-method="post" (citizens' names) posts the typed text with the form's CSRF token instead of
 * putting it in the address, so a name never reaches an address or an access log.
 */
(function () {
  "use strict";

  const DELAY_MS = 200;

  function setUp(root) {
    const input = root.querySelector("input[role='combobox']");
    const value = root.querySelector("[data-jb-picker-value]");
    const list = root.querySelector("[role='listbox']");
    const status = root.querySelector("[data-jb-picker-status]");
    if (!input || !value || !list || root.dataset.jbPickerReady) {
      return;
    }
    root.dataset.jbPickerReady = "1";
    let timer = null;
    let request = 0;
    let active = -1;
    let options = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        option.classList.toggle("jb-picker-active", i === index);
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    let announced = null; // the name and id the last "change" was fired for

    function pick(option) {
      input.value = option.dataset.text;
      value.value = option.dataset.id;
      close();
      status.textContent = option.textContent;
      announced = input.value + "\n" + value.value;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    // The browser fires its own "change" when the field loses focus after typing; once the pick has announced
    // that very choice, a second one would make the page reload its dependent part again (and lose what was
    // chosen there meanwhile). Caught on the way down, before it reaches the field.
    root.addEventListener(
      "change",
      function (event) {
        if (event.target === input && event.isTrusted && announced === input.value + "\n" + value.value) {
          event.stopPropagation();
        }
      },
      true
    );

    function show(data) {
      list.replaceChildren();
      options = data.results.map(function (result, i) {
        const option = document.createElement("li");
        option.id = input.id + "-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.id = result.id;
        option.dataset.text = result.text;
        option.textContent = result.label;
        list.appendChild(option);
        return option;
      });
      if (data.more) {
        const more = document.createElement("li");
        more.className = "jb-picker-more";
        more.setAttribute("aria-hidden", "true");
        more.textContent = list.dataset.more || "…";
        list.appendChild(more);
      }
      active = -1;
      const open = options.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      status.textContent = open ? root.dataset.found.replace("%s", options.length) : root.dataset.none;
    }

    function ask() {
      const text = input.value.trim();
      if (!text) {
        close();
        return;
      }
      const mine = ++request;
      const url = new URL(root.dataset.url, window.location.href);
      const init = { headers: { Accept: "application/json" }, credentials: "same-origin" };
      if (root.dataset.method === "post") {
        const form = root.closest("form");
        const token = form ? form.querySelector("input[name='csrfmiddlewaretoken']") : null;
        init.method = "POST";
        init.body = new URLSearchParams({ q: text });
        init.headers["X-CSRFToken"] = token ? token.value : "";
      } else {
        url.searchParams.set("q", text);
      }
      fetch(url, init)
        .then(function (response) {
          return response.ok ? response.json() : { results: [], more: false };
        })
        .then(function (data) {
          if (mine === request) {
            show(data);
          }
        })
        .catch(close);
    }

    input.addEventListener("input", function () {
      value.value = "";
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) {
          ask();
          return;
        }
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        mark((active + step + options.length) % options.length);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        pick(options[active]);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the input
    });
    list.addEventListener("click", function (event) {
      const option = event.target instanceof Element ? event.target.closest("[role='option']") : null;
      if (option) {
        pick(option);
        input.focus();
      }
    });
    input.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });
  }

  function setUpAll(scope) {
    scope.querySelectorAll("[data-jb-picker]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpAll(document);
  });
  document.addEventListener("htmx:load", function (event) {
    setUpAll(event.target);
  });
})();
