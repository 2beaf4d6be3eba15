/* Tandem's behaviour layer: no inline scripts (CSP), progressive enhancement only. */
(function () {
  "use strict";

  // "/" focuses the search box; Ctrl/Cmd+Enter submits the form being typed in; Esc blurs.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey) {
      var search = document.getElementById("global-search");
      if (search) { event.preventDefault(); search.focus(); }
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && typing && target.form) {
      event.preventDefault();
      if (target.form.requestSubmit) { target.form.requestSubmit(); } else { target.form.submit(); }
    }
  });

  // <form data-autosubmit>: submit when a field changes (language switch, filters).
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
  });

  // data-confirm="question" on a submit button or form: ask in a modal before going ahead.
  var pending = null;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (!question || form.dataset.confirmed === "1") { form.dataset.confirmed = ""; return; }
    event.preventDefault();
    var modalEl = document.getElementById("confirm-modal");
    if (!modalEl || !window.tabler) { if (window.confirm(question)) { form.dataset.confirmed = "1"; form.submit(); } return; }
    document.getElementById("confirm-text").textContent = question;
    pending = { form: form, submitter: submitter };
    window.tabler.Modal.getOrCreateInstance(modalEl).show();
  }, true);
  document.addEventListener("click", function (event) {
    if (event.target && event.target.id === "confirm-ok" && pending) {
      var form = pending.form, submitter = pending.submitter;
      pending = null;
      window.tabler.Modal.getOrCreateInstance(document.getElementById("confirm-modal")).hide();
      form.dataset.confirmed = "1";
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    }
  });

  // Toasts fade away by themselves; server messages arrive in #toasts, htmx ones via HX-Trigger.
  function autoHide(root) {
    (root || document).querySelectorAll("#toasts .toast.show").forEach(function (el) {
      setTimeout(function () { el.classList.remove("show"); el.remove(); }, 6000);
    });
  }
  function toast(text, level) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var el = document.createElement("div");
    el.className = "toast show align-items-center border-0 text-bg-" + (level || "success");
    el.setAttribute("role", "status");
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = text;
    el.appendChild(body);
    box.appendChild(el);
    autoHide(box.parentNode);
  }
  window.tandemToast = toast;
  document.addEventListener("DOMContentLoaded", function () { autoHide(document); });
  document.body.addEventListener("tandem:toast", function (event) {
    var detail = event.detail || {};
    toast(detail.value || detail.text || "", detail.level);
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var messages = document.body.dataset;
    toast(status === 403 ? (messages.msgForbidden || "Not allowed") :
      status === 404 ? (messages.msgNotFound || "Not found") : (messages.msgError || "Something went wrong"), "danger");
  });
})();

/* Bulk selection: a form[data-bulk] holding row checkboxes input[name=ids][data-bulk-row], a header
   checkbox [data-bulk-all], and a bar [data-bulk-bar] (hidden until something is selected) with a
   [data-bulk-count] element. Works without Alpine; the bar's buttons submit the same form. */
(function () {
  "use strict";
  function refresh(form) {
    var rows = form.querySelectorAll("input[data-bulk-row]");
    var checked = form.querySelectorAll("input[data-bulk-row]:checked").length;
    var bar = form.querySelector("[data-bulk-bar]");
    var counter = form.querySelector("[data-bulk-count]");
    var all = form.querySelector("[data-bulk-all]");
    if (bar) { bar.hidden = checked === 0; }
    if (counter) { counter.textContent = String(checked); }
    if (all) { all.checked = checked > 0 && checked === rows.length; all.indeterminate = checked > 0 && checked < rows.length; }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target.closest && target.closest("form[data-bulk]");
    if (!form) { return; }
    if (target.hasAttribute("data-bulk-all")) {
      form.querySelectorAll("input[data-bulk-row]").forEach(function (box) { box.checked = target.checked; });
    }
    refresh(form);
  });
  function init(root) { (root || document).querySelectorAll("form[data-bulk]").forEach(refresh); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();
