// The live dashboard's charts (reports/dashboard.html), drawn with the vendored ECharts.
// The figures come from a json_script element (no inline script: CSP); tapping a region's bar
// opens that region's dashboard (drill-down).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var palette = ["#1f6f8b", "#e8a33d", "#5a9367", "#c0504d", "#7f6ab0", "#4f81bd"];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) {
      return null;
    }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
    element.setAttribute("data-drawn", "true");
    return chart;
  }

  draw("chart-months", {
    color: palette,
    grid: { left: 40, right: 12, top: 16, bottom: 28 },
    tooltip: { trigger: "axis", renderMode: "richText" },
    xAxis: {
      type: "category",
      data: data.months.map(function (month) { return month.slice(5); }),
    },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: data.labels.monthly, type: "bar", data: data.monthly }],
  });

  // Needs by charity area: bars (labels stay readable on a phone, where a pie's do not).
  var areas = data.areas.slice().reverse();
  var areaBox = document.getElementById("chart-areas");
  if (areaBox) {
    areaBox.style.height = Math.max(160, 30 * areas.length + 40) + "px";
  }
  draw("chart-areas", {
    color: [palette[1]],
    grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: {
      type: "category",
      data: areas.map(function (area) { return area.name; }),
      axisLabel: { interval: 0 },
    },
    series: [
      {
        name: data.labels.areas,
        type: "bar",
        data: areas.map(function (area) { return area.value; }),
        label: { show: true, position: "right" },
      },
    ],
  });

  var select = document.getElementById("chart-figure");
  var childrenChart = null;

  function childOption(key) {
    var names = data.children.map(function (child) { return child.name; });
    var values = data.children.map(function (child) {
      var value = child.values[key];
      return value === null || value === undefined ? 0 : value;
    });
    return {
      color: palette,
      grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { interval: 0 } },
      series: [
        {
          type: "bar",
          data: values,
          cursor: "pointer",
          label: { show: true, position: "right" },
        },
      ],
    };
  }

  if (data.children.length) {
    var box = document.getElementById("chart-children");
    if (box) {
      // Room for every region's bar, on a phone as well.
      box.style.height = Math.max(200, 30 * data.children.length + 40) + "px";
    }
    childrenChart = draw("chart-children", childOption(data.figure));
    if (childrenChart) {
      childrenChart.on("click", function (params) {
        var child = data.children[params.dataIndex];
        if (child && child.url) {
          window.location.assign(child.url);
        }
      });
    }
    if (select) {
      data.figures.forEach(function (figure) {
        var option = document.createElement("option");
        option.value = figure.key;
        option.textContent = figure.label;
        option.selected = figure.key === data.figure;
        select.appendChild(option);
      });
      select.addEventListener("change", function () {
        if (childrenChart) {
          childrenChart.setOption(childOption(select.value));
        }
      });
    }
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
