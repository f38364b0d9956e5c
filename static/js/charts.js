// Draws every [data-chart] element from the figure JSON its template embedded with json_script.
// plotly.js (our partial bundle, named by this script tag's data-plotly) is fetched only on pages
// that have a chart, once the page has loaded: the leaderboard is readable at once and the charts
// follow, instead of every reader waiting for 1.2 MB of JavaScript to compile before the first paint.
(function () {
  var bundle = document.currentScript && document.currentScript.dataset.plotly;
  var loading = null;

  function plotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = bundle;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { reject(new Error("plotly.js did not load: " + bundle)); };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function draw(root) {
    if (!root.querySelectorAll || (!bundle && !window.Plotly)) return;
    var charts = Array.prototype.slice.call(root.querySelectorAll("[data-chart]:not([data-drawn])"));
    if (!charts.length) return;
    plotly().then(function (Plotly) {
      charts.forEach(function (el) {
        var source = document.getElementById(el.dataset.chart);
        if (!source || el.dataset.drawn) return;
        var figure = JSON.parse(source.textContent);
        Plotly.newPlot(el, figure.data, figure.layout, { responsive: true, displayModeBar: false });
        el.dataset.drawn = "1";
      });
    });
  }

  if (document.readyState === "complete") draw(document);
  else window.addEventListener("load", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
