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

/* A picker's options refreshed by a search (hx-target a <select>, innerHTML) keep the person or
   record already chosen when the new list still holds it: a choice made while the search's answer
   was on its way is not silently replaced by the list's first option. */
(function () {
  "use strict";
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.tagName === "SELECT" && !target.multiple) { target.dataset.keepValue = target.value; }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.tagName !== "SELECT" || target.dataset.keepValue === undefined) { return; }
    var kept = target.dataset.keepValue;
    delete target.dataset.keepValue;
    if (!kept) { return; }
    for (var i = 0; i < target.options.length; i++) {
      if (target.options[i].value === kept) { target.value = kept; return; }
    }
  });
})();

/* htmx and form errors. Forms answer 400 (invalid input) and 409 (changed by someone else) with the
   form re-rendered, inline errors included; the server retargets it with HX-Retarget/HX-Reswap when
   the form is not the request's target. htmx swaps no 4xx by default, so 400 and 409 are swapped
   here (and are not "errors": no generic toast). 403/404/5xx keep the toast of htmx:responseError.
   form[data-reset-on-success] (the quick follow-up form) is cleared after a successful post. */
(function () {
  "use strict";
  if (window.htmx && window.htmx.config) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "400", swap: true, error: false },
      { code: "409", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false }
    ];
  }
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (!elt || status < 200 || status >= 300 || !elt.matches || !elt.matches("form[data-reset-on-success]")) { return; }
    var keep = {};
    elt.querySelectorAll("input[type=hidden]").forEach(function (input) { keep[input.name] = input.value; });
    elt.reset();
    elt.querySelectorAll("input[type=hidden]").forEach(function (input) {
      if (keep[input.name] !== undefined) { input.value = keep[input.name]; }
    });
    elt.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    elt.querySelectorAll(".invalid-feedback, .alert-danger").forEach(function (el) { el.remove(); });
  });
})();

/* Quick add, command palette and record picker (no inline script: CSP script-src 'self').
   - "n" (not while typing) opens the top bar's "+" menu; in it, a letter (F, A, D, L) picks an item.
   - [data-quick-followup] opens the quick follow-up dialog (#quick-followup-modal); a successful post
     closes it (form[data-close-modal-on-success]) and the server's HX-Trigger shows the toast.
   - Ctrl/Cmd+K (or [data-palette-open]) opens the command palette (#palette): it asks
     /search/palette/?q= for matching records and actions; arrow keys move, Enter opens, Esc closes
     (Bootstrap's modal handles Esc). Enter with nothing selected searches everywhere.
   - [data-record-picker]: a search select. Typing asks data-picker-url (&q=); choosing a row fills
     [data-picker-value] with "type:id" (or just the id with data-picker-plain) and [data-picker-label]. */
(function () {
  "use strict";
  function isTyping(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
  }
  function modal(el) { return el && window.tabler ? window.tabler.Modal.getOrCreateInstance(el) : null; }
  function debounce(fn, ms) {
    var timer = null;
    return function () { var args = arguments; clearTimeout(timer); timer = setTimeout(function () { fn.apply(null, args); }, ms); };
  }
  function getJSON(url, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      if (xhr.status === 200) { try { done(JSON.parse(xhr.responseText)); } catch (e) { done(null); } } else { done(null); }
    };
    xhr.onerror = function () { done(null); };
    xhr.send();
    return xhr;
  }
  function row(item, index, extraClass) {
    var el = document.createElement(item.url ? "a" : "div");
    el.className = "list-group-item list-group-item-action d-flex align-items-center gap-2 " + (extraClass || "");
    if (item.url) { el.href = item.url; }
    el.id = "palette-opt-" + index;
    el.setAttribute("role", "option");
    el.dataset.index = String(index);
    var icon = document.createElement("i");
    icon.className = "bi " + (item.icon || "bi-dot") + " text-secondary";
    icon.setAttribute("aria-hidden", "true");
    var text = document.createElement("div");
    text.className = "min-w-0 flex-fill";
    var title = document.createElement("div");
    title.className = "text-truncate";
    title.textContent = item.title;
    text.appendChild(title);
    if (item.subtitle) {
      var sub = document.createElement("div");
      sub.className = "small text-secondary text-truncate";
      sub.textContent = item.subtitle;
      text.appendChild(sub);
    }
    el.appendChild(icon);
    el.appendChild(text);
    if (item.kind_label) {
      var badge = document.createElement("span");
      badge.className = "badge bg-secondary-lt";
      badge.textContent = item.kind_label;
      el.appendChild(badge);
    }
    return el;
  }

  // --- Quick follow-up dialog -------------------------------------------------------------
  // A trigger may name its record (data-record="account:12", data-record-label="…", as on my
  // day): the dialog opens with it chosen and the cursor in "what happened".
  function openQuickFollowUp(trigger) {
    var el = document.getElementById("quick-followup-modal");
    var m = modal(el);
    if (!m) { return; }
    var record = trigger && trigger.dataset ? trigger.dataset.record : "";
    if (record) {
      var label = trigger.dataset.recordLabel || "";
      el.querySelectorAll("[data-picker-value]").forEach(function (input) { input.value = record; });
      el.querySelectorAll("[data-picker-label], [data-picker-input]").forEach(function (input) { input.value = label; });
    }
    m.show();
    setTimeout(function () {
      var input = el.querySelector(record ? "textarea, [name=content]" : "[data-picker-input]");
      if (input) { input.focus(); }
    }, 200);
  }
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest && event.target.closest("[data-quick-followup]");
    if (trigger) { event.preventDefault(); openQuickFollowUp(trigger); }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (!elt || !elt.matches || !elt.matches("form[data-close-modal-on-success]") || status < 200 || status >= 300) { return; }
    var m = modal(elt.closest(".modal"));
    if (m) { m.hide(); }
    elt.querySelectorAll("[data-picker-value], [data-picker-label], [data-picker-input]").forEach(function (input) { input.value = ""; });
  });

  // --- Shortcuts: "n" opens the quick-add menu; a letter picks an item in it ------------------
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var toggle = document.getElementById("quick-add-toggle");
    if (!toggle) { return; }
    var menu = toggle.parentNode.querySelector(".dropdown-menu");
    var open = menu && menu.classList.contains("show");
    if (open && event.key && event.key.length === 1) {
      var item = menu.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
      if (item) { event.preventDefault(); window.tabler && window.tabler.Dropdown.getOrCreateInstance(toggle).hide(); item.click(); }
      return;
    }
    if (isTyping(event.target) || document.querySelector(".modal.show")) { return; }
    if (event.key === "n" || event.key === "N") {
      event.preventDefault();
      if (window.tabler) {
        window.tabler.Dropdown.getOrCreateInstance(toggle).show();
        var first = menu && menu.querySelector(".dropdown-item");
        if (first) { first.focus(); }
      } else { toggle.click(); }
    }
  });

  // --- Command palette ------------------------------------------------------------------------
  var palette = document.getElementById("palette");
  if (palette) {
    var input = document.getElementById("palette-input");
    var list = document.getElementById("palette-list");
    var empty = palette.querySelector("[data-palette-empty]");
    var items = [];
    var active = -1;
    var pending = null;
    var setActive = function (index) {
      var rows = list.querySelectorAll("[role=option]");
      if (!rows.length) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
      active = (index + rows.length) % rows.length;
      rows.forEach(function (el, i) { el.classList.toggle("active", i === active); el.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", rows[active].id);
      rows[active].scrollIntoView({ block: "nearest" });
    };
    var render = function (data) {
      list.textContent = "";
      items = [];
      if (!data) { empty.hidden = false; return; }
      (data.results || []).forEach(function (item) { items.push(item); });
      (data.actions || []).forEach(function (item) { items.push(item); });
      items.forEach(function (item, i) { list.appendChild(row(item, i, item.kind_label ? "" : "palette-action")); });
      empty.hidden = items.length > 0;
      setActive(0);
    };
    var query = debounce(function () {
      if (pending) { pending.abort(); }
      pending = getJSON(palette.dataset.paletteUrl + "?q=" + encodeURIComponent(input.value.trim()), render);
    }, 150);
    var choose = function (index) {
      var item = items[index];
      if (!item) {
        var q = input.value.trim();
        if (q) { window.location.href = "/search/?q=" + encodeURIComponent(q); }
        return;
      }
      if (item.command === "quick-followup") { modal(palette).hide(); openQuickFollowUp(); return; }
      if (item.url) { window.location.href = item.url; }
    };
    var openPalette = function () {
      var m = modal(palette);
      if (!m) { return; }
      m.show();
      input.value = "";
      query();
      setTimeout(function () { input.focus(); }, 150);
    };
    input.addEventListener("input", query);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); setActive(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); setActive(active - 1); }
      else if (event.key === "Enter") { event.preventDefault(); choose(active); }
    });
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (!option) { return; }
      var item = items[Number(option.dataset.index)];
      if (item && item.command) { event.preventDefault(); choose(Number(option.dataset.index)); }
    });
    palette.addEventListener("shown.bs.modal", function () { input.focus(); });
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K")) {
        event.preventDefault();
        if (palette.classList.contains("show")) { modal(palette).hide(); } else { openPalette(); }
      }
    });
    document.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("[data-palette-open]")) { event.preventDefault(); openPalette(); }
    });
  }

  // --- Record picker (search select) ----------------------------------------------------------
  function initPicker(box) {
    if (box.dataset.pickerReady) { return; }
    box.dataset.pickerReady = "1";
    var input = box.querySelector("[data-picker-input]");
    var value = box.querySelector("[data-picker-value]");
    var label = box.querySelector("[data-picker-label]");
    var options = box.querySelector("[data-picker-options]");
    if (!input || !value || !options) { return; }
    var plain = value.hasAttribute("data-picker-plain");
    var results = [];
    var active = -1;
    var pending = null;
    var close = function () { options.hidden = true; input.setAttribute("aria-expanded", "false"); };
    var highlight = function (index) {
      var rows = options.querySelectorAll("[role=option]");
      if (!rows.length) { return; }
      active = (index + rows.length) % rows.length;
      rows.forEach(function (el, i) { el.classList.toggle("active", i === active); el.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", rows[active].id);
    };
    var pick = function (index) {
      var item = results[index];
      if (!item) { return; }
      value.value = plain ? String(item.id) : item.type + ":" + item.id;
      input.value = item.title + (item.kind_label ? " · " + item.kind_label : "");
      if (label) { label.value = input.value; }
      close();
    };
    var render = function (data) {
      options.textContent = "";
      results = (data && data.results) || [];
      results.forEach(function (item, i) {
        var el = row({ title: item.title, subtitle: item.subtitle, icon: item.icon, kind_label: plain ? "" : item.kind_label }, i);
        el.removeAttribute("href");
        el.id = (options.id || "picker") + "-" + i;
        el.tabIndex = -1;
        options.appendChild(el);
      });
      options.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    };
    var search = debounce(function () {
      var q = input.value.trim();
      if (pending) { pending.abort(); }
      if (!q) { render(null); return; }
      pending = getJSON(box.dataset.pickerUrl + "&q=" + encodeURIComponent(q), render);
    }, 200);
    input.addEventListener("input", function () { value.value = ""; if (label) { label.value = ""; } search(); });
    input.addEventListener("keydown", function (event) {
      if (options.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter") { event.preventDefault(); pick(active < 0 ? 0 : active); }
      else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(); }
    });
    options.addEventListener("mousedown", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { event.preventDefault(); pick(Number(option.dataset.index)); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  function initPickers(root) { (root || document).querySelectorAll("[data-record-picker]").forEach(initPicker); }
  document.addEventListener("DOMContentLoaded", function () { initPickers(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { initPickers(event.target.ownerDocument || document); });
  document.body.addEventListener("htmx:load", function (event) { initPickers(event.target); });

  // The phone's bottom bar: "Menu" opens the sidebar as a panel (decision 0026); Esc or a second
  // tap closes it.
  function setMenu(open) {
    var toggle = document.querySelector("[data-menu-toggle]");
    document.body.classList.toggle("menu-open", open);
    if (toggle) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); }
    if (open) {
      var first = document.querySelector("#main-menu .nav-link");
      if (first) { first.focus({ preventScroll: true }); }
    }
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-menu-toggle]");
    if (toggle) { setMenu(!document.body.classList.contains("menu-open")); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("menu-open")) { setMenu(false); }
  });
})();
