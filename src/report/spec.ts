// Declarative plot specifications: plain JSON that the page's inline script turns into Observable Plot
// charts in the browser (see client.ts). Non-finite numbers are written as null and drawn as gaps.

/** An axis: its label, a log scale (non-positive values are then left out), a fixed domain or one with 0. */
export interface AxisSpec {
  label?: string;
  log?: boolean;
  domain?: [number, number];
  /** Include 0 in the domain (linear scales). */
  zero?: boolean;
  /** The values are fractions, shown as percentages (0.25 as 25, "(%)" added to the label); domain stays in fractions. */
  percent?: boolean;
  /** Ticks at whole numbers only. By default so when every value on the axis is an integer; false turns it off. */
  integer?: boolean;
}

/** One named series of a line chart, as columns: x[i], y[i] (null = a gap). */
export interface LineSeries {
  name: string;
  x: number[];
  y: (number | null)[];
  /** A CSS colour; by default the next of the page's palette. */
  color?: string;
  /** Line width in pixels (default 1.75). */
  width?: number;
  /** Line opacity (default 1). */
  opacity?: number;
  dashed?: boolean;
  /** Draw a dot at each point (for sparse series such as validation losses). */
  dots?: boolean;
}

/** A labelled horizontal (y) or vertical (x) reference line. */
export interface RuleSpec {
  axis: "x" | "y";
  value: number;
  label?: string;
  color?: string;
}

export interface LineSpec {
  kind: "line";
  x?: AxisSpec;
  y?: AxisSpec;
  series: LineSeries[];
  rules?: RuleSpec[];
  /** Plot height in pixels (default 320). */
  height?: number;
}

export interface HeatmapCell {
  x: number | string;
  y: number | string;
  /** null: no value (drawn in the background colour). */
  value: number | null;
}

export interface HeatmapSpec {
  kind: "heatmap";
  cells: HeatmapCell[];
  x?: AxisSpec;
  y?: AxisSpec;
  /** The colour legend: its label, a log scale (non-positive values are then left out), the scheme. */
  color?: { label?: string; log?: boolean; scheme?: string };
  /** Draw y increasing upwards (default: downwards, as rows of a table). */
  yUp?: boolean;
  height?: number;
}

export interface BarSpec {
  kind: "bar";
  bars: { label: string; value: number | null; group?: string }[];
  x?: AxisSpec;
  y?: AxisSpec;
  /** Horizontal bars (labels on y). */
  horizontal?: boolean;
  height?: number;
}

export interface ScatterSpec {
  kind: "scatter";
  points: { x: number; y: number; series?: string; label?: string }[];
  x?: AxisSpec;
  y?: AxisSpec;
  rules?: RuleSpec[];
  height?: number;
}

export type PlotSpec = LineSpec | HeatmapSpec | BarSpec | ScatterSpec;

/** A number for JSON: non-finite becomes null (a gap), as JSON.stringify would write it anyway. */
export function finiteOrNull(v: number | null | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A number to plot: 6 significant digits (plenty on screen, half the JSON), non-finite as null. */
export function plotNumber(v: number | null | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? Number(v.toPrecision(6)) : null;
}
