/* Field visits (外勤签到). No inline scripts (CSP): behaviour is attached by data attributes.

   - [data-geo-locate] asks the browser for the position and fills the form's
     input[data-geo=latitude|longitude|accuracy]; a check-out form ([data-geo-form] without the
     button) asks once on load. Location is optional: a refusal or failure is said in
     [data-geo-status] and the form still submits. Messages come from <template id=geo-messages>.
   - [data-elapsed-since="<ISO time>"] shows the time since then, updated each minute.
   - #visit-map draws the day's points (json #visit-points) on an ECharts scatter chart with
     longitude and latitude axes: no map tiles, no hosted service. */
(function () {
  "use strict";

  var texts = document.getElementById("geo-messages");
  function say(form, key, values) {
    var status = form.querySelector("[data-geo-status]");
    if (!status || !texts) { return; }
    var text = texts.dataset[key] || "";
    Object.keys(values || {}).forEach(function (name) { text = text.replace("%(" + name + ")s", values[name]); });
    status.textContent = text;
  }

  function locate(form) {
    if (!navigator.geolocation) { say(form, "unsupported"); return; }
    say(form, "asking");
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords;
      var fill = { latitude: c.latitude.toFixed(6), longitude: c.longitude.toFixed(6), accuracy: Math.round(c.accuracy || 0) };
      Object.keys(fill).forEach(function (name) {
        var input = form.querySelector('input[data-geo="' + name + '"]');
        if (input) { input.value = String(fill[name]); }
      });
      say(form, "done", { m: String(fill.accuracy) });
    }, function (error) {
      say(form, error && error.code === 1 ? "denied" : "unavailable");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-geo-locate]");
    if (!button) { return; }
    var form = button.closest("form");
    if (form) { locate(form); }
  });

  function elapsed() {
    document.querySelectorAll("[data-elapsed-since]").forEach(function (el) {
      var since = Date.parse(el.dataset.elapsedSince);
      if (isNaN(since)) { return; }
      var minutes = Math.max(0, Math.floor((Date.now() - since) / 60000));
      var h = Math.floor(minutes / 60), m = minutes % 60;
      var unitH = (texts && texts.dataset.hours) || "h", unitM = (texts && texts.dataset.minutes) || "min";
      el.textContent = (h ? h + " " + unitH + " " : "") + m + " " + unitM;
    });
  }

  function drawMap() {
    var el = document.getElementById("visit-map");
    var data = document.getElementById("visit-points");
    if (!el || !data || !window.echarts) { return; }
    var spec = JSON.parse(data.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      aria: { enabled: true },
      tooltip: { trigger: "item", formatter: function (p) { return p.seriesName + "<br>" + window.echarts.format.encodeHTML(p.value[2]); } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 32, containLabel: true },
      xAxis: { type: "value", name: spec.lon, scale: true, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "value", name: spec.lat, scale: true },
      series: spec.series.map(function (s) { return { type: "scatter", name: s.name, data: s.data, symbolSize: 12 }; })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    elapsed();
    setInterval(elapsed, 30000);
    document.querySelectorAll("form[data-geo-form]").forEach(function (form) {
      // Checking out: ask at once (the person is leaving now); checking in waits for the button.
      if (!form.querySelector("[data-geo-locate]")) { locate(form); }
    });
    drawMap();
  });
})();
