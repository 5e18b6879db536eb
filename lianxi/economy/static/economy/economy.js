// The monitor's trend chart (Apache ECharts, served by Django's staticfiles). The data comes from the page's
// json_script block: no server text is ever pasted into this code.
(function () {
  "use strict";
  var holder = document.getElementById("economy-trend");
  var source = document.getElementById("economy-trend-data");
  if (!holder || !source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var selected = {};
  data.series.forEach(function (s) {
    // The non-public (非公) lines are the headline's; the private (民营) ones are a click away in the legend.
    selected[s.name] = s.sector === "non_public";
  });
  var percent = function (value) {
    return value === null || value === undefined ? "—" : value.toFixed(1) + "%";
  };
  var chart = window.echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "axis", valueFormatter: percent },
    legend: { type: "scroll", top: 0, selected: selected },
    grid: { left: 56, right: 24, top: 48, bottom: 32 },
    xAxis: { type: "category", data: data.periods },
    yAxis: {
      type: "value", max: 100,
      min: function (extent) { return Math.max(0, Math.floor(extent.min / 10) * 10); },
      axisLabel: { formatter: "{value}%" }
    },
    series: data.series.map(function (s) {
      return {
        name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 6,
        lineStyle: s.sector === "private" ? { type: "dashed" } : undefined
      };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
