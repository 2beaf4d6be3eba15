/* The analytics workspace: draws each card's chart (ECharts) from its JSON, sends a click on a
   bar, step or slice to the records behind it, saves a chart as PNG, and shows the custom
   range fields only when a custom range is chosen. */
(function () {
  "use strict";
  var COLORS = ["#066fd1", "#2fb344", "#f76707", "#ae3ec9", "#0ca678", "#d63939", "#f59f00", "#4299e1", "#667382"];
  var charts = [];
  var lang = document.documentElement.lang || "en";
  var locale = lang.indexOf("zh") === 0 ? "zh-CN" : "en";

  function fmt(unit, currency, compact) {
    var opts = {};
    if (unit === "money") { opts = { style: "currency", currency: currency, currencyDisplay: "narrowSymbol", maximumFractionDigits: compact ? 1 : 2 }; }
    else if (unit === "percent") { opts = { style: "percent", maximumFractionDigits: 1 }; }
    else { opts = { maximumFractionDigits: 0 }; }
    if (compact && unit !== "percent") { opts.notation = "compact"; }
    var nf = new Intl.NumberFormat(locale, opts);
    return function (value) { return value === null || value === undefined ? "—" : nf.format(value); };
  }

  function build(spec, currency) {
    var first = spec.series[0] || { unit: "count", data: [] };
    var tooltipFmt = {};
    spec.series.forEach(function (s) { tooltipFmt[s.name] = fmt(s.unit, currency, false); });
    var base = {
      color: COLORS,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      aria: { enabled: true, label: { description: spec.title } },
      title: { text: spec.title, left: 0, top: 0, textStyle: { fontSize: 13, fontWeight: 500, color: "#49566c" } },
      grid: { left: 8, right: 12, top: 56, bottom: 8, containLabel: true },
      tooltip: {
        trigger: spec.type === "pie" || spec.type === "funnel" ? "item" : "axis",
        valueFormatter: fmt(first.unit, currency, false)
      },
      legend: spec.series.length > 1 ? { top: 24, left: 0 } : undefined
    };
    if (spec.type === "funnel") {
      base.series = [{
        type: "funnel", name: first.name, sort: "none", top: 56, bottom: 8, left: "5%", width: "90%", minSize: "8%",
        label: { show: true, position: "inside", formatter: "{b}: {c}" },
        data: spec.categories.map(function (name, i) { return { name: name, value: first.data[i] }; })
      }];
      return base;
    }
    if (spec.type === "pie") {
      base.series = [{
        type: "pie", name: first.name, radius: ["35%", "65%"], top: 40,
        data: spec.categories.map(function (name, i) { return { name: name, value: first.data[i] }; })
      }];
      return base;
    }
    var axisCompact = fmt(first.unit, currency, true);
    var category = { type: "category", data: spec.categories, axisLabel: { hideOverlap: true } };
    var value = { type: "value", axisLabel: { formatter: axisCompact } };
    if (spec.type === "hbar") {
      category.inverse = true;
      base.xAxis = value;
      base.yAxis = category;
    } else {
      base.xAxis = category;
      base.yAxis = [value];
    }
    base.series = spec.series.map(function (s) {
      var serie = { type: s.line ? "line" : "bar", name: s.name, data: s.data, barMaxWidth: 36 };
      if (s.line) {
        serie.yAxisIndex = 1;
        serie.smooth = true;
        base.yAxis.push({ type: "value", min: 0, max: 1, axisLabel: { formatter: fmt("percent", currency, true) }, splitLine: { show: false } });
      }
      serie.tooltip = { valueFormatter: fmt(s.unit, currency, false) };
      return serie;
    });
    return base;
  }

  function draw(root) {
    if (typeof echarts === "undefined") { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (echarts.getInstanceByDom(el)) { return; }  // drawn already (a card swapped in elsewhere)
      var spec = JSON.parse(el.getAttribute("data-spec"));
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(spec, el.getAttribute("data-currency") || "CNY"));
      chart.on("click", function (params) {
        var url = spec.drill && spec.drill[params.dataIndex];
        if (url) { window.location.href = url; }
      });
      charts.push(chart);
    });
  }

  function toggleCustom() {
    var period = document.querySelector(".analytics-filters select[name=period]");
    if (!period) { return; }
    document.querySelectorAll(".analytics-custom").forEach(function (el) {
      el.classList.toggle("d-none", period.value !== "custom");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-chart-png]");
    if (!button || typeof echarts === "undefined") { return; }
    var chart = echarts.getInstanceByDom(document.getElementById(button.getAttribute("data-chart-png")));
    if (!chart) { return; }
    var link = document.createElement("a");
    link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
    link.download = button.getAttribute("data-filename") || "chart.png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches(".analytics-filters select[name=period]")) { toggleCustom(); }
  });
  document.addEventListener("DOMContentLoaded", function () { toggleCustom(); draw(document); });
  document.body.addEventListener("htmx:afterSettle", function () {
    charts = charts.filter(function (c) { return !c.isDisposed() && document.body.contains(c.getDom()); });
    draw(document);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { if (!c.isDisposed()) { c.resize(); } });
  });
})();
