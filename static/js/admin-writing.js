// The change forms editors write in: a live word count, a warning before leaving with
// unsaved changes, the series' next free part, and no time zone notes on date fields.
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

function warnBeforeLeaving(form) {
  let changed = false;
  const mark = () => { changed = true; };
  form.addEventListener("input", mark);
  form.addEventListener("change", mark);
  if (window.django && window.django.jQuery) window.django.jQuery(form).on("change", "select", mark);
  form.addEventListener("submit", () => { changed = false; });
  window.addEventListener("beforeunload", (event) => {
    if (!changed) return;
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
  const load = async (fill) => {
    if (!series.value) {
      info = null;
      describe();
      return;
    }
    const url = new URL(input.dataset.seriesParts, window.location.href);
    url.searchParams.set("series", series.value);
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    info = await response.json();
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
