/* 统计分析 and 数据大屏: the charts (Apache ECharts, served from the installed npm package).
 *
 * Every element with data-chart="<id>" is a chart; <id> names a json_script element holding its spec, written by
 * lianxi.stats.views: {kind: "trend" | "pie" | "bars", labels, titles, notes?, series: [{name, type, values,
 * urls, percent?}]}. A click on a data point opens urls[point] — the appeal list that produced it. Text from the
 * database reaches the charts only as data: labels are drawn on the canvas, and the tooltips (HTML) escape it.
 * On the big screen the minute's poll (HTMX) swaps new specs into #screen-data; the charts take the new data in
 * place, without being rebuilt.
 */
(function () {
  "use strict";

  // Navy and red of lianxi.css first, then colours that stay apart on white and on the dark screen.
  var PALETTE = ["#2f6fb0", "#d9822b", "#3b9c6b", "#b3191e", "#7b5ea7", "#1f9aa6", "#c9a227", "#8a8f98",
                 "#5b8c3a", "#c2528b", "#4a6fa5", "#a0522d"];
  var FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", ' +
             "system-ui, sans-serif";
  var charts = [];  // {element, chart, spec}

  function dark() {
    return document.body.dataset.chartTheme === "dark";
  }

  function escapeHtml(text) {
    return echarts.format.encodeHTML(text === null || text === undefined ? "" : String(text));
  }

  function shown(value, percent) {
    if (value === null || value === undefined) return "—";
    return percent ? value + "%" : value + " 件";
  }

  function isEmpty(spec) {
    return !spec.series.length || !spec.series[0].values.some(function (v) { return v; });
  }

  function base(spec) {
    var big = dark();
    return {
      color: PALETTE,
      backgroundColor: "transparent",
      textStyle: {fontFamily: FONT, fontSize: big ? 16 : 13},
      aria: {enabled: true},
      animationDuration: 500,
      animationDurationUpdate: 700,
      title: {show: isEmpty(spec), text: "暂无数据", left: "center", top: "middle",
              textStyle: {fontSize: big ? 20 : 14, fontWeight: "normal", color: big ? "#9fb3c8" : "#5f6b7a"}},
    };
  }

  function axisLabel(extra) {
    var label = {fontSize: dark() ? 15 : 12};
    for (var key in extra) label[key] = extra[key];
    return label;
  }

  function trend(spec) {
    var option = base(spec);
    var bar = spec.series[0], line = spec.series[1];
    option.tooltip = {
      trigger: "axis",
      formatter: function (items) {
        var index = items.length ? items[0].dataIndex : 0;
        var lines = ["<strong>" + escapeHtml(spec.titles[index]) + "</strong>"];
        items.forEach(function (item) {
          var series = spec.series[item.seriesIndex];
          lines.push(item.marker + escapeHtml(series.name) + "：" + shown(series.values[index], series.percent));
        });
        return lines.join("<br>");
      },
    };
    option.legend = {top: 0, data: [bar.name, line.name], textStyle: {fontSize: dark() ? 16 : 13}};
    option.grid = {left: 12, right: 12, top: 40, bottom: 8, containLabel: true};
    option.xAxis = {type: "category", data: spec.labels, axisLabel: axisLabel({hideOverlap: true})};
    option.yAxis = [
      {type: "value", name: "件", minInterval: 1, axisLabel: axisLabel({})},
      {type: "value", name: "办结率", min: 0, max: 100, splitLine: {show: false},
       axisLabel: axisLabel({formatter: "{value}%"})},
    ];
    option.series = [
      {name: bar.name, type: "bar", data: bar.values, barMaxWidth: 40, cursor: "pointer"},
      {name: line.name, type: "line", yAxisIndex: 1, data: line.values, symbolSize: 9, connectNulls: false,
       cursor: "pointer", lineStyle: {width: 3}, itemStyle: {color: PALETTE[1]}},
    ];
    return option;
  }

  function itemTooltip(spec) {
    return function (item) {
      var series = spec.series[0];
      var text = "<strong>" + escapeHtml(spec.titles[item.dataIndex]) + "</strong><br>" +
                 item.marker + escapeHtml(series.name) + "：" + shown(series.values[item.dataIndex]);
      if (item.percent !== undefined) text += "（占 " + item.percent + "%）";
      if (spec.notes) text += "<br>" + escapeHtml(spec.notes[item.dataIndex]);
      return text;
    };
  }

  function pie(spec, element) {
    var option = base(spec);
    var series = spec.series[0];
    // On a phone the labels around the ring do not fit: a legend below it names the slices instead.
    var narrow = element.clientWidth < 480;
    option.tooltip = {trigger: "item", formatter: itemTooltip(spec)};
    option.legend = {show: narrow, type: "scroll", bottom: 0};
    option.series = [{
      name: series.name, type: "pie", radius: ["38%", "64%"], center: ["50%", narrow ? "45%" : "52%"],
      cursor: "pointer", avoidLabelOverlap: true, minShowLabelAngle: 4,
      itemStyle: {borderColor: dark() ? "#0b1a2e" : "#fff", borderWidth: 2},
      label: {show: !narrow, formatter: "{b}\n{c}件", fontSize: dark() ? 15 : 12, lineHeight: dark() ? 20 : 16},
      data: spec.labels.map(function (label, i) { return {name: label, value: series.values[i]}; }),
    }];
    return option;
  }

  function bars(spec) {
    var option = base(spec);
    var series = spec.series[0];
    option.tooltip = {trigger: "item", formatter: itemTooltip(spec)};
    option.grid = {left: 8, right: 48, top: 8, bottom: 8, containLabel: true};
    option.xAxis = {type: "value", minInterval: 1, axisLabel: axisLabel({})};
    // Most first, at the top.
    option.yAxis = {type: "category", inverse: true, data: spec.labels,
                    axisLabel: axisLabel({width: dark() ? 170 : 130, overflow: "truncate"})};
    option.series = [{name: series.name, type: "bar", data: series.values, barMaxWidth: 26, cursor: "pointer",
                      colorBy: "data", label: {show: true, position: "right", fontSize: dark() ? 15 : 12}}];
    return option;
  }

  var BUILDERS = {trend: trend, pie: pie, bars: bars};

  function readSpec(element) {
    var source = document.getElementById(element.dataset.chart);
    return source ? JSON.parse(source.textContent) : null;
  }

  function urlOf(spec, params) {
    var series = spec.series[params.seriesIndex] || spec.series[0];
    var url = series && series.urls ? series.urls[params.dataIndex] : null;
    // Only this site's pages: the URLs are built by the view, but a click never leaves the site.
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null;
  }

  function draw(element) {
    var spec = readSpec(element);
    if (!spec || !BUILDERS[spec.kind]) return;
    var entry = charts.find(function (e) { return e.element === element; });
    if (!entry) {
      entry = {element: element, chart: echarts.init(element, dark() ? "dark" : null), spec: spec};
      entry.chart.on("click", function (params) {
        var url = urlOf(entry.spec, params);
        if (url) window.location.assign(url);
      });
      if (window.ResizeObserver) {
        new ResizeObserver(function () {
          entry.chart.resize();
          if (entry.spec.kind === "pie") entry.chart.setOption(pie(entry.spec, element));  // labels or legend
        }).observe(element);
      }
      charts.push(entry);
    }
    entry.spec = spec;
    // Merged into the chart already drawn: an update moves the bars and lines instead of redrawing the chart.
    entry.chart.setOption(BUILDERS[spec.kind](spec, element), {replaceMerge: ["series"]});
  }

  function drawAll() {
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  var pending = false;
  function redrawSoon() {
    if (pending) return;
    pending = true;
    window.setTimeout(function () { pending = false; drawAll(); }, 0);
  }

  function fullscreenButton() {
    var button = document.querySelector("[data-fullscreen]");
    if (!button || !document.fullscreenEnabled) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(function () {});
    });
    document.addEventListener("fullscreenchange", function () {
      button.textContent = document.fullscreenElement ? "退出全屏" : "全屏";
    });
  }

  function start() {
    if (!window.echarts) return;
    drawAll();
    fullscreenButton();
    if (!window.ResizeObserver) {
      window.addEventListener("resize", function () { charts.forEach(function (e) { e.chart.resize(); }); });
    }
    // The big screen's poll swapped new chart data in (out of band): update the charts in place.
    document.addEventListener("htmx:oobAfterSwap", function (event) {
      if (event.target.closest && event.target.closest("#screen-data")) redrawSoon();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
