// Cluster Atlas: draw every chart of the page from the Vega-Lite spec embedded next to it.
// Specs sit in <script type="application/json"> blocks (data, not code, so the CSP holds);
// charts are drawn with the SVG renderer and Vega's CSP-safe expression interpreter.
(function () {
  "use strict";

  function draw(el) {
    var block = document.getElementById(el.getAttribute("data-vega"));
    if (!block || typeof window.vegaEmbed !== "function") return;
    var spec = JSON.parse(block.textContent);
    var options = {
      renderer: "svg",
      actions: false,
      ast: true,
      defaultStyle: false,
      tooltip: { theme: "custom", disableDefaultStyle: true },
    };
    window.vegaEmbed(el, spec, options).then(function (result) {
      el.setAttribute("data-rendered", "true");
      var svg = el.querySelector("svg");
      if (svg) {
        // The container is role="img" with the chart's title and summary as its label, and
        // the data table below has every number: the SVG's own marks stay out of the
        // accessibility tree.
        svg.setAttribute("focusable", "false");
        svg.setAttribute("aria-hidden", "true");
      }
      window.atlasViews = window.atlasViews || {};
      window.atlasViews[el.id] = result.view;
    }).catch(function (err) {
      el.setAttribute("data-rendered", "error");
      el.textContent = "The chart could not be drawn; the data table below has the same numbers.";
      if (window.console) console.error(err);
    });
  }

  function autosubmit(form) {
    form.querySelectorAll("select").forEach(function (sel) {
      sel.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    });
  }

  function start() {
    document.querySelectorAll("[data-vega]").forEach(draw);
    document.querySelectorAll("form[data-autosubmit]").forEach(autosubmit);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
