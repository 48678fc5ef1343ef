// Lodestar Workbench: draws the charts, shows progress on long forms, follows training runs.
(function () {
  "use strict";

  function drawCharts() {
    if (typeof Plotly === "undefined") return;
    document.querySelectorAll("script.figure-data").forEach(function (node) {
      var target = document.getElementById(node.dataset.target);
      if (!target) return;
      var figure = JSON.parse(node.textContent);
      Plotly.newPlot(target, figure.data, figure.layout || {}, {
        responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud"]
      });
    });
  }

  function busyForms() {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var indicator = form.querySelector(".busy");
        if (indicator) indicator.hidden = false;
        form.setAttribute("aria-busy", "true");
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          window.setTimeout(function () { b.disabled = true; }, 0);
        });
      });
    });
  }

  function followRun(box) {
    var url = "/v1/training/runs/" + encodeURIComponent(box.dataset.pollRun);
    var status = box.querySelector("[data-run-status]");
    var message = box.querySelector("[data-run-message]");
    var bar = box.querySelector("progress");
    var done = box.querySelector("[data-run-done]");
    var started = Date.now();
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (!answer.ok) {
            status.textContent = "error";
            message.textContent = answer.body.message || "could not read the run";
            return;
          }
          var run = answer.body;
          status.textContent = run.status;
          box.dataset.status = run.status;
          var seconds = Math.round((Date.now() - started) / 1000);
          message.textContent = run.message || (run.status === "running" ? "training… " + seconds + " s" : "waiting for the training queue… " + seconds + " s");
          if (run.status === "succeeded" || run.status === "failed") {
            bar.max = 1; bar.value = 1;
            if (done) {
              done.hidden = false;
              if (run.version) done.querySelector("[data-run-version]").textContent = "v" + run.version;
            }
            return;
          }
          window.setTimeout(tick, 1000);
        })
        .catch(function () { window.setTimeout(tick, 2000); });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    busyForms();
    document.querySelectorAll("[data-poll-run]").forEach(followRun);
  });
})();
