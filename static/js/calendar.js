// Editorial calendar: drag an item to another day to move it. The drop fills in the
// item's own Move form and submits it, so the server does exactly what the form does.
(function () {
  "use strict";
  var grid = document.querySelector(".cal-grid");
  if (!grid) return;
  var dragged = null;

  grid.querySelectorAll(".cal-item[data-move-form]").forEach(function (item) {
    item.draggable = true;
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      item.classList.add("cal-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.moveForm);
    });
    item.addEventListener("dragend", function () {
      item.classList.remove("cal-dragging");
      dragged = null;
    });
  });

  function dayOf(event) {
    return event.target.closest ? event.target.closest("td[data-date]") : null;
  }

  grid.addEventListener("dragover", function (event) {
    var day = dayOf(event);
    if (!dragged || !day) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    grid.querySelectorAll(".cal-drop").forEach(function (cell) {
      if (cell !== day) cell.classList.remove("cal-drop");
    });
    day.classList.add("cal-drop");
  });

  grid.addEventListener("dragleave", function (event) {
    var day = dayOf(event);
    if (day && !day.contains(event.relatedTarget)) day.classList.remove("cal-drop");
  });

  grid.addEventListener("drop", function (event) {
    var day = dayOf(event);
    if (!dragged || !day) return;
    event.preventDefault();
    day.classList.remove("cal-drop");
    var form = document.getElementById(dragged.dataset.moveForm);
    if (!form || form.elements.date.value === day.dataset.date) return;
    form.elements.date.value = day.dataset.date;
    dragged.classList.add("cal-moving");
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });
})();
