/* Role dashboards (tandem/insights): bar charts drawn with the vendored ECharts from data the
   page carries in <script type="application/json"> (the CSP allows no inline script). A click on
   a bar opens the records behind it. */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
  var font = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';

  function compact(value) {
    var n = Math.abs(value), sign = value < 0 ? "-" : "";
    var steps = zh ? [[1e8, "亿"], [1e4, "万"]] : [[1e9, "B"], [1e6, "M"], [1e3, "K"]];
    for (var i = 0; i < steps.length; i++) {
      if (n >= steps[i][0]) {
        return sign + (Math.round((n / steps[i][0]) * 10) / 10).toLocaleString() + steps[i][1];
      }
    }
    return sign + Math.round(n).toLocaleString();
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var money = el.getAttribute("data-money") === "1";
    var horizontal = el.getAttribute("data-horizontal") === "1";
    var palette = ["#206bc4", "#74b816", "#f59f00", "#d63939"];
    var series = data.series.map(function (s, i) {
      return { name: s.name, type: "bar", data: s.values, itemStyle: { color: palette[i % palette.length] }, barMaxWidth: 28 };
    });
    var categoryAxis = { type: "category", data: data.labels, axisLabel: { fontFamily: font, hideOverlap: true, width: 110, overflow: "truncate" } };
    var valueAxis = { type: "value", axisLabel: { fontFamily: font, formatter: money ? compact : null } };
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      textStyle: { fontFamily: font },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { fontFamily: font } },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: function (v) { return money ? compact(v) : String(v); }
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? Object.assign({}, categoryAxis, { inverse: true }) : valueAxis,
      series: series
    });
    if (data.urls) {
      chart.on("click", function (params) {
        var url = data.urls[params.dataIndex];
        if (url) { window.location.href = url; }
      });
    }
    window.addEventListener("resize", function () { chart.resize(); });
  }

  /* "Refresh" computed the figures now (?refresh=1): drop it from the address, so that a reload,
     a bookmark or the back button reads the kept figures again rather than recompute them. */
  function forgetRefresh() {
    if (!window.history || !window.history.replaceState || !window.URLSearchParams) { return; }
    var params = new URLSearchParams(window.location.search);
    if (params.get("refresh") !== "1") { return; }
    params.delete("refresh");
    var query = params.toString();
    window.history.replaceState(window.history.state, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
  }

  function init() {
    forgetRefresh();
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) { draw(charts[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
