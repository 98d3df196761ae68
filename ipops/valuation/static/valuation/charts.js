// Charts of the valuation pages, drawn with the vendored ECharts from JSON embedded by json_script.
(function () {
  function data(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    return source ? JSON.parse(source.textContent) : null;
  }
  function radar(el) {
    var d = data(el);
    if (!d || !window.echarts) return;
    var chart = window.echarts.init(el);
    chart.setOption({
      radar: { indicator: d.dimensions.map(function (name) { return { name: name, max: 100 }; }) },
      series: [{ type: "radar", data: [{ value: d.values, areaStyle: { opacity: 0.2 } }] }],
    });
    el.setAttribute("data-rendered", "1");
  }
  function histogram(el) {
    var d = data(el);
    if (!d || !window.echarts) return;
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: {},
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: d.counts }],
    });
    el.setAttribute("data-rendered", "1");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var r = document.getElementById("radar-chart");
    if (r) radar(r);
    var h = document.getElementById("score-histogram");
    if (h) histogram(h);
  });
})();
