/* The task board: drag a card to another column (SortableJS) to change its status and place.
   Each drop POSTs JSON {status, after, before} to the card's move URL; on a refusal (400, 403,
   404) the card goes back where it was and a toast says why. Each card also has a plain form
   ("Move to") that works without JavaScript. No inline script (CSP): loaded by task_board.html. */
(function () {
  "use strict";
  var board = document.getElementById("task-board");
  if (!board || !window.Sortable) { return; }

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) { return headers["X-CSRFToken"]; }
    } catch (e) { /* fall back to the cookie */ }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function toast(text) {
    if (window.tandemToast) { window.tandemToast(text, "danger"); } else { window.alert(text); }
  }

  function cardId(node) {
    while (node && !(node.dataset && node.dataset.task)) { node = node.nextElementSibling; }
    return node ? node.dataset.task : null;
  }

  function previousId(node) {
    while (node && !(node.dataset && node.dataset.task)) { node = node.previousElementSibling; }
    return node ? node.dataset.task : null;
  }

  function refreshEmpty(list) {
    var empty = list.querySelector(".board-empty");
    if (empty) { empty.hidden = !!list.querySelector(".board-card"); }
  }

  function dropped(evt) {
    var card = evt.item, from = evt.from, to = evt.to, oldIndex = evt.oldIndex;
    refreshEmpty(from); refreshEmpty(to);
    var body = {
      status: to.dataset.status,
      after: previousId(card.previousElementSibling),
      before: cardId(card.nextElementSibling)
    };
    var select = card.querySelector("select[name=status]");
    fetch(card.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error(data.detail || board.dataset.msgError); }
        if (select) { select.value = data.status; }
      });
    }).catch(function (error) {
      from.insertBefore(card, from.children[oldIndex] || null);
      refreshEmpty(from); refreshEmpty(to);
      toast(error && error.message ? error.message : board.dataset.msgError);
    });
  }

  board.querySelectorAll("[data-task-list]").forEach(function (list) {
    window.Sortable.create(list, {
      group: "tasks",
      animation: 150,
      draggable: ".board-card",
      filter: "select, button, a, input",
      preventOnFilter: false,
      ghostClass: "board-card-ghost",
      onEnd: function (evt) {
        if (evt.from === evt.to && evt.oldIndex === evt.newIndex) { return; }
        dropped(evt);
      }
    });
  });
})();
