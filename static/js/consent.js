// The consent form: organisations picked by name from the ledger, and the form recorded in
// place inside another page (the apply page). No inline scripts (CSP); everything delegated
// from the document, so that a form loaded later by htmx works the same.
//
// The picker: supply's search answers buttons carrying data-name and data-code; picking one
// adds a chip with two hidden inputs (recipients_name, recipients_code) that the form posts.
// Without JavaScript the search stays hidden and the form offers typed rows instead.
(function () {
  "use strict";

  function pickerOf(el) {
    return el.closest("[data-recipient-picker]");
  }

  function pickedCodes(picker) {
    return Array.from(picker.querySelectorAll("[data-chosen] input[name$='_code']")).map(function (i) {
      return i.value;
    });
  }

  function addChip(picker, name, code) {
    if (pickedCodes(picker).indexOf(code) !== -1) return;
    const template = picker.querySelector("template[data-chip-template]");
    const chip = template.content.firstElementChild.cloneNode(true);
    chip.querySelector("[data-chip-name]").textContent = name;
    chip.querySelector("[data-chip-code]").textContent = code;
    chip.querySelector("[data-chip-name-input]").value = name;
    chip.querySelector("[data-chip-code-input]").value = code;
    picker.querySelector("[data-chosen]").appendChild(chip);
  }

  // Show the organisations only when the consent names them.
  function syncScope(form) {
    if (!form) return;
    const scope = form.querySelector("select[name=scope]");
    if (!scope) return;
    const named = scope.value === "named";
    form.querySelectorAll("[data-scope-named]").forEach(function (block) {
      block.hidden = !named && !block.querySelector(".invalid-feedback");
    });
  }

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-recipient-picker] [data-needs-js]").forEach(function (el) {
      el.hidden = false;
    });
    const forms = root.matches && root.matches("form") ? [root] : Array.from(root.querySelectorAll("form"));
    forms.forEach(syncScope);
  }

  function opener() {
    return document.querySelector("[data-consent-opener]");
  }

  document.addEventListener("click", function (event) {
    const pick = event.target.closest("[data-pick-organization]");
    if (pick && pickerOf(pick)) {
      event.preventDefault();
      const picker = pickerOf(pick);
      addChip(picker, pick.getAttribute("data-name"), pick.getAttribute("data-code"));
      // A "pick at least one" refusal is answered: its message goes.
      picker.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
      picker.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
      const search = picker.querySelector("input[type=search]");
      const results = picker.querySelector("[data-results]");
      if (results) results.innerHTML = "";
      if (search) {
        search.value = "";
        search.focus();
      }
      return;
    }
    const unpick = event.target.closest("[data-unpick]");
    if (unpick && pickerOf(unpick)) {
      const picker = pickerOf(unpick);
      unpick.closest("li").remove();
      const search = picker.querySelector("input[type=search]");
      if (search && !search.closest("[hidden]")) search.focus();
      return;
    }
    const close = event.target.closest("[data-close-in-place]");
    if (close) {
      const slot = close.closest("[data-consent-slot]");
      if (slot) slot.innerHTML = "";
      const button = opener();
      if (button) {
        button.hidden = false;
        button.focus();
      }
    }
  });

  // Enter in the search box searches; it must not send the consent form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-recipient-picker] input[type=search]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[name=scope]")) syncScope(event.target.form);
  });

  // The consent form loaded in place: hide the button that loaded it, show its first field.
  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail && event.detail.target;
    if (target && target.matches && target.matches("[data-consent-slot]")) {
      const button = opener();
      if (button) button.hidden = true;
      const first = target.querySelector("select, input:not([type=hidden]), textarea");
      if (first) {
        first.focus({ preventScroll: true });
        target.scrollIntoView({ block: "start", behavior: "instant" });
      }
    }
  });

  // The consent panel refreshed after consent was recorded: the focus (on the form's button,
  // now gone) goes to the panel's new state, so that the worker — and a screen reader — hear it.
  document.addEventListener("htmx:afterSettle", function (event) {
    const panel = event.target;
    if (panel && panel.id === "consent-panel" && panel.isConnected) {
      const state = panel.querySelector("#consent-state");
      if (state && document.activeElement === document.body) {
        state.setAttribute("tabindex", "-1");
        state.focus({ preventScroll: true });
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:load", function (event) {
    init(event.detail && event.detail.elt);
  });
})();
