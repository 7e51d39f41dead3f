/* The end form of a placement: "back to step 2" follows the reason at once.
 *
 * Choosing a reason ticks the box when the placement broke and unticks it when it was completed or the
 * citizen was hired with ordinary hours (the form's data-not-broken), and notes in the hidden ticked_for
 * field which reason the box was set for. A box changed by hand afterwards is left as it is. Without this
 * file the server applies the same rule when the form is sent (EndPlacementForm.clean).
 */
(function () {
  "use strict";

  const form = document.getElementById("end-placement-form");
  if (!form) {
    return;
  }
  const reason = form.querySelector("select[name=reason]");
  const ticked_for = form.querySelector("input[name=ticked_for]");
  const notBroken = (form.dataset.notBroken || "").split(" ").filter(Boolean);

  reason.addEventListener("change", function () {
    const box = form.querySelector("input[name=back_to_step_2]");
    if (box) {
      box.checked = notBroken.indexOf(reason.value) === -1;
    }
    if (ticked_for) {
      ticked_for.value = reason.value;
    }
  });
})();
