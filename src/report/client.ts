// The page's inline script: reads the figures' specs (spec.ts) from the embedded JSON and draws each
// with Observable Plot, sized to its column and redrawn when the window is resized. Plain ES2017 for
// the browser, kept as a string since the core is compiled without the DOM's types; globals `d3` and
// `Plot` come from the inlined UMD bundles. A figure that fails to draw shows the error in its place.

/** The id of the `<script type="application/json">` block holding `{ figures: { [id]: PlotSpec } }`. */
export const REPORT_DATA_ID = "rnnlab-report-data";

export const CLIENT_SCRIPT = `(function () {
  "use strict";
  var PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];
  var figures = document.querySelectorAll("figure[data-plot]");
  var data;
  function fail(host, message) {
    host.textContent = "";
    var p = document.createElement("p");
    p.className = "plot-error";
    p.textContent = message;
    host.appendChild(p);
  }
  try {
    data = JSON.parse(document.getElementById("${REPORT_DATA_ID}").textContent);
  } catch (e) {
    console.error(e);
    figures.forEach(function (f) { fail(f.querySelector(".plot"), "The figure data could not be read: " + e.message); });
    return;
  }
  if (typeof Plot === "undefined" || typeof d3 === "undefined") {
    figures.forEach(function (f) { fail(f.querySelector(".plot"), "The plotting library did not load."); });
    return;
  }
  function fmt(v) {
    if (typeof v !== "number") return String(v);
    if (!isFinite(v)) return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e7) return d3.format(",")(v);
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2).replace(/.?0+e/, "e").replace("e+", "e");
    return String(Number(v.toPrecision(4)));
  }
  // Ticks for a log scale over [lo, hi]: powers of ten over 3 decades or more (at most max of them),
  // 1-2-5 steps over 1 to 3, 1 to 9 within a decade, and a few round numbers inside a single step.
  function logTicks(lo, hi, max) {
    if (!(lo > 0) || !(hi >= lo)) return [];
    var e0 = Math.floor(Math.log10(lo)), e1 = Math.ceil(Math.log10(hi)), span = Math.log10(hi / lo);
    var mantissas = span >= 3 ? [1] : span >= 1 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
    var out = [];
    for (var e = e0; e <= e1; e++) {
      mantissas.forEach(function (m) {
        var v = Number((m * Math.pow(10, e)).toPrecision(12));
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
      });
    }
    if (out.length < 2) out = d3.ticks(lo, hi, 4).filter(function (v) { return v > 0; });
    return thin(out, max || 8);
  }
  function extentOf(values) {
    var ok = values.filter(function (v) { return isFinite(v); });
    return ok.length ? d3.extent(ok) : null;
  }
  // Log-axis labels: powers and multiples of ten far from 1 in exponent form (1e-6, 2e7).
  function logFmt(v) {
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2).replace(/.?0+e/, "e").replace("e+", "e");
    return fmt(v);
  }
  function num(v, log) {
    if (typeof v !== "number" || !isFinite(v)) return NaN;
    if (log && v <= 0) return NaN;
    return v;
  }
  function scale(a, grid, nice) {
    a = a || {};
    var o = { label: a.label == null ? null : a.percent ? a.label + " (%)" : a.label, grid: grid };
    if (a.log) {
      o.type = "log";
      o.tickFormat = logFmt;
    } else if (!a.domain) {
      if (nice) o.nice = true;
      if (a.zero) o.zero = true;
    }
    if (a.domain) o.domain = a.percent ? [a.domain[0] * 100, a.domain[1] * 100] : a.domain;
    if (a.percent) o.percent = true;
    return o;
  }
  function distinct(values) {
    var seen = new Set(), out = [];
    values.forEach(function (v) { if (!seen.has(v)) { seen.add(v); out.push(v); } });
    if (out.every(function (v) { return typeof v === "number"; })) out.sort(function (a, b) { return a - b; });
    return out;
  }
  function thin(values, max) {
    if (values.length <= max) return values;
    var k = Math.ceil(values.length / Math.max(1, max));
    return values.filter(function (_, i) { return i % k === 0; });
  }
  // At most max of a band scale's values as ticks: round numbers where the values are numbers and
  // enough of the round ones are among them, else every k-th value.
  function bandTicks(values, max) {
    if (values.length <= max) return values;
    if (values.every(function (v) { return typeof v === "number"; })) {
      var present = new Set(values);
      var round = d3.ticks(values[0], values[values.length - 1], max).filter(function (v) { return present.has(v); });
      if (round.length >= Math.min(3, max) && round.length <= max) return round;
    }
    return thin(values, max);
  }
  function ruleMarks(rules, ylog, xlog) {
    var marks = [];
    (rules || []).forEach(function (r) {
      var color = r.color || "#6b7280";
      if (r.axis === "x") {
        if (!isFinite(num(r.value, xlog))) return;
        marks.push(Plot.ruleX([r.value], { stroke: color, strokeDasharray: "4,3" }));
        if (r.label) marks.push(Plot.text([r.value], { x: function (d) { return d; }, text: function () { return r.label; }, frameAnchor: "top", textAnchor: "start", dx: 4, dy: 4, fill: color }));
      } else {
        if (!isFinite(num(r.value, ylog))) return;
        marks.push(Plot.ruleY([r.value], { stroke: color, strokeDasharray: "4,3" }));
        if (r.label) marks.push(Plot.text([r.value], { y: function (d) { return d; }, text: function () { return r.label; }, frameAnchor: "right", textAnchor: "end", dy: -7, fill: color, stroke: "white", strokeWidth: 3, paintOrder: "stroke" }));
      }
    });
    return marks;
  }
  // Explicit ticks for log axes, over the extent of the drawn points and the rules (Plot's own draw a
  // grid line at every minor tick), labelled by text marks: a log axis's tick labels go through d3's
  // log tickFormat, which blanks all but a few mantissas. Returns the label marks to add.
  function logAxes(o, spec, points, facet) {
    var rules = spec.rules || [];
    var marks = [];
    ["x", "y"].forEach(function (k) {
      if (!(spec[k] && spec[k].log)) return;
      var e = spec[k].domain;
      if (!e) {
        var values = points.map(function (d) { return d[k]; });
        rules.forEach(function (r) { if ((r.axis === "x") === (k === "x")) values.push(r.value); });
        e = extentOf(values.filter(function (v) { return v > 0; }));
      }
      if (!e) return;
      var ticks = logTicks(e[0], e[1], k === "x" ? Math.max(3, Math.floor(o.width / 80)) : Math.max(3, Math.floor(o.height / 40)));
      o[k].ticks = ticks;
      o[k].tickFormat = function () { return ""; };
      var opts = k === "y"
        ? { y: function (d) { return d; }, text: logFmt, frameAnchor: "left", textAnchor: "end", dx: -9 }
        : { x: function (d) { return d; }, text: logFmt, frameAnchor: "bottom", lineAnchor: "top", dy: 9 };
      // In a faceted plot, only in the facet next to the axis (facet: { fx or fy: value }).
      if (facet) Object.keys(facet).forEach(function (f) { opts[f] = function () { return facet[f]; }; });
      marks.push(Plot.text(ticks, opts));
    });
    return marks;
  }
  function base(spec, width, height) {
    return {
      width: width,
      height: height,
      marginLeft: 56,
      marginRight: 16,
      marginTop: 20,
      marginBottom: 40,
      style: { fontSize: "12px", fontFamily: "inherit", background: "transparent", overflow: "visible" },
      x: scale(spec.x, false, false),
      y: scale(spec.y, true, true)
    };
  }
  function line(spec, width) {
    var xl = spec.x && spec.x.log, yl = spec.y && spec.y.log;
    var o = base(spec, width, spec.height || 320);
    var names = [], colors = [], marks = [], all = [];
    spec.series.forEach(function (s, i) {
      var color = s.color || PALETTE[i % PALETTE.length];
      names.push(s.name);
      colors.push(color);
      var pts = [];
      for (var j = 0; j < s.x.length; j++) pts.push({ series: s.name, x: num(s.x[j], xl), y: num(s.y[j], yl) });
      var ok = pts.filter(function (p) { return isFinite(p.x) && isFinite(p.y); });
      all = all.concat(ok);
      var stroke = function () { return s.name; };
      // Series denser than 1 point per 2 pixels are drawn thinner, or they fill in as a block.
      var thinner = pts.length > width / 2 ? 0.6 : 1;
      marks.push(Plot.line(pts, { x: "x", y: "y", stroke: stroke, strokeWidth: (s.width || 1.75) * thinner, strokeOpacity: s.opacity == null ? 1 : s.opacity, strokeDasharray: s.dashed ? "6,4" : undefined }));
      if (s.dots || ok.length === 1) marks.push(Plot.dot(ok, { x: "x", y: "y", fill: stroke, r: 3, stroke: "white", strokeWidth: 1 }));
    });
    marks = marks.concat(ruleMarks(spec.rules, yl, xl), logAxes(o, spec, all));
    var xlab = (spec.x && spec.x.label) || "x", ylab = (spec.y && spec.y.label) || "y";
    marks.push(Plot.tip(all, Plot.pointer({ x: "x", y: "y", stroke: function (d) { return d.series; }, title: function (d) { return d.series + "\\n" + xlab + " " + fmt(d.x) + "\\n" + ylab + " " + fmt(d.y); } })));
    o.color = { domain: names, range: colors, legend: names.length > 1 };
    o.marks = marks;
    return Plot.plot(o);
  }
  function heatmap(spec, width) {
    var c = spec.color || {};
    var cells = [];
    spec.cells.forEach(function (d) {
      var v = num(d.value, c.log);
      if (isFinite(v)) cells.push({ x: d.x, y: d.y, value: v });
    });
    var xs = distinct(spec.cells.map(function (d) { return d.x; }));
    var ys = distinct(spec.cells.map(function (d) { return d.y; }));
    var height = spec.height || Math.max(200, Math.min(480, ys.length * 12)) + 60;
    var o = base(spec, width, height);
    o.x = { type: "band", padding: 0, domain: xs, label: (spec.x && spec.x.label) || null, ticks: bandTicks(xs, Math.floor((width - 80) / 56)), tickFormat: fmt };
    o.y = { type: "band", padding: 0, domain: spec.yUp ? ys.slice().reverse() : ys, label: (spec.y && spec.y.label) || null, ticks: bandTicks(ys, Math.floor((height - 60) / 18)), tickFormat: fmt };
    o.color = { type: c.log ? "log" : "linear", scheme: c.scheme || "viridis", legend: true, label: c.label || null, tickFormat: c.log ? logFmt : fmt, width: Math.min(360, width - 20) };
    if (c.log && cells.length) {
      var ext = d3.extent(cells, function (d) { return d.value; });
      o.color.ticks = logTicks(ext[0], ext[1], 6);
    } else {
      o.color.ticks = 5;
    }
    o.marks = [Plot.cell(cells, { x: "x", y: "y", fill: "value", inset: 0, tip: { format: { x: fmt, y: fmt, fill: fmt } } })];
    return Plot.plot(o);
  }
  // Bars from 0 (on a log scale, from the power of ten at or below the smallest value); with groups,
  // the bars of a label stand side by side, coloured by group.
  function bar(spec, width) {
    var o = base(spec, width, spec.height || 320);
    var h = !!spec.horizontal;
    var v = h ? "x" : "y", c = h ? "y" : "x";
    var log = !!(spec[v] && spec[v].log);
    var rows = spec.bars.map(function (b) { return { label: b.label, value: num(b.value, log), group: b.group == null ? "" : String(b.group) }; });
    var ok = rows.filter(function (r) { return isFinite(r.value); });
    var grouped = rows.some(function (r) { return r.group !== ""; });
    var labels = distinct(rows.map(function (r) { return r.label; }));
    var groups = distinct(rows.map(function (r) { return r.group; }));
    var from = 0;
    if (log && ok.length) from = Math.pow(10, Math.floor(Math.log10(d3.min(ok, function (r) { return r.value; }))));
    var opts = { fill: grouped ? "group" : PALETTE[0], tip: true };
    opts[v + "1"] = function () { return from; };
    opts[v + "2"] = "value";
    o[v] = scale(spec[v], true, true);
    if (grouped) {
      opts["f" + c] = "label";
      opts[c] = "group";
      o["f" + c] = { domain: labels, label: (spec[c] && spec[c].label) || null, padding: 0.15 };
      o[c] = { type: "band", domain: groups, axis: null, padding: 0.05 };
      o.color = { domain: groups, range: PALETTE, legend: true };
    } else {
      opts[c] = "label";
      o[c] = { type: "band", domain: labels, label: (spec[c] && spec[c].label) || null, padding: 0.2 };
    }
    if (h) o.marginLeft = 120;
    o.marks = [h ? Plot.barX(rows, opts) : Plot.barY(rows, opts)];
    if (!log) o.marks.push(h ? Plot.ruleX([0]) : Plot.ruleY([0]));
    if (log) {
      var ends = ok.map(function (r) { var p = {}; p[v] = r.value; return p; });
      var low = {};
      low[v] = from;
      var facet = null;
      if (grouped) facet = h ? { fy: labels[labels.length - 1] } : { fx: labels[0] };
      o.marks = o.marks.concat(logAxes(o, { x: h ? spec.x : undefined, y: h ? undefined : spec.y }, ends.concat([low]), facet));
    }
    return Plot.plot(o);
  }
  function scatter(spec, width) {
    var o = base(spec, width, spec.height || 360);
    var xl = spec.x && spec.x.log, yl = spec.y && spec.y.log;
    var pts = spec.points.map(function (p) { return { x: num(p.x, xl), y: num(p.y, yl), series: p.series == null ? "" : p.series, label: p.label }; });
    var grouped = pts.some(function (p) { return p.series !== ""; });
    o.x = scale(spec.x, true, true);
    o.x.inset = 10;
    o.y.inset = 10;
    o.marks = [Plot.dot(pts, { x: "x", y: "y", stroke: grouped ? "series" : PALETTE[0], r: 3.5, tip: true })];
    var labelled = pts.filter(function (p) { return p.label != null && p.label !== ""; });
    if (labelled.length) o.marks.push(Plot.text(labelled, { x: "x", y: "y", text: "label", dy: -9, fill: "#374151", stroke: "white", strokeWidth: 3, paintOrder: "stroke" }));
    o.marks = o.marks.concat(ruleMarks(spec.rules, yl, xl));
    o.marks = o.marks.concat(logAxes(o, spec, pts));
    if (grouped) o.color = { legend: true, range: PALETTE };
    return Plot.plot(o);
  }
  var KINDS = { line: line, heatmap: heatmap, bar: bar, scatter: scatter };
  function draw() {
    figures.forEach(function (fig) {
      var host = fig.querySelector(".plot");
      var width = Math.max(300, Math.floor(host.clientWidth));
      if (host.getAttribute("data-width") === String(width)) return;
      host.setAttribute("data-width", String(width));
      var spec = data.figures[fig.id];
      try {
        if (!spec || !KINDS[spec.kind]) throw new Error("no figure of kind " + (spec && spec.kind));
        var el = KINDS[spec.kind](spec, width);
        host.textContent = "";
        host.appendChild(el);
      } catch (e) {
        console.error("figure " + fig.id + ":", e);
        fail(host, "This figure could not be drawn: " + (e && e.message ? e.message : e));
      }
    });
  }
  draw();
  var timer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(draw, 150);
  });
})();
`;
