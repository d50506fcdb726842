// Line charts in plain ASCII for the terminal: several series overlaid, each drawn with its own mark,
// its value in each column linearly interpolated between its points, so sparse series (validation
// every 100 steps) read as lines too. A later series overwrites an earlier one where they meet.

import { formatNumber } from "../../src/report/format.js";

export interface ChartSeries {
  name: string;
  /** [x, y] points in increasing x; non-finite values are left out. */
  points: readonly (readonly [number, number | null])[];
}

export interface ChartOptions {
  /** Plot columns (default 60) and rows (default 12), axes and labels not counted. */
  width?: number;
  height?: number;
  xLabel?: string;
}

/** The marks of the series, in order; the 11th series reuses the first mark. */
export const MARKS = ["*", "+", "o", "x", "#", "@", "%", "&", "=", "~"];

type Point = [number, number];

/** The chart, lines joined with "\n" and no trailing newline: y labels at the top, middle and bottom
 *  rows, the x range under the axis, and a legend of marks. "(no points to draw)" when no series has a
 *  finite point. */
export function asciiChart(series: readonly ChartSeries[], options: ChartOptions = {}): string {
  const width = Math.max(2, Math.floor(options.width ?? 60));
  const height = Math.max(2, Math.floor(options.height ?? 12));
  const finite = series.map((s) => s.points.filter(isFinitePoint).map(([x, y]) => [x, y] as Point));
  const all = finite.flat();
  if (all.length === 0) return "(no points to draw)";
  const xs = paddedRange(all.map((p) => p[0]));
  const ys = paddedRange(all.map((p) => p[1]));
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(" "));
  const column = (x: number) => Math.round(((x - xs[0]) / (xs[1] - xs[0])) * (width - 1));
  const row = (y: number) => Math.round(((ys[1] - y) / (ys[1] - ys[0])) * (height - 1));
  finite.forEach((points, i) => {
    const mark = MARKS[i % MARKS.length];
    for (let col = 0; col < width; col++) {
      const y = valueAt(points, xs[0] + ((xs[1] - xs[0]) * col) / (width - 1));
      if (y !== null) grid[row(y)][col] = mark;
    }
    // every point itself too: a lone point, or one between two columns, still shows
    for (const [x, y] of points) grid[row(y)][column(x)] = mark;
  });
  const labels = yLabels(ys, height);
  const margin = Math.max(...[...labels.values()].map((l) => l.length));
  return [
    ...plotRows(grid, labels, margin),
    ...xAxis(xs, width, margin, options.xLabel),
    legend(series),
  ].join("\n");
}

function isFinitePoint(p: readonly [number, number | null]): p is readonly [number, number] {
  return Number.isFinite(p[0]) && typeof p[1] === "number" && Number.isFinite(p[1]);
}

/** The min and max, pulled apart when equal so that the scale has a width. */
function paddedRange(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (hi > lo) return [lo, hi];
  const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - pad, hi + pad];
}

/** y at x, interpolated between the points around it; null outside the series' x range. */
function valueAt(points: readonly Point[], x: number): number | null {
  if (points.length === 0 || x < points[0][0] || x > points[points.length - 1][0]) return null;
  let i = 1;
  while (i < points.length && points[i][0] < x) i++;
  if (i === points.length) return points[points.length - 1][1];
  const [xa, ya] = points[i - 1];
  const [xb, yb] = points[i];
  return xb === xa ? yb : ya + ((yb - ya) * (x - xa)) / (xb - xa);
}

/** The labels of the top, middle and bottom rows. */
function yLabels([y0, y1]: [number, number], height: number): Map<number, string> {
  return new Map([
    [0, formatNumber(y1)],
    [Math.floor((height - 1) / 2), formatNumber((y0 + y1) / 2)],
    [height - 1, formatNumber(y0)],
  ]);
}

function plotRows(grid: string[][], labels: Map<number, string>, margin: number): string[] {
  return grid.map((cells, row) => {
    const label = labels.get(row);
    const axis = label === undefined ? `${" ".repeat(margin)} |` : `${label.padStart(margin)} +`;
    return `${axis}${cells.join("")}`.trimEnd();
  });
}

function xAxis([x0, x1]: [number, number], width: number, margin: number, label = ""): string[] {
  const pad = " ".repeat(margin);
  const left = formatNumber(x0);
  const right = formatNumber(x1);
  const gap = Math.max(1, width - left.length - right.length);
  const middle = label.length + 2 <= gap ? centre(label, gap) : " ".repeat(gap);
  return [`${pad} +${"-".repeat(width)}`, `${pad}  ${left}${middle}${right}`];
}

function centre(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return `${" ".repeat(left)}${text}${" ".repeat(width - text.length - left)}`;
}

function legend(series: readonly ChartSeries[]): string {
  return series.map((s, i) => `${MARKS[i % MARKS.length]} ${s.name}`).join("   ");
}
