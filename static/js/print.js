// The "print" button of printable pages (no inline scripts: CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});
