/* steepest playground: plain JavaScript, no build step.
 *
 * Every number on this page is computed by steepest on the server (JSON API
 * under /api); this script only asks, keeps the state of the current run and
 * draws it with Plotly.  A run is computed whole when its settings change;
 * Step, Run, Pause and Reset then move along the computed path.
 */
(function () {
  "use strict";

  var METHODS = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "armijo", "lbfgs", "newton"];
  var METHOD_LABELS = {
    gd: "gradient descent", momentum: "momentum", nesterov: "Nesterov", adagrad: "AdaGrad",
    rmsprop: "RMSProp", adam: "Adam", armijo: "Armijo line search", lbfgs: "L-BFGS", newton: "Newton"
  };
  var COLORS = ["#D55E00", "#0072B2", "#009E73"];  // Okabe-Ito vermillion, blue, bluish green
  var RUN_NAMES = ["A", "B", "C"];
  var SURFACE_SCALE = [[0, "#f3f1f8"], [0.5, "#cfcbe3"], [1, "#8f89bd"]];
  var CONTOUR_SCALE = [[0, "#ffffff"], [0.35, "#e4e8ee"], [1, "#9aa6b5"]];
  var CRITICAL_STYLE = {
    minimum: { symbol: "star", size: 15, color: "#F0E442" },
    maximum: { symbol: "triangle-up", size: 11, color: "#ffffff" },
    saddle: { symbol: "x", size: 10, color: "#ffffff" }
  };
  var PLOT_CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"] };

  function $(id) { return document.getElementById(id); }
  function byTest(name) { return document.querySelector('[data-testid="' + name + '"]'); }

  var el = {
    preset: $("preset-select"), fn: $("function-input"), note: $("preset-note"),
    xlim: $("xlim-input"), ylim: $("ylim-input"), ylimField: $("ylim-field"),
    x0: $("x0-input"), startHint: $("start-hint"), lrSlider: $("lr-slider"), lr: $("lr-input"),
    method: $("method-select"), maxIter: $("max-iter-input"),
    tangent: $("tangent-toggle"), compare: $("compare-toggle"), compareRuns: $("compare-runs"),
    compareMethods: [byTest("compare-method-1"), byTest("compare-method-2")],
    compareLrs: [byTest("compare-lr-1"), byTest("compare-lr-2")],
    compareC: byTest("compare-enable-2"),
    step: $("step-button"), run: $("run-button"), pause: $("pause-button"), reset: $("reset-button"),
    error: $("error-message"), iteration: $("iteration-count"), point: $("current-point"),
    loss: $("current-loss"), gradient: $("current-gradient"), status: $("run-status"),
    message: $("run-message"), runsTable: $("runs-table"),
    surface: $("surface-plot"), contour: $("contour-plot"), lossPlot: $("loss-plot"),
    contourCaption: $("contour-caption"), steps: $("steps-content"),
    preview: $("function-preview"), tangentEquation: $("tangent-equation"),
    functionsMode: $("functions-mode"), dataMode: $("data-mode"),
    tabFunctions: $("tab-functions"), tabData: $("tab-data")
  };

  var state = {
    presets: [],
    fn: null,          // {text, info, xlim, ylim, grid, critical}
    fnGeneration: 0,
    runs: null,        // results of /api/minimize, one per run
    runsPromise: null,
    runGeneration: 0,
    index: 0,
    timer: null,
    clickBound: false,
    pending: 0,
    recompute: null,
    fnReady: Promise.resolve(),
    dataDrawn: false
  };

  // ---------------------------------------------------------------------------------------
  // small helpers

  function api(path, body) {
    var options = body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    };
    busy(1);
    return fetch(path, options).then(function (response) {
      return response.json().catch(function () {
        throw new Error("the server answered " + response.status + " without JSON");
      }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.error || ("the request failed with status " + response.status));
          error.field = data.field;
          error.column = data.column;
          throw error;
        }
        return data;
      });
    }).finally(function () { busy(-1); });
  }

  function busy(change) {
    state.pending += change;
    document.body.dataset.busy = state.pending > 0 ? "true" : "false";
  }

  function fmt(value, digits) {
    if (value === null || value === undefined) return "not finite";
    if (!isFinite(value)) return String(value);
    var places = digits || 6;
    var size = Math.abs(value);
    if (size !== 0 && (size < 1e-4 || size >= 1e9)) {
      // Exponent form: 2.68e-5, not 0.0000268233.
      return value.toExponential(Math.min(places, 4) - 1).replace(/\.?0+e/, "e").replace("e+", "e");
    }
    var text = Number(value.toPrecision(places)).toString();
    return text === "-0" ? "0" : text;
  }

  function fmtPoint(point) {
    return "(" + point.map(function (v) { return fmt(v); }).join(", ") + ")";
  }

  function parseNumbers(text) {
    var parts = String(text).split(/[\s,;()\[\]]+/).filter(function (p) { return p.length > 0; });
    var numbers = parts.map(Number);
    if (!parts.length || numbers.some(function (n) { return !isFinite(n); })) return null;
    return numbers;
  }

  function parseRange(input, name) {
    var numbers = parseNumbers(input.value);
    if (!numbers || numbers.length !== 2 || !(numbers[0] < numbers[1])) {
      throw new Error("the " + name + " range must be two numbers, low then high, such as -2, 2");
    }
    return numbers;
  }

  function showError(message) {
    el.error.textContent = message;
    el.error.hidden = false;
  }

  function clearError() {
    el.error.textContent = "";
    el.error.hidden = true;
  }

  function fillMethods(select, value) {
    METHODS.forEach(function (method) {
      var option = document.createElement("option");
      option.value = method;
      option.textContent = method;
      option.title = METHOD_LABELS[method];
      select.appendChild(option);
    });
    select.value = value;
  }

  function lrFromSlider(slider) { return Number(Math.pow(10, Number(slider.value)).toPrecision(2)); }

  function sliderFromLr(slider, lr) {
    if (lr > 0) slider.value = String(Math.log10(lr));
  }

  // ---------------------------------------------------------------------------------------
  // the function: read it, draw its surface or curve, solve for its critical points

  function applyPreset(preset) {
    el.fn.value = preset.function;
    schedulePreview();
    el.note.textContent = preset.note || "";
    el.xlim.value = preset.xlim.join(", ");
    if (preset.ylim) el.ylim.value = preset.ylim.join(", ");
    el.x0.value = preset.x0.join(", ");
    el.lr.value = preset.lr;
    sliderFromLr(el.lrSlider, preset.lr);
    el.method.value = preset.method;
    el.maxIter.value = preset.max_iter;
    return loadFunction();
  }

  function loadFunction() {
    var text = el.fn.value.trim();
    var generation = ++state.fnGeneration;
    stopTimer();
    delete document.body.dataset.index;
    state.runGeneration++;
    state.runs = null;
    state.runsPromise = null;
    state.index = 0;
    cancelRecompute();
    // Runs asked for while the function loads (a Step click) wait for it.
    var functionReady;
    state.fnReady = new Promise(function (resolve) { functionReady = resolve; });
    var info;
    var xlim;
    var ylim = null;
    return Promise.resolve().then(function () {
      if (!text) throw new Error("type a function such as x^2 + y^2");
      xlim = parseRange(el.xlim, "x");
      return api("/api/inspect", { function: text });
    }).then(function (answer) {
      info = answer;
      if (info.dimension > 2) {
        throw new Error("the playground draws functions of one or two variables; this one has " +
          info.dimension + " (" + info.variables.join(", ") + ")");
      }
      if (info.dimension === 2) ylim = parseRange(el.ylim, "y");
      var grid = info.dimension === 2
        ? api("/api/surface", { function: text, xlim: xlim, ylim: ylim, n: 70 })
        : api("/api/curve", { function: text, xlim: xlim, n: 400 });
      var critical = api("/api/critical", { function: text, xlim: xlim, ylim: ylim })
        .catch(function () { return { points: [], source: "none" }; });
      return Promise.all([grid, critical]);
    }).then(function (answers) {
      if (generation !== state.fnGeneration) return;
      state.fn = { text: text, info: info, xlim: xlim, ylim: ylim, grid: answers[0], critical: answers[1].points };
      prepareGrid(state.fn);
      var start = parseNumbers(el.x0.value);
      if (!start || start.length !== info.dimension) {
        // A start that fits the new function: three quarters of the way across the window.
        var limits = info.dimension === 2 ? [xlim, ylim] : [xlim];
        el.x0.value = limits.map(function (l) { return fmt(l[0] + 0.75 * (l[1] - l[0]), 4); }).join(", ");
      }
      document.body.classList.toggle("one-d", info.dimension === 1);
      el.startHint.textContent = info.dimension === 1 ? "(or click the curve)" : "(or click the contour)";
      el.ylimField.hidden = info.dimension === 1;
      el.contourCaption.textContent = info.dimension === 1
        ? "Curve, path and tangent line at the current point, critical points"
        : "Contour, path, −∇f at the current point, critical points";
      el.tangent.parentElement.lastChild.textContent = info.dimension === 1
        ? " tangent line at the current point" : " tangent plane at the current point";
      clearError();
      renderSteps(state.fn);
      functionReady();
      return computeRuns().then(function () { render(); });
    }).catch(function (error) {
      if (generation !== state.fnGeneration) return;
      state.fn = null;
      functionReady();
      showError(error.message);
      resetReadout();
    }).finally(function () {
      // Plots of a function that no longer reads are dimmed, not left as if current.
      document.body.classList.toggle("stale", !state.fn);
    });
  }

  function prepareGrid(fn) {
    if (fn.info.dimension !== 2) return;
    var z = fn.grid.z;
    var values = [];
    z.forEach(function (row) { row.forEach(function (v) { if (v !== null) values.push(v); }); });
    values.sort(function (a, b) { return a - b; });
    var low = values.length ? values[0] : 0;
    var high = values.length ? values[values.length - 1] : 1;
    var median = values.length ? values[Math.floor(values.length / 2)] : 0;
    // Valleys such as Rosenbrock's vanish on a linear scale: shade by log(1 + f - min f).
    fn.logShade = high - low > 50 * Math.max(median - low, 1e-12);
    fn.shade = fn.logShade ? z.map(function (row) {
      return row.map(function (v) { return v === null ? null : Math.log10(1 + v - low); });
    }) : z;
    fn.hoverText = z.map(function (row) { return row.map(function (v) { return "f = " + fmt(v, 5); }); });
  }

  // ---------------------------------------------------------------------------------------
  // runs

  function runSpecs() {
    var specs = [{ method: el.method.value, lr: Number(el.lr.value) }];
    if (el.compare.checked) {
      specs.push({ method: el.compareMethods[0].value, lr: Number(el.compareLrs[0].value) });
      if (el.compareC.checked) specs.push({ method: el.compareMethods[1].value, lr: Number(el.compareLrs[1].value) });
    }
    return specs;
  }

  function computeRuns() {
    if (state.runs) return Promise.resolve(state.runs);
    if (state.runsPromise) return state.runsPromise;
    var generation = state.runGeneration;
    var promise = state.fnReady.then(function () {
      if (!state.fn) throw new Error("fix the function first: " + (el.error.textContent || "it could not be read"));
      var x0 = parseNumbers(el.x0.value);
      if (!x0) throw new Error("the start point must be numbers separated by commas, such as 0.5, 0.6");
      var maxIter = Number(el.maxIter.value);
      var specs = runSpecs();
      specs.forEach(function (spec) {
        if (!(spec.lr > 0 && isFinite(spec.lr))) throw new Error("the learning rate must be a positive number");
      });
      return Promise.all(specs.map(function (spec) {
        return api("/api/minimize", {
          function: state.fn.text, x0: x0, lr: spec.lr, method: spec.method, max_iter: maxIter
        });
      }));
    }).then(function (runs) {
      if (generation === state.runGeneration) {
        state.runs = runs;
        clearError();
      }
      return runs;
    }, function (error) {
      if (generation === state.runGeneration) state.runsPromise = null;
      throw error;
    });
    state.runsPromise = promise;
    return promise;
  }

  function lastIndex(runs) {
    return Math.max.apply(null, runs.map(function (r) { return r.path.length - 1; }));
  }

  function invalidateRuns() {
    stopTimer();
    state.runGeneration++;
    state.runs = null;
    state.runsPromise = null;
    state.index = 0;
    delete document.body.dataset.index;
    // Settings often change in bursts (a slider): compute once they rest for a moment.
    cancelRecompute();
    busy(1);
    state.recompute = setTimeout(function () {
      state.recompute = null;
      busy(-1);
      if (!state.fn) return;
      computeRuns().then(render, function (error) { showError(error.message); resetReadout(); });
    }, 150);
  }

  function cancelRecompute() {
    if (state.recompute === null) return;
    clearTimeout(state.recompute);
    state.recompute = null;
    busy(-1);
  }

  function step() {
    stopTimer();
    return computeRuns().then(function (runs) {
      state.index = Math.min(state.index + 1, lastIndex(runs));
      render();
    }, function (error) { showError(error.message); });
  }

  function run() {
    stopTimer();
    computeRuns().then(function (runs) {
      var last = lastIndex(runs);
      if (state.index >= last) state.index = 0;
      var from = state.index;
      // The animation follows the clock, so a slow renderer skips frames instead of lagging.
      var duration = Math.min(4000, Math.max(500, (last - from) * 40));
      var started = performance.now();
      var token = {};
      state.timer = token;
      el.run.disabled = true;
      el.pause.disabled = false;
      (function frame() {
        if (state.timer !== token) return;
        var progress = Math.min(1, (performance.now() - started) / duration);
        var target = from + Math.round(progress * (last - from));
        state.index = Math.min(last, Math.max(state.index + 1, target));
        render();
        if (state.index >= last) stopTimer(); else setTimeout(frame, 30);
      })();
    }, function (error) { showError(error.message); });
  }

  function stopTimer() {
    state.timer = null;
    el.run.disabled = false;
    el.pause.disabled = true;
  }

  function reset() {
    stopTimer();
    state.index = 0;
    if (state.runs) render();
  }

  // ---------------------------------------------------------------------------------------
  // drawing

  function resetReadout() {
    el.iteration.textContent = "0";
    el.point.textContent = "–";
    el.loss.textContent = "–";
    el.gradient.textContent = "–";
    el.tangentEquation.textContent = "–";
    el.status.textContent = "–";
    el.message.textContent = "";
  }

  function at(run, index) {
    var k = Math.min(index, run.path.length - 1);
    return { k: k, point: run.path[k], loss: run.losses[k], grad: run.grads[k], last: run.path.length - 1 };
  }

  function render() {
    var fn = state.fn;
    var runs = state.runs;
    if (!fn || !runs) return;
    var index = state.index;
    var current = at(runs[0], index);
    el.iteration.textContent = String(index);
    el.point.textContent = fmtPoint(current.point);
    el.loss.textContent = fmt(current.loss);
    el.gradient.textContent = fmtPoint(current.grad);
    renderTangentEquation(fn.info.variables, current);
    var first = runs[0];
    if (current.k < current.last) {
      el.status.textContent = "in progress (step " + current.k + " of " + current.last + ")";
      el.message.textContent = "The run ends " + first.status + ": " + first.message;
    } else {
      el.status.textContent = first.status;
      el.message.textContent = first.message;
    }
    document.body.dataset.index = String(index);
    renderRunsTable(runs, index);
    if (fn.info.dimension === 2) {
      drawSurface(fn, runs, index);
      drawContour(fn, runs, index);
    } else {
      drawCurve(fn, runs, index);
    }
    drawLoss(runs, index);
    bindClick();
  }

  function renderRunsTable(runs, index) {
    var body = el.runsTable.querySelector("tbody");
    body.textContent = "";
    el.runsTable.hidden = runs.length < 2;
    runs.forEach(function (run, i) {
      var now = at(run, index);
      var row = document.createElement("tr");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = COLORS[i];
      var cells = [swatch, run.method + " " + fmt(run.lr, 3), now.k + "/" + now.last, fmt(now.loss, 3),
        now.k < now.last ? "…" : run.status];
      cells.forEach(function (content) {
        var cell = document.createElement("td");
        if (typeof content === "string") cell.textContent = content; else cell.appendChild(content);
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  function column(points, j, upTo) {
    var out = [];
    for (var i = 0; i <= upTo && i < points.length; i++) out.push(points[i] === null ? null : points[i][j]);
    return out;
  }

  function runLabel(run, i) {
    return "path " + RUN_NAMES[i] + ": " + run.method + ", rate " + fmt(run.lr, 3);
  }

  function drawSurface(fn, runs, index) {
    var names = fn.info.variables;
    var traces = [{
      type: "surface", name: "f", x: fn.grid.x, y: fn.grid.y, z: fn.grid.z,
      colorscale: SURFACE_SCALE, showscale: false, opacity: 0.93,
      hovertemplate: names[0] + " = %{x:.3f}<br>" + names[1] + " = %{y:.3f}<br>f = %{z:.4g}<extra></extra>"
    }];
    runs.forEach(function (run, i) {
      var now = at(run, index);
      traces.push({
        type: "scatter3d", mode: "lines+markers", name: runLabel(run, i),
        x: column(run.path, 0, now.k), y: column(run.path, 1, now.k), z: run.losses.slice(0, now.k + 1),
        line: { color: COLORS[i], width: 5 }, marker: { color: COLORS[i], size: 2.5 },
        hovertemplate: "step %{pointNumber}<br>f = %{z:.5g}<extra>" + RUN_NAMES[i] + "</extra>"
      });
    });
    var current = at(runs[0], index);
    if (el.tangent.checked && current.loss !== null && current.grad.every(function (g) { return g !== null; })) {
      var dx = 0.12 * (fn.xlim[1] - fn.xlim[0]);
      var dy = 0.12 * (fn.ylim[1] - fn.ylim[0]);
      var px = current.point[0];
      var py = current.point[1];
      var xs = [px - dx, px + dx];
      var ys = [py - dy, py + dy];
      var plane = ys.map(function (y) {
        return xs.map(function (x) { return current.loss + current.grad[0] * (x - px) + current.grad[1] * (y - py); });
      });
      // Two triangles: far cheaper to redraw at every step than a second surface.
      traces.push({
        type: "mesh3d", name: "tangent plane", flatshading: true, opacity: 0.6, color: COLORS[0],
        x: [xs[0], xs[1], xs[1], xs[0]], y: [ys[0], ys[0], ys[1], ys[1]],
        z: [plane[0][0], plane[0][1], plane[1][1], plane[1][0]], i: [0, 0], j: [1, 2], k: [2, 3],
        hoverinfo: "skip"
      });
    }
    runs.forEach(function (run, i) {
      var now = at(run, index);
      traces.push({
        type: "scatter3d", mode: "markers", name: "current " + RUN_NAMES[i],
        x: [now.point[0]], y: [now.point[1]], z: [now.loss],
        marker: { color: COLORS[i], size: 6, line: { color: "#000", width: 1 } }, hoverinfo: "skip"
      });
    });
    Plotly.react(el.surface, traces, {
      margin: { l: 0, r: 0, t: 0, b: 0 },
      showlegend: false,
      uirevision: fn.text,
      scene: {
        xaxis: { title: { text: names[0] }, nticks: 5, tickfont: { size: 10 } },
        yaxis: { title: { text: names[1] }, nticks: 5, tickfont: { size: 10 } },
        zaxis: { title: { text: "f" }, nticks: 5, tickfont: { size: 10 }, exponentformat: "power" },
        aspectmode: "manual",
        aspectratio: { x: 1, y: 1, z: 0.75 },
        camera: { eye: { x: 1.2, y: -1.25, z: 0.8 } }
      }
    }, PLOT_CONFIG);
  }

  function criticalTraces(fn, oneD) {
    var traces = [];
    ["minimum", "saddle", "maximum"].forEach(function (kind) {
      var points = fn.critical.filter(function (p) { return p.kind === kind && p.free.length === 0; });
      if (!points.length) return;
      var style = CRITICAL_STYLE[kind];
      traces.push({
        type: "scatter", mode: "markers", name: kind,
        x: points.map(function (p) { return p.point[0]; }),
        y: points.map(function (p) { return oneD ? p.value : p.point[1]; }),
        marker: { symbol: style.symbol, size: style.size, color: style.color, line: { color: "#1d232b", width: 1.2 } },
        hovertemplate: kind + " (%{x:.4g}, %{y:.4g})<extra></extra>"
      });
    });
    if (!oneD) {
      fn.critical.filter(function (p) { return p.free.length === 1; }).forEach(function (family) {
        var vertical = family.point[0] !== null;
        traces.push({
          type: "scatter", mode: "lines", name: "critical line", hoverinfo: "skip",
          x: vertical ? [family.point[0], family.point[0]] : fn.xlim,
          y: vertical ? fn.ylim : [family.point[1], family.point[1]],
          line: { color: "#5b6573", width: 1.5, dash: "dot" }
        });
      });
    }
    return traces;
  }

  function drawContour(fn, runs, index) {
    var names = fn.info.variables;
    var traces = [{
      type: "contour", name: "f", x: fn.grid.x, y: fn.grid.y, z: fn.shade, text: fn.hoverText,
      colorscale: CONTOUR_SCALE, showscale: false, ncontours: 28,
      contours: { coloring: "fill" }, line: { width: 0.6, color: "rgba(29,35,43,0.35)" },
      hovertemplate: names[0] + " = %{x:.3f}<br>" + names[1] + " = %{y:.3f}<br>%{text}<extra></extra>"
    }];
    traces = traces.concat(criticalTraces(fn, false));
    var annotations = [];
    runs.forEach(function (run, i) {
      var now = at(run, index);
      traces.push({
        type: "scatter", mode: "lines+markers", name: runLabel(run, i),
        x: column(run.path, 0, now.k), y: column(run.path, 1, now.k),
        line: { color: COLORS[i], width: 2 }, marker: { color: COLORS[i], size: 4 },
        hovertemplate: "step %{pointNumber}: (%{x:.4g}, %{y:.4g})<extra>" + RUN_NAMES[i] + "</extra>"
      });
      traces.push({
        type: "scatter", mode: "markers", name: "current " + RUN_NAMES[i],
        x: [now.point[0]], y: [now.point[1]],
        marker: { color: COLORS[i], size: 11, line: { color: "#fff", width: 2 } },
        hovertemplate: "current point (%{x:.4g}, %{y:.4g})<extra>" + RUN_NAMES[i] + "</extra>"
      });
      var arrow = descentArrow(fn, now);
      if (arrow) {
        annotations.push({
          x: arrow.tip[0], y: arrow.tip[1], ax: now.point[0], ay: now.point[1],
          xref: "x", yref: "y", axref: "x", ayref: "y", text: "",
          showarrow: true, arrowhead: 3, arrowsize: 1.1, arrowwidth: 2.2, arrowcolor: COLORS[i]
        });
        if (i === 0) {
          annotations.push({
            x: arrow.tip[0], y: arrow.tip[1], xref: "x", yref: "y", text: "−∇f", showarrow: false,
            font: { color: COLORS[0], size: 13 }, xshift: 14, yshift: 8
          });
        }
      }
    });
    var start = runs[0].path[0];
    traces.push({
      type: "scatter", mode: "markers", name: "start", x: [start[0]], y: [start[1]],
      marker: { symbol: "circle-open", size: 13, color: "#1d232b", line: { width: 2 } },
      hovertemplate: "start (%{x:.4g}, %{y:.4g})<extra></extra>"
    });
    Plotly.react(el.contour, traces, {
      margin: { l: 44, r: 8, t: 6, b: 36 },
      showlegend: false,
      uirevision: fn.text,
      hovermode: "closest",
      xaxis: { title: { text: names[0], standoff: 4 }, automargin: true, range: fn.xlim.slice() },
      yaxis: { title: { text: names[1], standoff: 4 }, automargin: true, range: fn.ylim.slice() },
      annotations: annotations
    }, PLOT_CONFIG);
  }

  function descentArrow(fn, now) {
    if (!now.grad || now.grad.some(function (g) { return g === null; }) || !now.point) return null;
    var width = fn.xlim[1] - fn.xlim[0];
    var height = fn.ylim[1] - fn.ylim[0];
    // Length in window units, so that the arrow looks the same whatever the axes' scales.
    var gx = -now.grad[0] / width;
    var gy = -now.grad[1] / height;
    var norm = Math.sqrt(gx * gx + gy * gy);
    if (!(norm > 0) || !isFinite(norm)) return null;
    var length = 0.13;
    return { tip: [now.point[0] + gx / norm * length * width, now.point[1] + gy / norm * length * height] };
  }

  function drawCurve(fn, runs, index) {
    var name = fn.info.variables[0];
    var traces = [{
      type: "scatter", mode: "lines", name: "f", x: fn.grid.x, y: fn.grid.y,
      line: { color: "#5b6573", width: 2 },
      hovertemplate: name + " = %{x:.4g}<br>f = %{y:.4g}<extra></extra>"
    }];
    traces = traces.concat(criticalTraces(fn, true));
    var values = fn.grid.y.filter(function (v) { return v !== null; });
    var low = Math.min.apply(null, values);
    var high = Math.max.apply(null, values);
    var pad = 0.08 * (high - low || 1);
    runs.forEach(function (run, i) {
      var now = at(run, index);
      traces.push({
        type: "scatter", mode: "lines+markers", name: runLabel(run, i),
        x: column(run.path, 0, now.k), y: run.losses.slice(0, now.k + 1),
        line: { color: COLORS[i], width: 1.5 }, marker: { color: COLORS[i], size: 6 },
        hovertemplate: "step %{pointNumber}: " + name + " = %{x:.5g}, f = %{y:.5g}<extra>" + RUN_NAMES[i] + "</extra>"
      });
      if (el.tangent.checked && now.grad && now.grad[0] !== null && now.loss !== null) {
        var half = 0.18 * (fn.xlim[1] - fn.xlim[0]);
        var xs = [now.point[0] - half, now.point[0] + half];
        traces.push({
          type: "scatter", mode: "lines", name: "tangent " + RUN_NAMES[i],
          x: xs, y: xs.map(function (x) { return now.loss + now.grad[0] * (x - now.point[0]); }),
          line: { color: COLORS[i], width: 2, dash: "dash" },
          hovertemplate: "tangent line, slope " + fmt(now.grad[0], 4) + "<extra></extra>"
        });
      }
      traces.push({
        type: "scatter", mode: "markers", name: "current " + RUN_NAMES[i],
        x: [now.point[0]], y: [now.loss],
        marker: { color: COLORS[i], size: 12, line: { color: "#fff", width: 2 } },
        hovertemplate: "current point<extra>" + RUN_NAMES[i] + "</extra>"
      });
    });
    Plotly.react(el.contour, traces, {
      margin: { l: 48, r: 8, t: 6, b: 36 },
      showlegend: false,
      uirevision: fn.text,
      hovermode: "closest",
      xaxis: { title: { text: name, standoff: 4 }, automargin: true, range: fn.xlim.slice() },
      yaxis: { title: { text: "f(" + name + ")", standoff: 4 }, automargin: true, range: [low - pad, high + pad] }
    }, PLOT_CONFIG);
  }

  function drawLoss(runs, index) {
    var traces = [];
    var positive = true;
    var low = Infinity;
    var high = -Infinity;
    runs.forEach(function (run, i) {
      var now = at(run, index);
      var losses = run.losses.slice(0, now.k + 1);
      losses.forEach(function (v) {
        if (v === null) return;
        if (v <= 0) positive = false;
        low = Math.min(low, v);
        high = Math.max(high, v);
      });
      var steps = losses.map(function (_, j) { return j; });
      traces.push({
        type: "scatter", mode: "lines", name: runLabel(run, i), x: steps, y: losses,
        line: { color: COLORS[i], width: 2 },
        hovertemplate: "step %{x}: loss %{y:.6g}<extra>" + RUN_NAMES[i] + "</extra>"
      });
      traces.push({
        type: "scatter", mode: "markers", name: "current " + RUN_NAMES[i], x: [now.k], y: [now.loss],
        marker: { color: COLORS[i], size: 8 }, hoverinfo: "skip"
      });
    });
    var logScale = positive && high / low > 1e3;
    Plotly.react(el.lossPlot, traces, {
      margin: { l: 56, r: 8, t: 6, b: 36 },
      showlegend: false,
      xaxis: { title: { text: "iteration", standoff: 4 }, automargin: true, rangemode: "tozero" },
      yaxis: {
        title: { text: logScale ? "loss (log scale)" : "loss", standoff: 4 }, automargin: true,
        type: logScale ? "log" : "linear", exponentformat: "power"
      }
    }, PLOT_CONFIG);
  }

  function bindClick() {
    if (state.clickBound || typeof el.contour.on !== "function") return;
    state.clickBound = true;
    el.contour.on("plotly_click", function (event) {
      if (!state.fn || !event || !event.points || !event.points.length) return;
      var point = event.points[0];
      var digits = function (range) {
        return Math.max(0, 3 - Math.floor(Math.log10(range[1] - range[0])));
      };
      var x = Number(point.x).toFixed(digits(state.fn.xlim));
      if (state.fn.info.dimension === 1) {
        el.x0.value = String(Number(x));
      } else {
        var y = Number(point.y).toFixed(digits(state.fn.ylim));
        el.x0.value = Number(x) + ", " + Number(y);
      }
      invalidateRuns();
    });
  }

  // ---------------------------------------------------------------------------------------
  // the steps panel: the symbolic gradient, each partial derivative rule by rule

  function renderSteps(fn) {
    var generation = state.fnGeneration;
    var names = fn.info.variables;
    var container = el.steps;
    Promise.all(names.map(function (name) {
      return api("/api/derive", { expression: fn.text, wrt: name });
    })).then(function (derivations) {
      if (generation !== state.fnGeneration) return;
      container.textContent = "";
      // The server's printer typesets every formula as MathML (with its plain text as alttext).
      var head = document.createElement("div");
      head.className = "gradient";
      head.setAttribute("data-testid", "gradient-mathml");
      head.innerHTML = fn.info.gradient_mathml;
      container.appendChild(head);
      derivations.forEach(function (d, i) {
        var details = document.createElement("details");
        details.open = i === 0;
        var summary = document.createElement("summary");
        summary.innerHTML = d.result_mathml;
        details.appendChild(summary);
        var body = document.createElement("div");
        body.className = "derivation";
        body.innerHTML = d.html;
        details.appendChild(body);
        container.appendChild(details);
      });
    }).catch(function (error) {
      if (generation !== state.fnGeneration) return;
      container.textContent = "";
      var p = document.createElement("p");
      p.className = "note";
      p.textContent = "The derivation could not be shown: " + error.message;
      container.appendChild(p);
    });
  }

  // The tangent plane (line) at the current point, typeset from its numbers.
  function renderTangentEquation(names, current) {
    var numbers = [current.loss].concat(current.grad || [], current.point || []);
    if (numbers.some(function (v) { return v === null || v === undefined || !isFinite(v); })) {
      el.tangentEquation.textContent = "–";
      return;
    }
    var height = names.length === 1 ? "y" : "z";
    var markup = "<mi>" + height + "</mi><mo>=</mo>" + signedNumber(current.loss);
    var alt = height + " = " + fmt(current.loss, 4);
    names.forEach(function (name, i) {
      var slope = current.grad[i];
      var at = current.point[i];
      var sign = slope < 0 ? "−" : "+";
      var shift = at === 0 ? "" : "<mo>" + (at < 0 ? "+" : "−") + "</mo><mn>" + fmt(Math.abs(at), 4) + "</mn>";
      markup += "<mo>" + sign + "</mo><mn>" + fmt(Math.abs(slope), 4) + "</mn><mo>&#x2062;</mo>" +
        "<mrow><mo>(</mo><mi>" + name + "</mi>" + shift + "<mo>)</mo></mrow>";
      alt += " " + (slope < 0 ? "-" : "+") + " " + fmt(Math.abs(slope), 4) + "*(" + name +
        (at === 0 ? "" : (at < 0 ? " + " : " - ") + fmt(Math.abs(at), 4)) + ")";
    });
    el.tangentEquation.innerHTML = '<math xmlns="http://www.w3.org/1998/Math/MathML" alttext="' +
      alt + '"><mrow>' + markup + "</mrow></math>";
  }

  function signedNumber(value) {
    return value < 0 ? "<mo>−</mo><mn>" + fmt(-value, 4) + "</mn>" : "<mn>" + fmt(value, 4) + "</mn>";
  }

  // The typed function, typeset while it is typed (or where it stops reading).
  var previewTimer = null;
  var previewGeneration = 0;

  function schedulePreview() {
    if (previewTimer) clearTimeout(previewTimer);
    previewTimer = setTimeout(showPreview, 200);
  }

  function showPreview() {
    var text = el.fn.value.trim();
    var generation = ++previewGeneration;
    if (!text) {
      el.preview.textContent = "";
      return;
    }
    api("/api/preview", { expression: text }).then(function (answer) {
      if (generation !== previewGeneration) return;
      el.preview.classList.remove("invalid");
      el.preview.innerHTML = answer.mathml;
    }).catch(function (error) {
      if (generation !== previewGeneration) return;
      el.preview.classList.add("invalid");
      el.preview.textContent = "";
      if (error.column) {
        var shown = document.createElement("code");
        shown.className = "where";
        var before = text.slice(0, error.column - 1);
        var mark = document.createElement("mark");
        mark.textContent = text.charAt(error.column - 1) || " ";
        shown.appendChild(document.createTextNode(before));
        shown.appendChild(mark);
        shown.appendChild(document.createTextNode(text.slice(error.column)));
        el.preview.appendChild(shown);
      }
      var message = document.createElement("span");
      message.className = "why";
      message.textContent = error.message;
      el.preview.appendChild(message);
    });
  }

  // ---------------------------------------------------------------------------------------
  // data mode: full batch vs SGD vs mini-batch on a straight-line fit

  var data = {
    dataset: $("dataset-select"), lrSlider: $("data-lr-slider"), lr: $("data-lr-input"),
    batch: $("batch-size-slider"), batchValue: $("batch-size-value"), epochs: $("epochs-input"),
    seed: $("seed-input"), run: $("data-run-button"), error: $("data-error-message"),
    summary: $("data-summary"), contour: $("data-contour-plot"), loss: $("data-loss-plot"),
    fit: $("data-fit-plot"), generation: 0
  };

  function runData() {
    var generation = ++data.generation;
    var body = {
      dataset: data.dataset.value, lr: Number(data.lr.value), batch_size: Number(data.batch.value),
      epochs: Number(data.epochs.value), seed: Number(data.seed.value)
    };
    data.run.disabled = true;
    return api("/api/data-descent", body).then(function (out) {
      if (generation !== data.generation) return;
      data.error.hidden = true;
      data.error.textContent = "";
      drawData(out);
      state.dataDrawn = true;
      document.body.dataset.dataReady = "true";
    }).catch(function (error) {
      if (generation !== data.generation) return;
      data.error.textContent = error.message;
      data.error.hidden = false;
    }).finally(function () { data.run.disabled = false; });
  }

  function drawData(out) {
    var traces = [{
      type: "contour", name: "loss", x: out.grid.b, y: out.grid.m, z: out.grid.loss,
      colorscale: CONTOUR_SCALE, showscale: false, ncontours: 25, contours: { coloring: "fill" },
      line: { width: 0.6, color: "rgba(29,35,43,0.35)" },
      hovertemplate: "b = %{x:.3f}<br>m·std = %{y:.3f}<br>loss %{z:.4g}<extra></extra>"
    }];
    out.runs.forEach(function (run, i) {
      traces.push({
        type: "scatter", mode: "lines", name: run.label,
        x: run.path.map(function (p) { return p[0]; }), y: run.path.map(function (p) { return p[1]; }),
        line: { color: COLORS[i], width: i === 1 ? 1 : 2.2 }, opacity: i === 1 ? 0.8 : 1,
        hovertemplate: run.label + "<extra></extra>"
      });
    });
    traces.push({
      type: "scatter", mode: "markers", name: "least squares", x: [out.least_squares.theta[0]],
      y: [out.least_squares.theta[1]],
      marker: { symbol: "star", size: 15, color: "#F0E442", line: { color: "#1d232b", width: 1.2 } },
      hovertemplate: "least squares<extra></extra>"
    });
    var legend = { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 } };
    Plotly.react(data.contour, traces, {
      margin: { l: 48, r: 8, t: 30, b: 36 }, legend: legend, hovermode: "closest",
      xaxis: { title: { text: "intercept b", standoff: 4 }, automargin: true, range: [out.grid.b[0], out.grid.b[out.grid.b.length - 1]] },
      yaxis: { title: { text: "slope × std of " + out.x_name, standoff: 4 }, automargin: true, range: [out.grid.m[0], out.grid.m[out.grid.m.length - 1]] }
    }, PLOT_CONFIG);

    Plotly.react(data.loss, out.runs.map(function (run, i) {
      return {
        type: "scatter", mode: "lines", name: run.label, x: run.epoch, y: run.losses,
        line: { color: COLORS[i], width: i === 1 ? 1 : 2.2 },
        hovertemplate: "epoch %{x:.2f}: loss %{y:.5g}<extra>" + run.label + "</extra>"
      };
    }).concat([{
      type: "scatter", mode: "lines", name: "least squares", x: [0, Number(data.epochs.value)],
      y: [out.least_squares.loss, out.least_squares.loss], line: { color: "#1d232b", dash: "dot", width: 1 }
    }]), {
      margin: { l: 56, r: 8, t: 30, b: 36 }, legend: legend,
      xaxis: { title: { text: "epoch", standoff: 4 }, automargin: true },
      yaxis: { title: { text: "mean squared error (log scale)", standoff: 4 }, automargin: true, type: "log" }
    }, PLOT_CONFIG);

    var low = Math.min.apply(null, out.x);
    var high = Math.max.apply(null, out.x);
    var fitTraces = [{
      type: "scatter", mode: "markers", name: "data", x: out.x, y: out.y,
      marker: { color: "rgba(29,35,43,0.45)", size: 5 },
      hovertemplate: out.x_name + " %{x}<br>" + out.y_name + " %{y}<extra></extra>"
    }];
    out.runs.forEach(function (run, i) {
      if (run.line.intercept === null || run.line.slope === null) return;
      fitTraces.push({
        type: "scatter", mode: "lines", name: run.label, x: [low, high],
        y: [run.line.intercept + run.line.slope * low, run.line.intercept + run.line.slope * high],
        line: { color: COLORS[i], width: 2.2 }
      });
    });
    fitTraces.push({
      type: "scatter", mode: "lines", name: "least squares", x: [low, high],
      y: [out.least_squares.intercept + out.least_squares.slope * low, out.least_squares.intercept + out.least_squares.slope * high],
      line: { color: "#1d232b", width: 1.5, dash: "dot" }
    });
    Plotly.react(data.fit, fitTraces, {
      margin: { l: 48, r: 8, t: 30, b: 36 }, legend: legend, hovermode: "closest",
      xaxis: { title: { text: out.x_name, standoff: 4 }, automargin: true },
      yaxis: { title: { text: out.y_name, standoff: 4 }, automargin: true }
    }, PLOT_CONFIG);

    var body = data.summary.querySelector("tbody");
    body.textContent = "";
    out.runs.forEach(function (run, i) {
      var row = document.createElement("tr");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = COLORS[i];
      var line = run.line.intercept === null ? "diverged"
        : fmt(run.line.intercept, 4) + " + " + fmt(run.line.slope, 4) + "·x";
      [swatch, run.label, String(run.steps), line, fmt(run.loss, 4)].forEach(function (content) {
        var cell = document.createElement("td");
        if (typeof content === "string") cell.textContent = content; else cell.appendChild(content);
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    var ls = document.createElement("tr");
    ["", "least squares", "", fmt(out.least_squares.intercept, 4) + " + " + fmt(out.least_squares.slope, 4) + "·x",
      fmt(out.least_squares.loss, 4)].forEach(function (text) {
      var cell = document.createElement("td");
      cell.textContent = text;
      ls.appendChild(cell);
    });
    body.appendChild(ls);
  }

  function showMode(mode) {
    var dataMode = mode === "data";
    el.functionsMode.hidden = dataMode;
    el.dataMode.hidden = !dataMode;
    el.tabFunctions.setAttribute("aria-selected", String(!dataMode));
    el.tabData.setAttribute("aria-selected", String(dataMode));
    stopTimer();
    if (dataMode && !state.dataDrawn) runData();
    var plots = dataMode ? [data.contour, data.loss, data.fit] : [el.surface, el.contour, el.lossPlot];
    plots.forEach(function (div) { if (div.data) Plotly.Plots.resize(div); });
  }

  // ---------------------------------------------------------------------------------------
  // wiring

  function start() {
    fillMethods(el.method, "gd");
    fillMethods(el.compareMethods[0], "momentum");
    fillMethods(el.compareMethods[1], "adam");
    el.compareLrs[0].value = "0.05";
    el.compareLrs[1].value = "0.1";

    el.preset.addEventListener("change", function () {
      var preset = state.presets.filter(function (p) { return p.name === el.preset.value; })[0];
      if (preset) applyPreset(preset);
    });
    el.fn.addEventListener("change", function () { el.note.textContent = ""; loadFunction(); });
    el.fn.addEventListener("input", schedulePreview);
    el.xlim.addEventListener("change", loadFunction);
    el.ylim.addEventListener("change", loadFunction);
    el.x0.addEventListener("change", invalidateRuns);
    el.lrSlider.addEventListener("input", function () {
      el.lr.value = lrFromSlider(el.lrSlider);
      invalidateRuns();
    });
    el.lr.addEventListener("change", function () {
      sliderFromLr(el.lrSlider, Number(el.lr.value));
      invalidateRuns();
    });
    [el.method, el.maxIter, el.compareC].concat(el.compareMethods, el.compareLrs).forEach(function (input) {
      input.addEventListener("change", invalidateRuns);
    });
    el.compare.addEventListener("change", function () {
      el.compareRuns.hidden = !el.compare.checked;
      invalidateRuns();
    });
    el.tangent.addEventListener("change", render);
    el.step.addEventListener("click", step);
    el.run.addEventListener("click", run);
    el.pause.addEventListener("click", stopTimer);
    el.reset.addEventListener("click", reset);
    el.tabFunctions.addEventListener("click", function () { showMode("functions"); });
    el.tabData.addEventListener("click", function () { showMode("data"); });

    data.lrSlider.addEventListener("input", function () { data.lr.value = lrFromSlider(data.lrSlider); });
    data.lr.addEventListener("change", function () { sliderFromLr(data.lrSlider, Number(data.lr.value)); });
    data.batch.addEventListener("input", function () { data.batchValue.textContent = data.batch.value; });
    data.run.addEventListener("click", runData);

    api("/api/presets").then(function (answer) {
      state.presets = answer.presets;
      answer.presets.forEach(function (preset) {
        var option = document.createElement("option");
        option.value = preset.name;
        option.textContent = preset.label + ":  " + preset.function;
        el.preset.appendChild(option);
      });
      var wanted = new URLSearchParams(window.location.search).get("preset") || "sauna";
      var chosen = answer.presets.filter(function (p) { return p.name === wanted; })[0] || answer.presets[0];
      el.preset.value = chosen.name;
      return applyPreset(chosen);
    }).catch(function (error) {
      showError(error.message);
    }).finally(function () {
      document.body.dataset.ready = "true";
    });
  }

  if (typeof window.Plotly === "undefined") {
    showError("Plotly.js did not load from /vendor/plotly.min.js; reinstall with pip install 'steepest[web]'");
    return;
  }
  start();
})();
