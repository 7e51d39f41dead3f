// The print view's button (no inline script: the Content-Security-Policy refuses it).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("netgain-print-now");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
});
