/* The referral page: the town follows the postcode.
 *
 * When four digits are typed in the postcode field, the town of that postcode (the server's pinned list of
 * Danish postcodes) is written into the town field, unless the town field holds something typed by hand.
 * Without this file the server fills in an empty town when the form is sent.
 */
(function () {
  "use strict";

  const form = document.getElementById("referral-form");
  const postcode = document.getElementById("id_postcode");
  const city = document.getElementById("id_city");
  if (!form || !postcode || !city || !form.dataset.townUrl) {
    return;
  }
  // The town last written here: a town equal to it (or an empty one) may be replaced; anything else was typed.
  let filled = "";
  let asked = "";

  function lookUp() {
    const digits = postcode.value.trim();
    if (!/^[0-9]{4}$/.test(digits) || digits === asked) {
      return;
    }
    asked = digits;
    const url = form.dataset.townUrl + "?postcode=" + encodeURIComponent(digits);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { town: "" }; })
      .then(function (answer) {
        if (postcode.value.trim() !== digits || !answer.town) {
          return;
        }
        const current = city.value.trim();
        if (current === "" || current === filled) {
          city.value = answer.town;
          filled = answer.town;
          city.dispatchEvent(new Event("change", { bubbles: true }));
        }
      })
      .catch(function () { asked = ""; });
  }

  postcode.addEventListener("input", lookUp);
  postcode.addEventListener("change", lookUp);
  lookUp();
})();
