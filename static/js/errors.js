// A form sent back with errors: list every error in a summary that stays at the top of the
// viewport, each entry a link to its field, and put the focus on the first invalid field.
// On a phone the first error may sit a thousand pixels below the top of the page; without this
// the worker sees the page reload and nothing else. Built from the markup every form already
// has (.invalid-feedback next to the field, .alert-danger for errors of the whole form), so no
// template needs to change. No inline scripts (CSP).
(function () {
  "use strict";

  const FIELDS = "input:not([type=hidden]), select, textarea";

  function text(el) {
    return el ? el.textContent.replace(/\s+/g, " ").replace(/[*:：]\s*$/, "").trim() : "";
  }

  function visible(el) {
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }

  // The field an error message belongs to: named by the message's id (<field id>_error), or the
  // last field before the message in its block.
  function fieldOf(feedback) {
    if (feedback.id && feedback.id.endsWith("_error")) {
      const named = document.getElementById(feedback.id.slice(0, -"_error".length));
      if (named) return named;
    }
    const block = feedback.closest(".mb-3, .mb-2, .form-check, td, fieldset") || feedback.parentElement;
    const fields = Array.from(block.querySelectorAll(FIELDS));
    return fields.length ? fields[0] : null;
  }

  function labelOf(field, feedback) {
    let label = "";
    if (field && field.id) {
      const own = document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
      // A checkbox of a group is labelled by its choice: the group's label names the field.
      if (own && !(field.type === "checkbox" || field.type === "radio")) label = text(own);
    }
    if (!label) {
      const block = feedback.closest(".mb-3, .mb-2, fieldset") || feedback.parentElement;
      label = text(block.querySelector(".form-label, legend"));
    }
    const group = (field || feedback).closest("fieldset");
    const legend = group ? text(group.querySelector("legend")) : "";
    return legend && legend !== label ? legend + " · " + label : label;
  }

  function entries(root) {
    const found = [];
    root.querySelectorAll("form .alert-danger, form .invalid-feedback").forEach(function (el) {
      if (!visible(el) || el.closest("#error-summary")) return;
      const message = text(el);
      if (!message) return;
      if (el.classList.contains("alert-danger")) {
        found.push({ message: message, label: "", target: el });
        return;
      }
      const field = fieldOf(el);
      found.push({ message: message, label: labelOf(field, el), target: field || el });
    });
    // Fields marked invalid without a message of their own (rare): still listed.
    return found;
  }

  function focusOn(target) {
    if (!target.matches(FIELDS)) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center", behavior: "instant" });
  }

  function build(root) {
    const old = document.getElementById("error-summary");
    if (old) old.remove();
    const main = document.getElementById("main");
    if (!main) return;
    const list = entries(root || main);
    if (!list.length) return;
    const summary = document.createElement("div");
    summary.id = "error-summary";
    summary.className = "alert alert-danger error-summary shadow-sm";
    summary.setAttribute("role", "alert");
    summary.setAttribute("aria-labelledby", "error-summary-title");
    const title = document.createElement("div");
    title.id = "error-summary-title";
    title.className = "fw-semibold";
    const template = main.getAttribute("data-error-summary") || "%(count)s";
    title.textContent = template.replace("%(count)s", String(list.length));
    summary.appendChild(title);
    const ul = document.createElement("ul");
    ul.className = "mb-0 ps-3";
    list.forEach(function (entry, index) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.className = "alert-link";
      a.href = entry.target.id ? "#" + entry.target.id : "#";
      a.textContent = entry.label ? entry.label + ":" + entry.message : entry.message;
      a.addEventListener("click", function (event) {
        event.preventDefault();
        focusOn(entry.target);
      });
      a.setAttribute("data-error-index", String(index));
      li.appendChild(a);
      ul.appendChild(li);
    });
    summary.appendChild(ul);
    main.insertBefore(summary, main.firstChild);
    const first = list.find(function (entry) { return entry.target.matches(FIELDS); });
    focusOn(first ? first.target : summary);
  }

  document.addEventListener("DOMContentLoaded", function () { build(); });
  // A form re-rendered by htmx with its errors; or sent again without them (the summary of
  // the errors that were corrected goes). With an outerHTML swap the event's own target is the
  // new content (detail.target may be the element that was replaced).
  document.body.addEventListener("htmx:afterSettle", function (event) {
    const candidates = [event.target, event.detail && event.detail.target];
    const withErrors = candidates.some(function (el) {
      return el && el.isConnected && el.querySelector && el.querySelector(".invalid-feedback, .alert-danger");
    });
    if (withErrors) {
      build();
    } else if (document.getElementById("error-summary") && !entries(document.getElementById("main")).length) {
      document.getElementById("error-summary").remove();
    }
  });
})();
