// The guide body editor: a live preview the site renders itself (so it is the page readers
// will get), and suggestions of existing titles after "[[".
"use strict";

const PREVIEW_DELAY = 400;
const SUGGEST_DELAY = 150;
const MAX_TERM = 100;

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.textContent = text;
  return node;
}

function csrfToken(textarea) {
  const field = textarea.form && textarea.form.querySelector("[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

function livePreview(textarea, panel) {
  const status = element("p", { class: "wiki-preview-status", role: "status" });
  const content = element("div", { class: "wiki-preview-body prose" });
  panel.append(status, content);
  let timer;
  let request;

  async function refresh() {
    if (request) request.abort();
    request = new AbortController();
    const form = new FormData();
    form.append("body", textarea.value);
    try {
      const response = await fetch(textarea.dataset.previewUrl, {
        method: "POST",
        body: form,
        headers: { "X-CSRFToken": csrfToken(textarea), Accept: "application/json" },
        credentials: "same-origin",
        signal: request.signal,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { html } = await response.json();
      content.innerHTML = html; // rendered and sanitised by the site, as on the public page
      // A click in the preview must not leave the form and its unsaved text.
      for (const link of content.querySelectorAll("a[href]")) {
        link.target = "_blank";
        link.rel = "noopener";
      }
      status.textContent = "";
      panel.dataset.state = "current";
    } catch (error) {
      if (error.name === "AbortError") return;
      status.textContent = "The preview could not be updated; your text is unaffected.";
      panel.dataset.state = "failed";
    }
  }

  textarea.addEventListener("input", () => {
    if (request) request.abort(); // its answer would show the text before this change
    panel.dataset.state = "pending";
    clearTimeout(timer);
    timer = setTimeout(refresh, PREVIEW_DELAY);
  });
  refresh();
}

// Where the caret is, in pixels from the text box's top left: a hidden copy of the box
// holds the text up to the caret, then a marker whose position is measured.
function caretOffset(textarea) {
  const style = getComputedStyle(textarea);
  const mirror = document.createElement("div");
  for (const name of [
    "boxSizing", "width", "fontFamily", "fontSize", "fontWeight", "lineHeight", "letterSpacing",
    "paddingTop", "paddingRight", "paddingBottom", "paddingLeft",
    "borderTopWidth", "borderRightWidth", "borderBottomWidth", "borderLeftWidth",
  ]) mirror.style[name] = style[name];
  Object.assign(mirror.style, {
    position: "absolute", visibility: "hidden", whiteSpace: "pre-wrap", overflowWrap: "break-word",
    top: "0", left: "-9999px",
  });
  mirror.textContent = textarea.value.slice(0, textarea.selectionStart);
  const marker = element("span", {}, "\u200b");
  mirror.append(marker);
  document.body.append(mirror);
  const offset = {
    top: marker.offsetTop + marker.offsetHeight - textarea.scrollTop,
    left: Math.min(marker.offsetLeft, textarea.clientWidth - 200),
  };
  mirror.remove();
  return offset;
}

function titleSuggestions(textarea, box) {
  const listId = `${textarea.id}-titles`;
  const list = element("ul", {
    id: listId, role: "listbox", class: "wiki-suggest", "aria-label": "Guides to link to",
  });
  list.hidden = true;
  const status = element("p", { class: "wiki-suggest-status", role: "status" });
  box.append(list, status);
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", listId);
  let options = [];
  let active = -1;
  let timer;
  let asked = 0;

  // The link being typed: from an unclosed "[[" before the caret, on the same line.
  function typedLink() {
    if (textarea.selectionStart !== textarea.selectionEnd) return null;
    const before = textarea.value.slice(0, textarea.selectionStart);
    const start = before.lastIndexOf("[[");
    if (start < 0) return null;
    const term = before.slice(start + 2);
    if (term.length > MAX_TERM || /[[\]|\n]/.test(term)) return null;
    return { start, term };
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    options = [];
    active = -1;
    textarea.removeAttribute("aria-activedescendant");
  }

  function choose(index) {
    active = index;
    options.forEach((option, at) => option.setAttribute("aria-selected", String(at === index)));
    const option = options[index];
    textarea.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  function insert(title) {
    const link = typedLink();
    close();
    if (!link) return;
    const end = textarea.selectionStart;
    const closing = textarea.value.startsWith("]]", end) ? 2 : 0;
    textarea.setRangeText(`[[${title}]]`, link.start, end + closing, "end");
    status.textContent = `Linked to ${title}.`;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function show(results, term) {
    close();
    if (!results.length) {
      status.textContent = term ? `No guide has “${term}” in its title.` : "";
      return;
    }
    options = results.map(({ title, public: isPublic }, index) => {
      const option = element("li", { id: `${listId}-${index}`, role: "option" }, title);
      option.dataset.title = title;
      if (!isPublic) option.append(" ", element("span", { class: "wiki-suggest-draft" }, "(not published)"));
      // Pressing the mouse would take the focus from the text box before the click.
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => insert(title));
      return option;
    });
    list.replaceChildren(...options);
    const { top, left } = caretOffset(textarea);
    list.style.top = `${textarea.offsetTop + top}px`;
    list.style.left = `${textarea.offsetLeft + Math.max(0, left)}px`;
    list.hidden = false;
    choose(0);
    const count = results.length === 1 ? "1 guide matches" : `${results.length} guides match`;
    status.textContent = `${count}: up and down arrows to choose, Enter to link, Escape to close.`;
  }

  async function suggest(term) {
    const ask = ++asked;
    const url = new URL(textarea.dataset.suggestUrl, window.location.href);
    url.searchParams.set("term", term);
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok || ask !== asked) return;
      const { results } = await response.json();
      if (ask === asked && typedLink()) show(results, term);
    } catch {
      // Suggestions are a convenience: typing the title by hand still works.
    }
  }

  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    const link = typedLink();
    if (!link) {
      asked++;
      close();
      return;
    }
    timer = setTimeout(() => suggest(link.term.trim()), SUGGEST_DELAY);
  });

  textarea.addEventListener("keydown", (event) => {
    if (list.hidden || !options.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      choose((active + step + options.length) % options.length);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      insert(options[active].dataset.title);
    } else if (event.key === "Escape") {
      event.preventDefault();
      asked++;
      close();
      status.textContent = "";
    }
  });
  textarea.addEventListener("blur", () => {
    asked++;
    close();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const textarea of document.querySelectorAll("textarea[data-preview-url]")) {
    const editor = element("div", { class: "wiki-editor" });
    const box = element("div", { class: "wiki-editor-text" });
    const panel = element("section", {
      class: "wiki-preview", "aria-labelledby": `${textarea.id}-preview-heading`,
    });
    panel.append(element("h3", { id: `${textarea.id}-preview-heading` }, "Preview"));
    textarea.before(editor);
    box.append(textarea);
    editor.append(box, panel);
    livePreview(textarea, panel);
    titleSuggestions(textarea, box);
  }
});
