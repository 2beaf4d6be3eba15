/* The pipeline board: drag a card to another stage (SortableJS) or use its "Move to…" menu.
   Each move POSTs to the card's move URL with its version; the server answers JSON with the new
   version and both columns' count and total, or refuses (400 stage guidance, 409 version
   conflict, 403) — then the card goes back where it was and a toast says why. A lost stage asks
   for the reason first. No inline script (CSP): this file is loaded by board.html only. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) { return headers["X-CSRFToken"]; }
    } catch (e) { /* fall back to the cookie */ }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function toast(text, level) {
    if (window.tandemToast) { window.tandemToast(text, level); }
  }

  function updateHeaders(columns) {
    Object.keys(columns || {}).forEach(function (stageId) {
      var header = board.querySelector('[data-column-header="' + stageId + '"]');
      if (!header) { return; }
      var count = header.querySelector("[data-column-count]");
      var total = header.querySelector("[data-column-total]");
      if (count) { count.textContent = columns[stageId].count_text; }
      if (total) { total.textContent = columns[stageId].total; }
    });
  }

  function refreshEmpty(list) {
    if (!list) { return; }
    var empty = list.querySelector(".board-empty");
    var hasCards = !!list.querySelector(".board-card");
    if (empty) { empty.hidden = hasCards; }
  }

  // The lost-reason dialog: a reason from the administrators' list, and a note ("Other" needs
  // one). onReason({id, note}) or onCancel().
  var lostModal = document.getElementById("lost-modal");
  var lostForm = document.getElementById("lost-form");
  var lostInput = document.getElementById("lost-reason");
  var lostNote = document.getElementById("lost-note");
  var pendingLost = null;
  function askLostReason(card, onReason, onCancel) {
    if (!lostModal || !window.tabler) {
      var answer = window.prompt(lostModal ? lostModal.querySelector(".modal-title").textContent : "");
      if (answer && answer.trim()) { onReason({ id: answer.trim(), note: "" }); } else { onCancel(); }
      return;
    }
    pendingLost = { onReason: onReason, onCancel: onCancel, done: false };
    document.getElementById("lost-modal-deal").textContent = card.dataset.name || "";
    lostInput.value = "";
    lostInput.classList.remove("is-invalid");
    if (lostNote) { lostNote.value = ""; lostNote.classList.remove("is-invalid"); lostNote.required = false; }
    window.tabler.Modal.getOrCreateInstance(lostModal).show();
  }
  function otherChosen() {
    var option = lostInput.options ? lostInput.options[lostInput.selectedIndex] : null;
    return !!(option && option.hasAttribute("data-other"));
  }
  if (lostModal && lostForm) {
    lostModal.addEventListener("shown.bs.modal", function () { lostInput.focus(); });
    lostInput.addEventListener("change", function () {
      lostInput.classList.remove("is-invalid");
      if (lostNote) { lostNote.required = otherChosen(); }
    });
    lostForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var reason = lostInput.value.trim();
      if (!reason) { lostInput.classList.add("is-invalid"); lostInput.focus(); return; }
      var note = lostNote ? lostNote.value.trim() : "";
      if (otherChosen() && !note) { lostNote.classList.add("is-invalid"); lostNote.focus(); return; }
      if (pendingLost) { pendingLost.done = true; pendingLost.onReason({ id: reason, note: note }); }
      window.tabler.Modal.getOrCreateInstance(lostModal).hide();
    });
    lostModal.addEventListener("hidden.bs.modal", function () {
      if (pendingLost && !pendingLost.done) { pendingLost.onCancel(); }
      pendingLost = null;
    });
  }

  // POST the move; on refusal call revert() and say why.
  function move(card, stageId, reason, revert, fromList, toList) {
    var body = new FormData();
    body.append("stage", stageId);
    body.append("version", card.dataset.version || "");
    body.append("lost_reason", reason ? reason.id : "");
    body.append("lost_note", reason ? reason.note : "");
    body.append("board_query", board.dataset.boardQuery || "");
    card.classList.add("is-moving");
    card.setAttribute("aria-busy", "true");
    fetch(card.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      card.classList.remove("is-moving");
      card.removeAttribute("aria-busy");
      var data = result.data || {};
      if (result.status === 200 && data.ok) {
        card.dataset.version = String(data.version);
        card.querySelectorAll('input[name="version"]').forEach(function (input) { input.value = String(data.version); });
        updateHeaders(data.columns);
        if (data.closed) { card.remove(); }
        refreshEmpty(fromList);
        refreshEmpty(toList);
        toast(data.message || "", "success");
        return;
      }
      revert();
      refreshEmpty(fromList);
      refreshEmpty(toList);
      // 202: the move waits for approval (the card stays where it was until it is approved).
      toast(data.message || board.dataset.msgError, result.status === 202 ? "info" : "danger");
    }).catch(function () {
      card.classList.remove("is-moving");
      card.removeAttribute("aria-busy");
      revert();
      refreshEmpty(fromList);
      refreshEmpty(toList);
      toast(board.dataset.msgError, "danger");
    });
  }

  function placeFirst(list, card) {
    var first = list.querySelector(".board-card");
    list.insertBefore(card, first || list.firstChild);
  }

  function start(card, toList, fromList, revert) {
    var stageId = toList.dataset.stage;
    if (toList.dataset.kind === "lost") {
      askLostReason(card, function (reason) { move(card, stageId, reason, revert, fromList, toList); },
        function () { revert(); refreshEmpty(fromList); refreshEmpty(toList); });
    } else {
      move(card, stageId, null, revert, fromList, toList);
    }
  }

  // Drag and drop.
  if (window.Sortable) {
    // The open stages' columns, and the won and lost zones of the closing bar under the board.
    document.querySelectorAll("[data-board-list]").forEach(function (list) {
      window.Sortable.create(list, {
        group: "board",
        animation: 150,
        draggable: ".board-card",
        filter: ".board-card-menu, .board-more",
        preventOnFilter: false,
        ghostClass: "board-card-ghost",
        onAdd: function (evt) {
          var card = evt.item, from = evt.from, to = evt.to, oldIndex = evt.oldIndex;
          refreshEmpty(from);
          refreshEmpty(to);
          start(card, to, from, function () {
            from.insertBefore(card, from.children[oldIndex] || null);
          });
        }
      });
    });
  }

  // The keyboard alternative: each card's "Move to…" menu.
  board.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-board-move")) { return; }
    var submitter = event.submitter;
    if (!submitter || !submitter.value) { return; }
    event.preventDefault();
    var card = form.closest(".board-card");
    var from = card.parentNode;
    var next = card.nextSibling;
    var to = document.querySelector('[data-board-list][data-stage="' + submitter.value + '"]');
    if (!to) { form.submit(); return; }
    var toggle = card.querySelector('[data-bs-toggle="dropdown"]');
    if (toggle && window.tabler) { window.tabler.Dropdown.getOrCreateInstance(toggle).hide(); }
    placeFirst(to, card);
    refreshEmpty(from);
    refreshEmpty(to);
    start(card, to, from, function () { from.insertBefore(card, next); if (toggle) { toggle.focus(); } });
  });
})();
