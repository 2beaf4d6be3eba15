/* A project's board: drag a task card to another section, or to another place in its column
   (SortableJS). Each drop POSTs the card's section and index to its move URL; on refusal the
   card goes back where it was and a toast says why. No inline script (CSP). */
(function () {
  "use strict";
  var board = document.getElementById("project-board");
  if (!board || !window.Sortable) { return; }

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) { return headers["X-CSRFToken"]; }
    } catch (e) { /* fall back to the cookie */ }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function toast(text, level) {
    if (window.tandemToast && text) { window.tandemToast(text, level); }
  }

  function refreshEmpty(list) {
    var empty = list.querySelector(".board-empty");
    if (empty) { empty.hidden = !!list.querySelector(".board-card"); }
  }

  function indexIn(list, card) {
    return Array.prototype.indexOf.call(list.querySelectorAll(".board-card"), card);
  }

  board.querySelectorAll("[data-project-list]").forEach(function (list) {
    window.Sortable.create(list, {
      group: "project-board",
      animation: 150,
      draggable: ".board-card",
      ghostClass: "board-card-ghost",
      onEnd: function (evt) {
        var card = evt.item, from = evt.from, to = evt.to, oldIndex = evt.oldIndex;
        if (from === to && evt.oldIndex === evt.newIndex) { return; }
        refreshEmpty(from);
        refreshEmpty(to);
        var body = new FormData();
        body.append("section", to.dataset.section || "");
        body.append("index", String(indexIn(to, card)));
        card.setAttribute("aria-busy", "true");
        fetch(card.dataset.moveUrl, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
        }).then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            return { ok: response.ok && data.ok, data: data };
          });
        }).then(function (result) {
          card.removeAttribute("aria-busy");
          if (result.ok) { toast(result.data.message, "success"); return; }
          from.insertBefore(card, from.children[oldIndex] || null);
          refreshEmpty(from);
          refreshEmpty(to);
          toast(result.data.message || board.dataset.msgError, "danger");
        }).catch(function () {
          card.removeAttribute("aria-busy");
          from.insertBefore(card, from.children[oldIndex] || null);
          refreshEmpty(from);
          refreshEmpty(to);
          toast(board.dataset.msgError, "danger");
        });
      }
    });
  });
})();
