/* My targets: actual vs target by month (ECharts), from the page's JSON (#target-chart-data). */
(function () {
  "use strict";
  var holder = document.getElementById("target-chart");
  var source = document.getElementById("target-chart-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder);
  chart.setOption({
    title: { text: data.title, left: 0, top: 0, textStyle: { fontSize: 14, fontWeight: 600, lineHeight: 18 } },
    tooltip: { trigger: "axis" },
    legend: { top: 28, left: 0, data: [data.actual_name, data.target_name] },
    grid: { left: 8, right: 8, top: 64, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
    yAxis: { type: "value" },
    series: [
      { name: data.actual_name, type: "bar", data: data.actual, itemStyle: { color: "#206bc4" } },
      { name: data.target_name, type: "line", data: data.target, step: "middle", connectNulls: false, itemStyle: { color: "#d63939" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
