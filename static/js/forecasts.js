/* Forecast movement chart (ECharts): the data comes from a json_script element, labels from data-* attributes. */
(function () {
  "use strict";
  function draw(el) {
    if (!window.echarts) return;
    var source = document.getElementById(el.dataset.forecastChart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(el);
    var currency = el.dataset.currency || "";
    var fmt = function (v) { return v == null ? "—" : Number(v).toLocaleString(document.documentElement.lang || undefined, { maximumFractionDigits: 0 }); };
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return fmt(v) + " " + currency; } },
      // The legend sits below the chart: above it, on a phone, it ran into the axis name.
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, bottom: 32, top: 28, containLabel: true },
      xAxis: { type: "category", data: data.dates },
      yAxis: { type: "value", name: currency, axisLabel: { formatter: function (v) { return fmt(v); } } },
      series: [
        { name: el.dataset.labelSubmitted, type: "line", data: data.submitted, connectNulls: true },
        { name: el.dataset.labelAdjusted, type: "line", data: data.adjusted, connectNulls: true },
        { name: el.dataset.labelWon, type: "line", data: data.won, areaStyle: { opacity: 0.1 } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() { document.querySelectorAll("[data-forecast-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
