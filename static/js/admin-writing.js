// The change forms editors write in: a live word count, a warning before leaving with
// unsaved changes, the series' next free part, and no time zone notes on date fields.
// On lists and forms alike, names for the controls the admin's widgets leave unnamed.
"use strict";

// Times are the site's, said once in the field's help; the admin's per-field "You are N
// hours ahead of server time" note is dropped, while its Now/Today shortcuts keep the site's
// time. Runs before the shortcuts are added (on load).
document.addEventListener("DOMContentLoaded", () => {
  if (window.DateTimeShortcuts) window.DateTimeShortcuts.addTimezoneWarning = () => {};
});

function countWords(text) {
  const words = text.trim().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu);
  return words ? words.length : 0;
}

function showWordCount(row) {
  const note = document.createElement("p");
  note.className = "help word-count";
  const source = () => row.querySelector('[contenteditable="true"]') || row.querySelector("textarea");
  const update = () => {
    const element = source();
    const text = element ? (element.value ?? element.innerText) : "";
    const count = countWords(text);
    const words = `${count.toLocaleString()} ${count === 1 ? "word" : "words"}`;
    // The note is inside the watched row: writing the same text again would loop.
    if (note.textContent !== words) note.textContent = words;
  };
  row.append(note);
  update();
  new MutationObserver(update).observe(row, { subtree: true, childList: true, characterData: true });
  row.addEventListener("input", update);
}

// Compares the form with what it held once loaded: the admin's own scripts fire change
// events as they set up, which are no edit.
function warnBeforeLeaving(form) {
  const snapshot = () =>
    [...new FormData(form)]
      .map(([name, value]) => `${name}=${value instanceof File ? value.name : value}`)
      .join("&");
  let loaded = null;
  let submitting = false;
  window.addEventListener("load", () => setTimeout(() => { loaded = snapshot(); }, 0));
  form.addEventListener("submit", () => { submitting = true; });
  window.addEventListener("beforeunload", (event) => {
    if (submitting || loaded === null || snapshot() === loaded) return;
    event.preventDefault();
    event.returnValue = "";
  });
}

// The series box offers the next free part number and warns past the planned total.
function suggestSeriesPart(input) {
  const series = document.getElementById("id_series");
  const note = document.createElement("p");
  note.className = "help series-note";
  note.setAttribute("aria-live", "polite");
  input.closest("div").append(note);
  let info = null;
  const describe = () => {
    if (!info) {
      note.textContent = "";
      return;
    }
    const part = Number(input.value);
    const used = info.used.length ? `Parts used: ${info.used.join(", ")}.` : "No parts yet.";
    const planned = info.planned ? ` Planned: ${info.planned} parts.` : "";
    let warning = "";
    if (info.planned && part > info.planned) {
      warning = ` Part ${part} is past the ${info.planned} parts planned for this series.`;
    }
    note.textContent = `${used}${planned} Next free part: ${info.next}.${warning}`;
    note.classList.toggle("warning", Boolean(warning));
  };
  let asked = 0; // answers for a series chosen before the current one are dropped
  const load = async (fill) => {
    const ask = ++asked;
    if (!series.value) {
      info = null;
      describe();
      return;
    }
    const url = new URL(input.dataset.seriesParts, window.location.href);
    url.searchParams.set("series", series.value);
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok || ask !== asked) return;
    const answer = await response.json();
    if (ask !== asked) return;
    info = answer;
    // Replace an empty box or our own earlier suggestion, never a number the editor typed.
    if (fill && (!input.value || input.value === input.dataset.suggested)) {
      input.value = info.next;
      input.dataset.suggested = String(info.next);
    }
    describe();
  };
  const changed = () => load(true);
  if (window.django && window.django.jQuery) window.django.jQuery(series).on("change", changed);
  else series.addEventListener("change", changed);
  input.addEventListener("input", describe);
  load(false);
}

// Screen readers need a name for every control. The admin's tabular rows, split date and
// time boxes, autocomplete boxes and the body editor come without one: give each the
// words sighted editors read beside it (its column heading or its field's label).
function labelText(element) {
  return element ? element.textContent.replace(/[:?]\s*$/, "").trim() : "";
}

function nameUnnamed(root) {
  const named = (control) =>
    control.labels?.length || control.hasAttribute("aria-label") || control.hasAttribute("aria-labelledby");
  for (const table of root.querySelectorAll("#result_list, .tabular table")) {
    const headings = [...table.querySelectorAll("thead th")];
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, index) => {
        for (const control of cell.querySelectorAll("input:not([type=hidden]), select, textarea")) {
          if (!named(control) && labelText(headings[index])) {
            control.setAttribute("aria-label", labelText(headings[index]));
          }
        }
      });
    }
  }
  for (const box of root.querySelectorAll("p.datetime input")) {
    const label = labelText(box.closest(".form-row")?.querySelector("label"));
    const part = box.classList.contains("vTimeField") ? "time" : "date";
    if (!named(box) && label) box.setAttribute("aria-label", `${label}, ${part}`);
  }
  for (const select of root.querySelectorAll("select.admin-autocomplete")) {
    const container = select.nextElementSibling;
    if (!container?.classList.contains("select2")) continue;
    const label = labelText(select.labels?.[0]) || select.getAttribute("aria-label") || "";
    const combobox = container.querySelector("[role=combobox]");
    const shown = container.querySelector(".select2-selection--single .select2-selection__rendered");
    if (combobox && label) {
      // Named "Series, Redesigning Grading": its label, then the chosen value, if any.
      combobox.setAttribute("aria-label", label);
      combobox.id ||= `${select.id}-combobox`;
      if (shown?.id) combobox.setAttribute("aria-labelledby", `${combobox.id} ${shown.id}`);
      else combobox.removeAttribute("aria-labelledby");
    }
    // The value is read with the box; its own unnamed "textbox" only repeated it.
    shown?.removeAttribute("role");
    shown?.removeAttribute("aria-readonly");
    const search = container.querySelector(".select2-search__field");
    if (search && label) search.setAttribute("aria-label", label);
    // The chosen items sit in a list with a "remove all" span among them: no list at all.
    for (const part of container.querySelectorAll("ul.select2-selection__rendered, ul.select2-selection__rendered > *")) {
      part.setAttribute("role", "none");
    }
  }
  for (const editor of root.querySelectorAll(".form-row [contenteditable=true]:not([aria-label])")) {
    const label = labelText(editor.closest(".form-row").querySelector("label"));
    if (label) editor.setAttribute("aria-label", label);
  }
}

window.addEventListener("load", () => {
  const content = document.getElementById("content") || document.body;
  nameUnnamed(content);
  // Autocomplete boxes redraw their items, and inlines add rows: name those too.
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      nameUnnamed(content);
    });
  }).observe(content, { subtree: true, childList: true });
});

document.addEventListener("DOMContentLoaded", () => {
  const marker = document.querySelector("[data-word-count]");
  if (!marker) return;
  const form = marker.closest("form");
  const row = form.querySelector(`.field-${marker.dataset.wordCount} > div`);
  if (row) showWordCount(row);
  warnBeforeLeaving(form);
  const part = form.querySelector("input[data-series-parts]");
  if (part) suggestSeriesPart(part);
});
