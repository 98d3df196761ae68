// Draws the navigation report's charts from the JSON the page embeds (no inline script: CSP script-src 'self').
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || typeof echarts === "undefined") { return; }
    var specs = JSON.parse(source.textContent);
    specs.forEach(function (spec) {
      var el = document.querySelector('[data-chart="' + spec.id + '"]');
      if (!el) { return; }
      var chart = echarts.init(el, null, { renderer: "svg" });
      var option;
      if (spec.type === "pie") {
        option = {
          tooltip: { trigger: "item" },
          series: [{ type: "pie", radius: "65%", data: spec.categories.map(function (name, i) {
            return { name: name, value: spec.series[0].data[i] };
          }) }]
        };
      } else {
        var horizontal = spec.type === "bar" && spec.categories.length > 8;
        var category = { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 140, overflow: "truncate" } };
        var value = { type: "value" };
        option = {
          tooltip: { trigger: "axis" },
          legend: spec.series.length > 1 ? { top: 0 } : undefined,
          grid: { left: horizontal ? 150 : 50, right: 20, top: 30, bottom: 40 },
          xAxis: horizontal ? value : category,
          yAxis: horizontal ? Object.assign({}, category, { inverse: true }) : value,
          series: spec.series.map(function (s) { return { name: s.name, type: spec.type, data: s.data }; })
        };
      }
      chart.setOption(option);
      el.setAttribute("data-rendered", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
