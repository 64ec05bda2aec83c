// Add rows to a Django formset without a page load: clone the <template> that holds the
// formset's empty_form, number it, and count it in TOTAL_FORMS. No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-formset-add]");
    if (!button) return;
    event.preventDefault();
    const prefix = button.getAttribute("data-formset-add");
    const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    const template = document.getElementById(prefix + "-empty");
    const target = document.getElementById(prefix + "-rows");
    if (!total || !template || !target) return;
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    target.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const added = target.lastElementChild;
    if (added) {
      added.scrollIntoView({ behavior: "smooth", block: "start" });
      const first = added.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
  });
})();
