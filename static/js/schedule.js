/* The calendar page (tandem/schedule): FullCalendar 6 (global build) fed by the JSON range
   endpoint; day, week and month grids and a list view (the default on narrow screens); drag and
   resize POST to the event's move URL, and a refusal puts the event back with a toast. Clicking
   an empty slot opens the new-event form at that time. No inline script (CSP). */
(function () {
  "use strict";
  var el = document.getElementById("calendar");
  if (!el || !window.FullCalendar) { return; }
  var d = el.dataset;

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) { return headers["X-CSRFToken"]; }
    } catch (e) { /* fall back to the cookie */ }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function toast(text, level) { if (window.tandemToast) { window.tandemToast(text, level); } }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function local(date, allDay) {
    // All-day: the calendar day shown; timed: the exact instant (UTC), whatever the browser's zone.
    if (!allDay) { return date.toISOString(); }
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  function move(info) {
    var props = info.event.extendedProps || {};
    if (!props.moveUrl) { info.revert(); return; }
    var body = new URLSearchParams();
    body.set("start", local(info.event.start, info.event.allDay));
    if (info.event.end) { body.set("end", local(info.event.end, info.event.allDay)); }
    body.set("all_day", info.event.allDay ? "1" : "0");
    if (props.occurrence) { body.set("occurrence", props.occurrence); }
    fetch(props.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          info.revert();
          toast(data.detail || d.textRefused, "danger");
          return;
        }
        toast(data.detail || "", "success");
        calendar.refetchEvents();
      });
    }).catch(function () { info.revert(); toast(d.textFailed, "danger"); });
  }

  var narrow = window.matchMedia("(max-width: 767px)").matches;
  var calendar = new window.FullCalendar.Calendar(el, {
    initialView: narrow ? "listWeek" : "timeGridWeek",
    headerToolbar: narrow
      ? { left: "prev,next", center: "title", right: "listWeek,timeGridDay,dayGridMonth" }
      : { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,timeGridDay,listWeek" },
    locale: d.locale || "en",
    firstDay: 1,
    height: "auto",
    nowIndicator: true,
    navLinks: true,
    dayMaxEvents: true,
    slotMinTime: "07:00:00",
    slotMaxTime: "22:00:00",
    scrollTime: "08:00:00",
    buttonText: { today: d.textToday, month: d.textMonth, week: d.textWeek, day: d.textDay, list: d.textList },
    allDayText: d.textAllday,
    moreLinkText: d.textMore,
    noEventsText: d.textNothing,
    editable: true,
    eventStartEditable: true,
    eventDurationEditable: true,
    events: function (fetchInfo, success, failure) {
      var url = new URL(d.itemsUrl, window.location.origin);
      url.searchParams.set("start", fetchInfo.startStr);
      url.searchParams.set("end", fetchInfo.endStr);
      fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(success)
        .catch(function (e) { toast(d.textFailed, "danger"); failure(e); });
    },
    eventDrop: move,
    eventResize: move,
    dateClick: function (info) {
      if (!d.createUrl) { return; }
      window.location.href = d.createUrl + "?start=" + encodeURIComponent(local(info.date, info.allDay));
    },
    eventDidMount: function (info) {
      var props = info.event.extendedProps || {};
      if (props.place) { info.el.title = info.event.title + " · " + props.place; }
      if (props.cancelled) { info.el.style.textDecoration = "line-through"; info.el.style.opacity = "0.6"; }
    }
  });
  calendar.render();
})();

/* The subscription page: copy the feed address. */
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.querySelector(button.getAttribute("data-copy"));
      if (!input) { return; }
      input.select();
      var done = function () { if (window.tandemToast) { window.tandemToast(button.getAttribute("data-copied"), "success"); } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done);
      } else {
        try { document.execCommand("copy"); done(); } catch (e) { /* selected: the person copies */ }
      }
    });
  });
})();
