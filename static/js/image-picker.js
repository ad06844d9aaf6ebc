// The body editor's picker window: list and search the media library, upload a new image,
// and hand the chosen one to the figure dialog that opened this window.
(function () {
  "use strict";

  function start() {
    const root = document.getElementById("image-picker");
    if (!root) {
      return;
    }
    const results = root.querySelector("[data-picker-results]");
    const status = root.querySelector("[data-picker-status]");
    const pages = root.querySelector("[data-picker-pages]");
    const search = root.querySelector("[data-picker-search]");
    const upload = root.querySelector("[data-picker-upload]");
    let query = "";
    let page = 1;
    let request = null; // the listing on its way, which a newer one replaces

    // The figure dialog listens through CKEditor's file-browser call, which the editor provides.
    function choose(image) {
      const editor = window.opener && window.opener.CKEDITOR;
      if (!editor || !root.dataset.callback) {
        status.textContent = "This window was not opened from a body editor: nothing to insert into.";
        return;
      }
      editor.tools.callFunction(Number(root.dataset.callback), image.url, {
        id: image.id,
        alternative_text: image.alt,
        caption: image.caption,
      });
      window.close();
    }

    function card(image) {
      const item = document.createElement("li");
      item.className = "image-card";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "image-choice";
      const picture = document.createElement("img");
      picture.src = image.thumbnail;
      picture.alt = "";
      picture.width = 320;
      picture.height = 240;
      picture.loading = "lazy";
      const title = document.createElement("span");
      title.className = "image-title";
      title.textContent = image.title;
      button.append(picture, title);
      button.setAttribute("aria-label", `Insert “${image.title}”`);
      button.addEventListener("click", () => choose(image));
      const meta = document.createElement("span");
      meta.className = "image-meta";
      meta.textContent = image.decorative ? "decorative" : image.alt || "no alt text";
      item.append(button, meta);
      return item;
    }

    function load() {
      const address = new URL(root.dataset.results, window.location.href);
      address.searchParams.set("page", page);
      if (query) {
        address.searchParams.set("q", query);
      }
      status.textContent = "Loading…";
      if (request) request.abort(); // a slower earlier answer must not overwrite this one
      request = new AbortController();
      fetch(address, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: request.signal,
      })
        .then((response) => {
          if (!response.ok) {
            throw new Error(response.status === 403 ? "You may not see the media library." : "The library did not answer; try again.");
          }
          return response.json();
        })
        .then((data) => {
          results.replaceChildren(...data.results.map(card));
          page = data.page;
          const found = data.count === 1 ? "1 image" : `${data.count} images`;
          status.textContent = data.count ? `${found}${query ? ` for “${query}”` : ""}.` : query ? `No image matches “${query}”.` : "The library has no images yet: upload one below.";
          pages.hidden = data.pages < 2;
          pages.querySelector("[data-page-label]").textContent = `Page ${data.page} of ${data.pages}`;
          pages.querySelector("[data-page=previous]").disabled = data.page <= 1;
          pages.querySelector("[data-page=next]").disabled = data.page >= data.pages;
        })
        .catch((error) => {
          if (error.name !== "AbortError") status.textContent = error.message;
        });
    }

    search.addEventListener("submit", (event) => {
      event.preventDefault();
      query = search.elements.q.value.trim();
      page = 1;
      load();
    });
    pages.addEventListener("click", (event) => {
      const button = event.target.closest("[data-page]");
      if (button) {
        page += button.dataset.page === "next" ? 1 : -1;
        load();
      }
    });

    if (upload) {
      const error = upload.querySelector("[data-upload-error]");
      function showErrors(errors) {
        upload.querySelectorAll("[data-errors-for]").forEach((list) => {
          const messages = errors[list.dataset.errorsFor] || [];
          list.replaceChildren(...messages.map((message) => Object.assign(document.createElement("li"), { textContent: message })));
          list.hidden = !messages.length;
          const field = upload.elements[list.dataset.errorsFor];
          if (field instanceof HTMLElement) {
            field.toggleAttribute("aria-invalid", Boolean(messages.length));
            const described = new Set((field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
            described.add(list.id);
            field.setAttribute("aria-describedby", [...described].join(" "));
          }
        });
        const general = errors.__all__ || [];
        error.hidden = false;
        error.textContent = general.length ? general.join(" ") : "Please correct the errors below.";
      }
      upload.addEventListener("submit", (event) => {
        event.preventDefault();
        const button = upload.querySelector("[type=submit]");
        button.disabled = true;
        error.hidden = true;
        fetch(upload.action, {
          method: "POST",
          body: new FormData(upload),
          credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": upload.elements.csrfmiddlewaretoken.value },
        })
          .then((response) =>
            response
              .json()
              .catch(() => ({ error: response.status === 403 ? "Your session has ended or you may not upload: reload the page and log in again." : "The upload failed; try again." }))
              .then((data) => ({ ok: response.ok, data })),
          )
          .then(({ ok, data }) => {
            if (ok) {
              choose(data.image);
              return;
            }
            showErrors(data.errors || { __all__: [data.error || "The upload failed; try again."] });
          })
          .catch(() => showErrors({ __all__: ["The upload did not reach the site; check the connection and try again."] }))
          .finally(() => {
            button.disabled = false;
          });
      });
    }

    load();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
