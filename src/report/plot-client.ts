// The page's drawing script, as TypeScript: client.ts inlines the source of every function exported
// here (Function.prototype.toString) and calls drawReport. So every export is a function, they call
// each other by name, and nothing here is imported at run time (only types): the browser sees these
// functions alone, with the globals `d3` and `Plot` of the inlined UMD bundles, declared below (the
// core compiles without the DOM's types).

import type {
  MarkOptions,
  PageElement,
  PlotMark,
  PlotOptions,
  PlotScale,
  Point,
} from "./plot-client-types.js";
import type { AxisSpec, BarSpec, HeatmapSpec, LineSpec, PlotSpec, RuleSpec, ScatterSpec } from "./spec.js";

type MarkMaker = (data: unknown[], options?: MarkOptions) => PlotMark;
declare const Plot: {
  plot(options: PlotOptions): PageElement;
  pointer(options: MarkOptions): MarkOptions;
} & Record<
  "line" | "dot" | "text" | "ruleX" | "ruleY" | "tip" | "cell" | "raster" | "barX" | "barY",
  MarkMaker
>;
declare const d3: {
  format(specifier: string): (v: number) => string;
  ticks(start: number, stop: number, count: number): number[];
  nice(start: number, stop: number, count: number): [number, number];
  extent(values: number[]): [number, number] | [undefined, undefined];
  min<T>(data: T[], value: (d: T) => number): number | undefined;
};
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getElementById(id: string): PageElement | null;
  createElement(tag: string): PageElement;
  addEventListener(type: "toggle", listener: () => void, capture: boolean): void;
};
declare const window: { addEventListener(type: "resize" | "hashchange", listener: () => void): void };
declare const location: { hash: string };
declare const console: { error(...values: unknown[]): void };
declare function setTimeout(f: () => void, ms: number): number;
declare function clearTimeout(id: number): void;

/** Draws every `figure[data-plot]` from the JSON block `dataId`, and again on resize. */
export function drawReport(dataId: string): void {
  const figures = Array.from(document.querySelectorAll("figure[data-plot]"));
  let data: { figures: Record<string, PlotSpec> };
  try {
    data = JSON.parse(document.getElementById(dataId)?.textContent ?? "");
  } catch (e) {
    console.error(e);
    const message = e instanceof Error ? e.message : String(e);
    for (const f of figures) showError(f, `The figure data could not be read: ${message}`);
    return;
  }
  if (typeof Plot === "undefined" || typeof d3 === "undefined") {
    for (const f of figures) showError(f, "The plotting library did not load.");
    return;
  }
  const draw = () => {
    for (const figure of figures) drawFigure(figure, data.figures[figure.id]);
  };
  const show = () => {
    // Open the target's folds, draw what that reveals, then scroll: the figures above it have their height.
    const target = openTarget();
    draw();
    target?.scrollIntoView();
  };
  show();
  let timer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(draw, 150);
  });
  // A folded section's figures are drawn when it opens (toggle does not bubble, so capture it).
  document.addEventListener("toggle", draw, true);
  window.addEventListener("hashchange", show);
}

/** Opens the folded sections around the element the URL's #fragment names, and returns that element. */
export function openTarget(): PageElement | null {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id ? document.getElementById(id) : null;
  for (let node = target; node; node = node.parentElement)
    if (node.tagName === "DETAILS") node.setAttribute("open", "");
  return target;
}

/** Draws one figure at its column's width, unless it already is or is folded away (in a closed
 *  <details>: no width, or, in Chromium, laid out but hidden); a failure shows in its place. */
export function drawFigure(figure: PageElement, spec: PlotSpec | undefined): void {
  const host = figure.querySelector(".plot") as PageElement;
  if (host.clientWidth === 0 || host.checkVisibility?.() === false) return;
  const width = Math.max(300, Math.floor(host.clientWidth));
  if (host.getAttribute("data-width") === String(width)) return;
  host.setAttribute("data-width", String(width));
  try {
    if (!spec) throw new Error("no figure data");
    const element = drawSpec(spec, width);
    host.textContent = "";
    host.appendChild(element);
  } catch (e) {
    console.error(`figure ${figure.id}:`, e);
    showError(figure, `This figure could not be drawn: ${e instanceof Error ? e.message : e}`);
  }
}

export function drawSpec(spec: PlotSpec, width: number): PageElement {
  switch (spec.kind) {
    case "line":
      return lineFigure(spec, width);
    case "heatmap":
      return heatmapFigure(spec, width);
    case "bar":
      return barFigure(spec, width);
    case "scatter":
      return scatterFigure(spec, width);
    default:
      throw new Error(`no figure of kind ${(spec as { kind?: unknown }).kind}`);
  }
}

export function showError(figure: PageElement, message: string): void {
  const host = figure.querySelector(".plot") as PageElement;
  host.textContent = "";
  const p = document.createElement("p");
  p.className = "plot-error";
  p.textContent = message;
  host.appendChild(p);
}

export function paletteColors(): string[] {
  return [
    "#2563eb",
    "#ea580c",
    "#16a34a",
    "#9333ea",
    "#dc2626",
    "#0891b2",
    "#ca8a04",
    "#db2777",
    "#4b5563",
    "#65a30d",
  ];
}

export function palette(i: number): string {
  const colors = paletteColors();
  return colors[i % colors.length];
}

/** A tooltip or tick label: whole numbers grouped by thousands, others to 4 significant digits, in
 *  exponent form below 1e-3 and from 1e6. */
export function tickLabel(v: unknown): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e7) return d3.format(",")(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return shortExponent(v);
  return String(Number(v.toPrecision(4)));
}

/** A log axis's label: exponent form already from 1e4 (1e-6, 2e7). */
export function logTickLabel(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return shortExponent(v);
  return tickLabel(v);
}

/** 3 significant digits, trailing zeros dropped: 2.5e-7, 1e4. */
export function shortExponent(v: number): string {
  return v.toExponential(2).replace(/.?0+e/, "e").replace("e+", "e");
}

/** Ticks for a log scale over [lo, hi]: powers of ten over 3 decades or more (at most max of them),
 *  1-2-5 steps over 1 to 3, 1 to 9 within a decade, and a few round numbers inside a single step. */
export function logTicks(lo: number, hi: number, max: number): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const span = Math.log10(hi / lo);
  const mantissas = span >= 3 ? [1] : span >= 1 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
  let out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mantissas) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  if (out.length < 2) out = d3.ticks(lo, hi, 4).filter((v) => v > 0);
  return thin(out, max);
}

export function finiteExtent(values: number[]): [number, number] | null {
  const ok = values.filter((v) => Number.isFinite(v));
  return ok.length ? (d3.extent(ok) as [number, number]) : null;
}

/** The value to plot: NaN (left out) unless a finite number, and positive on a log scale. */
export function plotValue(v: unknown, log: boolean | undefined): number {
  if (typeof v !== "number" || !Number.isFinite(v)) return Number.NaN;
  return log && v <= 0 ? Number.NaN : v;
}

export function axisScale(axis: AxisSpec | undefined, grid: boolean, nice: boolean): PlotScale {
  const a = axis ?? {};
  const label = a.label == null ? null : a.percent ? `${a.label} (%)` : a.label;
  const o: PlotScale = { label, grid };
  if (a.log) {
    o.type = "log";
    o.tickFormat = logTickLabel;
  } else if (!a.domain) {
    if (nice) o.nice = true;
    if (a.zero) o.zero = true;
  }
  if (a.domain) o.domain = a.percent ? [a.domain[0] * 100, a.domain[1] * 100] : a.domain;
  if (a.percent) o.percent = true;
  return o;
}

/** The distinct values in first-seen order, sorted when all are numbers. */
export function distinct<T>(values: T[]): T[] {
  const out = [...new Set(values)];
  if (out.every((v) => typeof v === "number")) out.sort((a, b) => (a as number) - (b as number));
  return out;
}

export function thin<T>(values: T[], max: number): T[] {
  if (values.length <= max) return values;
  const k = Math.ceil(values.length / Math.max(1, max));
  return values.filter((_, i) => i % k === 0);
}

/** At most max of a band scale's values as ticks: round numbers where the values are numbers and
 *  enough of the round ones are among them, else every k-th value. */
export function bandTicks<T>(values: T[], max: number): T[] {
  if (values.length <= max) return values;
  const first = values[0];
  const last = values[values.length - 1];
  if (typeof first === "number" && typeof last === "number" && values.every((v) => typeof v === "number")) {
    const present = new Set<unknown>(values);
    const round = d3.ticks(first, last, max).filter((v) => present.has(v));
    if (round.length >= Math.min(3, max) && round.length <= max) return round as T[];
  }
  return thin(values, max);
}

/** The rules' lines, dashed and lighter, to draw before the data so that no series hides under them. */
export function ruleLines(rules: RuleSpec[] | undefined, ylog?: boolean, xlog?: boolean): PlotMark[] {
  return drawnRules(rules, ylog, xlog).map((r) => {
    const rule = { stroke: r.color ?? "#6b7280", strokeDasharray: "4,3", strokeOpacity: 0.75 };
    return r.axis === "x" ? Plot.ruleX([r.value], rule) : Plot.ruleY([r.value], rule);
  });
}

/** The rules' labels, drawn after the data (with a halo, so a line under one stays readable). */
export function ruleLabels(rules: RuleSpec[] | undefined, ylog?: boolean, xlog?: boolean): PlotMark[] {
  return drawnRules(rules, ylog, xlog)
    .filter((r) => r.label)
    .map((r) => {
      const fill = r.color ?? "#6b7280";
      const text = () => r.label;
      const at = (d: number) => d;
      const label =
        r.axis === "x"
          ? { x: at, text, frameAnchor: "top", textAnchor: "start", dx: 4, dy: 4, fill, ...halo() }
          : { y: at, text, frameAnchor: "right", textAnchor: "end", dy: -7, fill, ...halo() };
      return Plot.text([r.value], label);
    });
}

/** The rules that fall on the scale (a log scale has no place for a non-positive value). */
export function drawnRules(rules: RuleSpec[] | undefined, ylog?: boolean, xlog?: boolean): RuleSpec[] {
  return (rules ?? []).filter((r) => Number.isFinite(plotValue(r.value, r.axis === "x" ? xlog : ylog)));
}

/** Ticks at whole numbers only, for an axis whose values are all integers (counts, steps, sizes), so
 *  that no tick sits at 1.5; null when some value is not an integer, or for an empty extent. */
export function integerTicks(values: number[], max: number, nice = false): number[] | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0 || !finite.every((v) => Number.isInteger(v))) return null;
  const extent = d3.extent(finite) as [number, number];
  // A nice scale's domain reaches past the values to round numbers: so do its ticks.
  const [lo, hi] = nice ? d3.nice(extent[0], extent[1], Math.max(2, max)) : extent;
  const ticks = d3.ticks(lo, hi, Math.max(2, max)).filter((v) => Number.isInteger(v));
  if (ticks.length >= 2 || lo === hi) return ticks.length ? ticks : [lo];
  return [lo, hi];
}

/** Gives each linear axis whose values (points, rules, 0 when the axis includes it) are all integers
 *  integer ticks; AxisSpec.integer forces it (true) or turns it off (false). */
export function integerAxes(
  o: PlotOptions,
  spec: { x?: AxisSpec; y?: AxisSpec; rules?: RuleSpec[] },
  points: Partial<Record<"x" | "y", number>>[],
): void {
  for (const k of ["x", "y"] as const) {
    const axis = spec[k] ?? {};
    if (axis.log || axis.percent || axis.integer === false) continue;
    const values = points.map((d) => d[k] ?? Number.NaN);
    for (const r of spec.rules ?? []) if ((r.axis === "x") === (k === "x")) values.push(r.value);
    if (axis.zero) values.push(0);
    if (axis.domain) values.push(Math.ceil(axis.domain[0]), Math.floor(axis.domain[1]));
    const rounded = axis.integer ? values.map((v) => Math.round(v)) : values;
    const max = k === "x" ? Math.floor(o.width / 80) : Math.floor(o.height / 40);
    const ticks = integerTicks(rounded, max, !axis.domain && !!o[k].nice);
    if (!ticks) continue;
    o[k].ticks = ticks;
    o[k].tickFormat = tickLabel;
  }
}

/** A white outline behind text drawn over lines (the page's background colour in a dark scheme, by CSS). */
export function halo(): MarkOptions {
  return { stroke: "white", strokeWidth: 3, paintOrder: "stroke" };
}

/** Explicit ticks for log axes, over the extent of the drawn points and the rules (Plot's own draw a
 *  grid line at every minor tick), labelled by text marks: a log axis's tick labels go through d3's
 *  log tickFormat, which blanks all but a few mantissas. Returns the label marks to add. In a
 *  faceted plot (facet: { fx or fy: value }), only in the facet next to the axis. */
export function logAxes(
  o: PlotOptions,
  spec: { x?: AxisSpec; y?: AxisSpec; rules?: RuleSpec[] },
  points: Partial<Record<"x" | "y", number>>[],
  facet?: Record<string, unknown>,
): PlotMark[] {
  const marks: PlotMark[] = [];
  for (const k of ["x", "y"] as const) {
    const axis = spec[k];
    if (!axis?.log) continue;
    const values = points.map((d) => d[k] ?? Number.NaN);
    for (const r of spec.rules ?? []) if ((r.axis === "x") === (k === "x")) values.push(r.value);
    const extent = axis.domain ?? finiteExtent(values.filter((v) => v > 0));
    if (!extent) continue;
    const max = k === "x" ? Math.max(3, Math.floor(o.width / 80)) : Math.max(3, Math.floor(o.height / 40));
    const ticks = logTicks(extent[0], extent[1], max);
    o[k].ticks = ticks;
    o[k].tickFormat = () => "";
    const at = (d: number) => d;
    const labels: MarkOptions =
      k === "y"
        ? { y: at, text: logTickLabel, frameAnchor: "left", textAnchor: "end", dx: -9 }
        : { x: at, text: logTickLabel, frameAnchor: "bottom", lineAnchor: "top", dy: 9 };
    for (const f of Object.keys(facet ?? {})) labels[f] = () => facet?.[f];
    marks.push(Plot.text(ticks, labels));
  }
  return marks;
}

export function basePlot(spec: { x?: AxisSpec; y?: AxisSpec }, width: number, height: number): PlotOptions {
  return {
    width,
    height,
    marginLeft: 56,
    marginRight: 16,
    // Room above the top tick label for the y axis's title, which Plot writes at the top-left corner.
    marginTop: 30,
    marginBottom: 40,
    style: { fontSize: "12px", fontFamily: "inherit", background: "transparent", overflow: "visible" },
    x: axisScale(spec.x, false, false),
    y: axisScale(spec.y, true, true),
  };
}

export function lineFigure(spec: LineSpec, width: number): PageElement {
  const xl = spec.x?.log;
  const yl = spec.y?.log;
  const o = basePlot(spec, width, spec.height || 320);
  let marks: PlotMark[] = [];
  let all: Point[] = [];
  const colors = spec.series.map((s, i) => s.color ?? palette(i));
  for (const s of spec.series) {
    const pts = s.x.map((x, j) => ({ series: s.name, x: plotValue(x, xl), y: plotValue(s.y[j], yl) }));
    const ok = pts.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    all = all.concat(ok);
    const stroke = () => s.name;
    // Series denser than 1 point per 2 pixels are drawn thinner, or they fill in as a block.
    const thinner = pts.length > width / 2 ? 0.6 : 1;
    const strokeDasharray = s.dashed ? "6,4" : undefined;
    const strokeOpacity = s.opacity ?? 1;
    const strokeWidth = (s.width || 1.75) * thinner;
    marks.push(Plot.line(pts, { x: "x", y: "y", stroke, strokeWidth, strokeOpacity, strokeDasharray }));
    if (s.dots || ok.length === 1)
      marks.push(Plot.dot(ok, { x: "x", y: "y", fill: stroke, r: 3, stroke: "white", strokeWidth: 1 }));
  }
  marks = [
    ...ruleLines(spec.rules, yl, xl),
    ...marks,
    ...ruleLabels(spec.rules, yl, xl),
    ...logAxes(o, spec, all),
  ];
  integerAxes(o, spec, all);
  const xlab = spec.x?.label || "x";
  const ylab = spec.y?.label || "y";
  const title = (d: Point) => `${d.series}\n${xlab} ${tickLabel(d.x)}\n${ylab} ${tickLabel(d.y)}`;
  marks.push(Plot.tip(all, Plot.pointer({ x: "x", y: "y", stroke: (d: Point) => d.series, title })));
  const names = spec.series.map((s) => s.name);
  o.color = { domain: names, range: colors, legend: names.length > 1 };
  o.marks = marks;
  return Plot.plot(o);
}

export function heatmapFigure(spec: HeatmapSpec, width: number): PageElement {
  const c = spec.color ?? {};
  const cells = spec.cells
    .map((d) => ({ x: d.x, y: d.y, value: plotValue(d.value, c.log) }))
    .filter((d) => Number.isFinite(d.value));
  const xs = distinct(spec.cells.map((d) => d.x));
  const ys = distinct(spec.cells.map((d) => d.y));
  const o = basePlot(spec, width, spec.height || Math.max(200, Math.min(480, ys.length * 12)) + 60);
  if (
    cells.length > 1000 &&
    xs.every((v) => typeof v === "number") &&
    ys.every((v) => typeof v === "number")
  ) {
    return rasterHeatmap(
      spec,
      o,
      cells as { x: number; y: number; value: number }[],
      xs as number[],
      ys as number[],
    );
  }
  const yLabels = bandLabels(ys, o.height - 60, "y");
  o.marginLeft = Math.max(o.marginLeft, yLabels.margin);
  const xLabels = bandLabels(xs, width - o.marginLeft - 16, "x");
  // Rotated labels take their room below the cells, which keep their height.
  o.marginBottom += xLabels.margin;
  o.height += xLabels.margin;
  o.x = { type: "band", padding: 0, domain: xs, label: spec.x?.label || null, ...xLabels.scale };
  o.y = {
    type: "band",
    padding: 0,
    domain: spec.yUp ? ys.slice().reverse() : ys,
    label: spec.y?.label || null,
  };
  Object.assign(o.y, yLabels.scale);
  const fontSize = Math.min(xLabels.fontSize, yLabels.fontSize);
  o.style = { ...(o.style as object), fontSize: `${fontSize}px` };
  const legendWidth = Math.min(360, width - 20);
  const scheme = c.scheme ?? "viridis";
  const label = c.label || null;
  const tickFormat = c.log ? logTickLabel : tickLabel;
  o.color = { type: c.log ? "log" : "linear", scheme, legend: true, label, tickFormat, width: legendWidth };
  const [lo, hi] = d3.extent(cells.map((d) => d.value));
  o.color.ticks = c.log && lo !== undefined && hi !== undefined ? logTicks(lo, hi, 6) : 5;
  const tip = { format: { x: tickLabel, y: tickLabel, fill: tickLabel } };
  o.marks = [Plot.cell(cells, { x: "x", y: "y", fill: "value", inset: 0, tip })];
  return Plot.plot(o);
}

/** A heatmap of many numeric cells as one image (a rect per cell takes ~40 µs, too long past a few
 *  thousand): one pixel per smallest step between cells, so an evenly spaced grid fills every pixel
 *  and a missing column stays blank, on linear axes that reach half a step past the outer cells. */
export function rasterHeatmap(
  spec: HeatmapSpec,
  o: PlotOptions,
  cells: { x: number; y: number; value: number }[],
  xs: number[],
  ys: number[],
): PageElement {
  const c = spec.color ?? {};
  const step = (v: number[]) => {
    let gap = Number.POSITIVE_INFINITY;
    for (let i = 1; i < v.length; i++) gap = Math.min(gap, v[i] - v[i - 1]);
    return Number.isFinite(gap) ? Math.max(gap, (v[v.length - 1] - v[0]) / 2000) : 1;
  };
  const [dx, dy] = [step(xs), step(ys)];
  const [x1, x2] = [xs[0] - dx / 2, xs[xs.length - 1] + dx / 2];
  const [y1, y2] = [ys[0] - dy / 2, ys[ys.length - 1] + dy / 2];
  o.x = { type: "linear", domain: [x1, x2], label: spec.x?.label || null, tickFormat: tickLabel };
  o.y = {
    type: "linear",
    domain: [y1, y2],
    label: spec.y?.label || null,
    reverse: !spec.yUp,
    tickFormat: tickLabel,
  };
  const [lo, hi] = d3.extent(cells.map((d) => d.value));
  const ticks = c.log && lo !== undefined && hi !== undefined ? logTicks(lo, hi, 6) : 5;
  const tickFormat = c.log ? logTickLabel : tickLabel;
  const label = c.label || null;
  const legendWidth = Math.min(360, o.width - 20);
  o.color = {
    type: c.log ? "log" : "linear",
    scheme: c.scheme ?? "viridis",
    legend: true,
    label,
    tickFormat,
    ticks,
    width: legendWidth,
  };
  const grid = { width: Math.round((x2 - x1) / dx), height: Math.round((y2 - y1) / dy), x1, x2, y1, y2 };
  o.marks = [
    Plot.raster(cells, { x: "x", y: "y", fill: "value", ...grid, imageRendering: "pixelated" }),
    Plot.tip(
      cells,
      Plot.pointer({
        x: "x",
        y: "y",
        fill: "value",
        format: { x: tickLabel, y: tickLabel, fill: tickLabel },
      }),
    ),
  ];
  return Plot.plot(o);
}

/**
 * The tick labels of a heatmap's band axis over `length` pixels. Words (any value not a number) are
 * all labelled where a band is at least a line of small text high (on x, turned 45° when they do not
 * fit side by side), with the margin that takes; numbers (positions, steps) at round values (bandTicks).
 */
export function bandLabels(
  values: unknown[],
  length: number,
  k: "x" | "y",
): { scale: PlotScale; fontSize: number; margin: number } {
  const band = length / Math.max(1, values.length);
  const words = values.some((v) => typeof v !== "number");
  if (!words || band < 9) {
    const max = k === "x" ? Math.floor(length / 56) : Math.floor(length / 18);
    return { scale: { ticks: bandTicks(values, max), tickFormat: tickLabel }, fontSize: 12, margin: 0 };
  }
  const fontSize = band >= 14 ? 12 : band >= 11 ? 11 : 10;
  const longest = Math.max(...values.map((v) => tickLabel(v).length)) * fontSize * 0.6;
  const scale: PlotScale = { ticks: values, tickFormat: tickLabel };
  if (k === "y") return { scale, fontSize, margin: Math.ceil(longest) + 14 };
  if (longest <= band - 4) return { scale, fontSize, margin: 0 };
  // Turned 45°, a label of length w reaches w·sin 45° down from its tick.
  const margin = Math.max(0, Math.ceil(longest * Math.SQRT1_2) - 12);
  return { scale: { ...scale, tickRotate: -45 }, fontSize, margin };
}

/** Bars from 0 (on a log scale, from the power of ten at or below the smallest value); with groups,
 *  the bars of a label stand side by side, coloured by group. */
export function barFigure(spec: BarSpec, width: number): PageElement {
  const o = basePlot(spec, width, spec.height || 320);
  const h = !!spec.horizontal;
  const v = h ? "x" : "y";
  const c = h ? "y" : "x";
  const log = !!spec[v]?.log;
  const rows = spec.bars.map((b) => ({
    label: b.label,
    value: plotValue(b.value, log),
    group: b.group == null ? "" : String(b.group),
  }));
  const ok = rows.filter((r) => Number.isFinite(r.value));
  const grouped = rows.some((r) => r.group !== "");
  const labels = distinct(rows.map((r) => r.label));
  const groups = distinct(rows.map((r) => r.group));
  const smallest = d3.min(ok, (r) => r.value);
  const from = log && smallest !== undefined ? 10 ** Math.floor(Math.log10(smallest)) : 0;
  const opts: MarkOptions = { fill: grouped ? "group" : palette(0), tip: true };
  opts[`${v}1`] = () => from;
  opts[`${v}2`] = "value";
  o[v] = axisScale(spec[v], true, true);
  const label = spec[c]?.label || null;
  if (grouped) {
    opts[`f${c}`] = "label";
    opts[c] = "group";
    o[`f${c}`] = { domain: labels, label, padding: 0.15 };
    o[c] = { type: "band", domain: groups, axis: null, padding: 0.05 };
    o.color = { domain: groups, range: paletteColors(), legend: true };
  } else {
    opts[c] = "label";
    o[c] = { type: "band", domain: labels, label, padding: 0.2 };
  }
  if (h) o.marginLeft = 120;
  if (!log) integerAxes(o, { [v]: spec[v] }, [...ok.map((r) => ({ [v]: r.value })), { [v]: 0 }]);
  o.marks = [h ? Plot.barX(rows, opts) : Plot.barY(rows, opts)];
  if (!log) o.marks.push(h ? Plot.ruleX([0]) : Plot.ruleY([0]));
  if (log) {
    const ends = [...ok.map((r) => ({ [v]: r.value })), { [v]: from }];
    const facet = grouped ? (h ? { fy: labels[labels.length - 1] } : { fx: labels[0] }) : undefined;
    const axes = { x: h ? spec.x : undefined, y: h ? undefined : spec.y };
    o.marks = o.marks.concat(logAxes(o, axes, ends, facet));
  }
  return Plot.plot(o);
}

export function scatterFigure(spec: ScatterSpec, width: number): PageElement {
  const o = basePlot(spec, width, spec.height || 360);
  const xl = spec.x?.log;
  const yl = spec.y?.log;
  const pts = spec.points.map((p) => ({
    x: plotValue(p.x, xl),
    y: plotValue(p.y, yl),
    series: p.series ?? "",
    label: p.label,
  }));
  const grouped = pts.some((p) => p.series !== "");
  o.x = axisScale(spec.x, true, true);
  o.x.inset = 10;
  o.y.inset = 10;
  o.marks = [Plot.dot(pts, { x: "x", y: "y", stroke: grouped ? "series" : palette(0), r: 3.5, tip: true })];
  const labelled = pts.filter((p) => p.label != null && p.label !== "");
  if (labelled.length)
    o.marks.push(
      Plot.text(labelled, { x: "x", y: "y", text: "label", dy: -9, fill: "currentColor", ...halo() }),
    );
  o.marks = [
    ...ruleLines(spec.rules, yl, xl),
    ...o.marks,
    ...ruleLabels(spec.rules, yl, xl),
    ...logAxes(o, spec, pts),
  ];
  integerAxes(o, spec, pts);
  if (grouped) o.color = { legend: true, range: paletteColors() };
  return Plot.plot(o);
}
