/* A meeting's agenda: drag items to reorder them (SortableJS). The list sits in a form that
   posts the items' ids in their new order (htmx swaps the agenda back in); without JavaScript
   the "move up" buttons do the same. CSP: no inline script, so it lives here. */
(function () {
  "use strict";

  function wire(root) {
    if (!window.Sortable) { return; }
    root.querySelectorAll("[data-agenda-sortable]").forEach(function (list) {
      if (list.dataset.sortableReady) { return; }
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        animation: 150,
        draggable: ".agenda-item",
        filter: "button, a, input",
        preventOnFilter: false,
        onEnd: function (evt) {
          if (evt.oldIndex === evt.newIndex) { return; }
          var form = list.closest("form[data-agenda-order]");
          if (form && window.htmx) {
            window.htmx.trigger(form, "submit");
          } else if (form) {
            form.submit();
          }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.body.addEventListener("htmx:afterSwap", function (evt) { wire(evt.target.parentNode || document); });
})();
