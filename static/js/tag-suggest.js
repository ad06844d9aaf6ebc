// Suggests existing tags for the entry being typed in a comma-separated tag box.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-tag-suggest]")) {
    const list = document.getElementById(input.getAttribute("list"));
    let timer;
    let asked = 0; // answers for an earlier term are dropped
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const ask = ++asked;
      timer = setTimeout(async () => {
        const parts = input.value.split(",");
        const term = parts.pop().trim();
        const chosen = parts.map((part) => part.trim()).filter(Boolean);
        if (!term) {
          list.replaceChildren();
          return;
        }
        const url = `${input.dataset.tagSuggest}?term=${encodeURIComponent(term)}`;
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (!response.ok || ask !== asked) return;
        const { results } = await response.json();
        if (ask !== asked) return;
        // A trailing comma keeps multi-word tags whole when the form is saved.
        list.replaceChildren(
          ...results
            .filter((name) => !chosen.includes(name))
            .map((name) => new Option([...chosen, name].join(", ") + ", "))
        );
      }, 150);
    });
  }
});
