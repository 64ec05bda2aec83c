// Sex and date of birth read from a citizen ID number (GB 11643-1999) as the worker types it.
//
// The same rules as the server (needs/idnumbers.py, accounts/identifiers.py): NFKC first, so
// full-width digits are 0-9; spaces and dashes dropped; x read as X; a digit of another script
// refused; a 15-digit legacy number takes "19" before its year and a computed check character;
// then length, format, a birth date that exists and is not in the future, and the check
// character. The number is the authority: a valid number fills the row's sex and date of birth
// when they are empty (or were filled from a number before); a sex or date the worker chose
// that disagrees with it is never overwritten, it is named next to the field, as the server
// does when the form is saved (services.id_number_disagreements).
//
// Works for every element marked data-idnumber="number|sex|birth_date" inside one row
// (data-idnumber-row, else the fieldset), by event delegation, so rows that formset.js adds
// work too. The messages are the server's, from <script type="application/json"
// id="idnumber-messages">. No inline scripts (CSP).
(function () {
  "use strict";

  const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const CHECK = "10X98765432";
  const SEPARATORS = /[ \t\r\n-]/g;
  const ANY_DIGIT = /\p{Nd}/u;
  let catalogue = null;

  function messages() {
    if (catalogue === null) {
      const data = document.getElementById("idnumber-messages");
      catalogue = data ? JSON.parse(data.textContent) : {};
    }
    return catalogue;
  }

  function say(key, values) {
    const template = messages()[key] || key;
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && name in values ? String(values[name]) : whole;
    });
  }

  // --- The number ------------------------------------------------------------------------

  function compact(value) {
    return value.normalize("NFKC").replace(SEPARATORS, "").toUpperCase();
  }

  function foreignDigit(text) {
    for (const char of text) {
      if (ANY_DIGIT.test(char) && !(char >= "0" && char <= "9")) return char;
    }
    return null;
  }

  function checkCharacter(first17) {
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
    return CHECK[sum % 11];
  }

  function pad(n, size) {
    return String(n).padStart(size, "0");
  }

  function localToday() {
    const now = new Date();
    return pad(now.getFullYear(), 4) + "-" + pad(now.getMonth() + 1, 2) + "-" + pad(now.getDate(), 2);
  }

  // YYYY-MM-DD of a date that exists (year 1 and later, as Python's datetime), or null.
  function existingDate(year, month, day) {
    if (year < 1 || month < 1 || month > 12 || day < 1) return null;
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
      return null;
    }
    return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2);
  }

  function invalid(message) {
    return { state: "invalid", message: message };
  }

  // What a typed value is: empty, still being typed (complete=false only), invalid with the
  // reason, or valid with its sex and date of birth. "complete" is true once the worker has
  // left the field: a short number is then too short, and 15 digits are a legacy number.
  function read(raw, complete) {
    const number = compact(raw || "");
    if (!number) return { state: "empty" };
    const foreign = foreignDigit(number);
    if (foreign) return invalid(say("foreign_digit", { char: foreign }));
    let full = number;
    if (number.length === 15 && /^[0-9]{15}$/.test(number)) {
      if (!complete) return { state: "typing", count: number.length };
      full = number.slice(0, 6) + "19" + number.slice(6);
      full += checkCharacter(full);
    }
    if (full.length > 18) return invalid(say("length"));
    if (full.length < 18) {
      if (complete) return invalid(say("length"));
      // A letter among the digits is wrong already; anything else may still become a number.
      if (/[^0-9]/.test(full)) return invalid(say("format"));
      return { state: "typing", count: full.length };
    }
    if (!/^[0-9]{17}[0-9X]$/.test(full)) return invalid(say("format"));
    const date = existingDate(
      Number(full.slice(6, 10)), Number(full.slice(10, 12)), Number(full.slice(12, 14))
    );
    if (date === null) return invalid(say("birth_date"));
    if (date > localToday()) return invalid(say("future"));
    if (checkCharacter(full) !== full[17]) return invalid(say("checksum"));
    return {
      state: "valid",
      number: full,
      date: date,
      sex: Number(full[16]) % 2 === 1 ? "male" : "female",
    };
  }

  // --- The page --------------------------------------------------------------------------

  function rowOf(el) {
    return el.closest("[data-idnumber-row]") || el.closest("fieldset") || el.form || document;
  }

  function fieldIn(row, kind) {
    return row.querySelector('[data-idnumber="' + kind + '"]');
  }

  // The note under a field (created on first use), read out by screen readers when it changes.
  function note(field, text, problem) {
    const id = field.id + "_idnumber";
    let el = document.getElementById(id);
    if (!el) {
      if (!text) return;
      el = document.createElement("div");
      el.id = id;
      el.className = "form-text idnumber-note";
      el.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", el);
      const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      described.push(id);
      field.setAttribute("aria-describedby", described.join(" "));
    }
    el.textContent = text || "";
    el.hidden = !text;
    el.classList.toggle("idnumber-problem", !!(text && problem));
    // Marked invalid by this script only: the server's own marks are left to the server.
    if (text && problem) {
      if (!field.classList.contains("is-invalid")) {
        field.classList.add("is-invalid");
        field.dataset.idnumberInvalid = "1";
      }
    } else if (field.dataset.idnumberInvalid) {
      field.classList.remove("is-invalid");
      delete field.dataset.idnumberInvalid;
    }
  }

  // The server's error of a field: replaced by the live check once the worker changes it.
  function retireServerError(field) {
    const error = document.getElementById(field.id + "_error");
    if (error) {
      error.classList.remove("d-block");
      error.classList.add("d-none");
    }
    if (field.getAttribute("aria-invalid") === "true") {
      field.classList.remove("is-invalid");
      field.removeAttribute("aria-invalid");
    }
  }

  function hasServerError(field) {
    const error = document.getElementById(field.id + "_error");
    return !!(error && !error.classList.contains("d-none"));
  }

  function sexLabel(value) {
    return say(value);
  }

  function disagreement(kind, reading) {
    return kind === "sex"
      ? say("sex_disagrees", { sex: sexLabel(reading.sex) })
      : say("birth_date_disagrees", { date: reading.date });
  }

  // Bring one field (sex or birth_date) in line with the number's reading.
  function settle(field, kind, reading, onLoad) {
    if (!field) return;
    const filled = field.dataset.idnumberFilled;
    const ours = filled !== undefined && field.value === filled;
    if (!reading) {
      // No valid number (any more): take back what this script filled, keep what was typed.
      if (ours) field.value = "";
      delete field.dataset.idnumberFilled;
      note(field, "");
      return;
    }
    const derived = kind === "sex" ? reading.sex : reading.date;
    if (field.value === derived) {
      note(field, "");
      return;
    }
    // Empty, filled by this script, or shown for a stored number (not the worker's word).
    if (field.value === "" || ours || field.dataset.idDerived === "stored") {
      field.value = derived;
      field.dataset.idnumberFilled = derived;
      delete field.dataset.idDerived;
      note(field, "");
      return;
    }
    // The worker's own value disagrees: say so, keep it. On a page the server sent back with
    // this very error, its message is already there.
    if (onLoad && hasServerError(field)) return;
    note(field, disagreement(kind, reading), true);
  }

  function check(row, complete, onLoad) {
    const number = fieldIn(row, "number");
    if (!number) return;
    const reading = read(number.value, complete);
    if (reading.state === "valid") {
      note(number, say("filled", { sex: sexLabel(reading.sex), date: reading.date }), false);
    } else if (reading.state === "invalid") {
      if (!(onLoad && hasServerError(number))) note(number, reading.message, true);
    } else if (reading.state === "typing") {
      note(number, say("typing", { count: reading.count }), false);
    } else {
      note(number, "");
    }
    const valid = reading.state === "valid" ? reading : null;
    settle(fieldIn(row, "sex"), "sex", valid, onLoad);
    settle(fieldIn(row, "birth_date"), "birth_date", valid, onLoad);
  }

  // The worker set the sex or the date of birth: it is theirs now, compared with the number.
  function chosen(field) {
    delete field.dataset.idnumberFilled;
    delete field.dataset.idDerived;
    const row = rowOf(field);
    const number = fieldIn(row, "number");
    const reading = number ? read(number.value, true) : null;
    if (!reading || reading.state !== "valid") {
      note(field, "");
      return;
    }
    retireServerError(field);
    const kind = field.getAttribute("data-idnumber");
    const derived = kind === "sex" ? reading.sex : reading.date;
    note(field, field.value === "" || field.value === derived ? "" : disagreement(kind, reading), true);
  }

  function handle(event, complete) {
    const field = event.target;
    if (!(field instanceof Element)) return;
    const kind = field.getAttribute("data-idnumber");
    if (kind === "number") {
      if (complete) retireServerError(field);
      check(rowOf(field), complete, false);
    } else if (kind === "sex" || kind === "birth_date") {
      chosen(field);
    }
  }

  document.addEventListener("input", function (event) { handle(event, false); });
  document.addEventListener("change", function (event) { handle(event, true); });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('[data-idnumber="number"]').forEach(function (number) {
      if (number.value) check(rowOf(number), true, true);
    });
  });
})();
