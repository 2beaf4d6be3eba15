/* Work report statistics (ECharts): submission rate and on-time share per period, in percent.
   The data comes from a json_script element, the series names from data-* attributes. */
(function () {
  "use strict";
  function draw(el) {
    if (!window.echarts) return;
    var source = document.getElementById(el.dataset.reportChart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, bottom: 32, top: 16, containLabel: true },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: el.dataset.labelRate, type: "bar", data: data.rate },
        { name: el.dataset.labelOnTime, type: "line", data: data.on_time, connectNulls: true }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() { document.querySelectorAll("[data-report-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
