/* Behaviour every page shares, kept out of the templates so the Content-Security-Policy can forbid inline
 * script: a button with data-jb-print prints the page.
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-jb-print]") : null;
    if (button) {
      window.print();
    }
  });
})();
