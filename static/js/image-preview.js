// Image fields in the admin: show a chosen file at once, show the library image an id names,
// and pick a focal point by clicking the picture.
(function () {
  "use strict";

  function previewOf(input) {
    const preview = document.getElementById(input.dataset.preview || "");
    return preview && preview.tagName === "IMG" ? preview : null;
  }

  function show(preview, src) {
    preview.src = src;
    preview.hidden = false;
    preview.closest("[hidden]")?.removeAttribute("hidden");
  }

  // A file chosen for upload: read it in the browser, nothing is sent yet.
  document.addEventListener("change", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.preview) {
      return;
    }
    const preview = previewOf(input);
    const file = input.files && input.files[0];
    if (!preview || !file || !file.type.startsWith("image/")) {
      return;
    }
    const reader = new FileReader();
    reader.addEventListener("load", function () {
      show(preview, reader.result);
    });
    reader.readAsDataURL(file);
  });

  // A library image chosen by id (the lookup window, or typed): show it, and offer its alt
  // text, caption and credit where the form has none yet.
  function lookUp(input) {
    const preview = previewOf(input);
    const id = input.value.trim();
    if (!preview || !/^\d+$/.test(id)) {
      return;
    }
    const address = new URL(input.dataset.imageLookup, window.location.href);
    address.searchParams.set("id", id);
    fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        const image = data.results[0];
        if (!image || input.value.trim() !== id) {
          return; // none, or another image was chosen while this one was looked up
        }
        show(preview, image.thumbnail);
        preview.alt = "";
        const fill = JSON.parse(input.dataset.fill || "{}");
        Object.entries(fill).forEach(function ([key, fieldId]) {
          const field = document.getElementById(fieldId);
          if (field && !field.value.trim() && image[key]) {
            field.value = image[key];
          }
        });
      });
  }

  // Django's lookup window sets the id through jQuery, whose events reach only jQuery's
  // handlers (typed changes reach them too). The admin loads jQuery after this file.
  function listenForLookups() {
    if (window.django && window.django.jQuery) {
      window.django.jQuery(document).on("change", "input[data-image-lookup]", function () {
        lookUp(this);
      });
    } else {
      document.addEventListener("change", function (event) {
        if (event.target instanceof HTMLInputElement && event.target.dataset.imageLookup) {
          lookUp(event.target);
        }
      });
    }
  }

  // The focal point: click the picture, or type the percentages.
  function setUpFocalPicker(picker) {
    const image = picker.querySelector("img");
    const marker = picker.querySelector(".focal-marker");
    const form = picker.closest("form");
    const x = form && form.querySelector("[data-focal=x]");
    const y = form && form.querySelector("[data-focal=y]");
    if (!image || !marker || !x || !y) {
      return;
    }
    function place() {
      marker.style.left = `${Number(x.value) || 0}%`;
      marker.style.top = `${Number(y.value) || 0}%`;
      marker.hidden = image.hidden;
    }
    image.addEventListener("click", function (event) {
      const box = image.getBoundingClientRect();
      const percent = (offset, size) => Math.min(100, Math.max(0, Math.round((offset / size) * 100)));
      x.value = percent(event.clientX - box.left, box.width);
      y.value = percent(event.clientY - box.top, box.height);
      place();
    });
    image.addEventListener("load", place);
    x.addEventListener("input", place);
    y.addEventListener("input", place);
    picker.classList.add("focal-picker-ready");
    place();
  }

  function start() {
    listenForLookups();
    document.querySelectorAll("[data-focal-picker]").forEach(setUpFocalPicker);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
