/* Pulih — charts of the dashboards, drawn with the local Chart.js (no CDN, CSP-safe: no inline
   script, no eval). The figures come from one JSON data block (Django's json_script) that the
   browser never executes; each canvas names its chart with data-chart="<key>". A suppressed cell
   arrives as null and is drawn as nothing: the table beside the chart is the source of truth. */
(function () {
  "use strict";

  var PALETTE = ["#1d6f5f", "#d97706", "#2563eb", "#9333ea", "#dc2626", "#0891b2", "#65a30d", "#6b7280"];
  var number = new Intl.NumberFormat("id-ID");

  function colours(n) {
    var out = [];
    for (var i = 0; i < n; i++) out.push(PALETTE[i % PALETTE.length]);
    return out;
  }

  function config(spec) {
    var kind = spec.type;
    var series = spec.series || [];
    var isPie = kind === "doughnut";
    var datasets = series.map(function (s, i) {
      var colour = isPie ? colours(spec.labels.length) : PALETTE[i % PALETTE.length];
      return {
        label: s.label,
        data: s.data,
        backgroundColor: colour,
        borderColor: isPie ? "#ffffff" : colour,
        borderWidth: isPie ? 1 : 2,
        spanGaps: false,
        tension: 0.2,
      };
    });
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduced ? false : { duration: 300 },
      plugins: {
        legend: { display: isPie || series.length > 1, position: "bottom", labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            label: function (item) {
              var value = item.raw === null || item.raw === undefined ? "<5 / ×" : number.format(item.raw);
              return (item.dataset.label ? item.dataset.label + ": " : "") + value;
            },
          },
        },
      },
    };
    if (!isPie) {
      var valueAxis = { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return number.format(v); } } };
      if (spec.max) valueAxis.max = spec.max;
      var categoryAxis = { ticks: { autoSkip: true, maxRotation: 60 } };
      var stacked = kind === "stacked";
      options.indexAxis = kind === "hbar" || stacked ? "y" : "x";
      options.scales = options.indexAxis === "y"
        ? { x: Object.assign({ stacked: stacked }, valueAxis), y: Object.assign({ stacked: stacked }, categoryAxis) }
        : { y: valueAxis, x: categoryAxis };
    }
    return { type: isPie ? "doughnut" : kind === "line" ? "line" : "bar", data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw() {
    var source = document.getElementById("report-charts");
    if (!source || !window.Chart) return;
    var specs;
    try {
      specs = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = specs[canvas.getAttribute("data-chart")];
      if (!spec || !spec.labels || !spec.labels.length) {
        canvas.closest(".chart-box").hidden = true;
        return;
      }
      canvas.setAttribute("data-drawn", "1");
      new window.Chart(canvas, config(spec));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
