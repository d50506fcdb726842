// The figures of a training run as PlotSpecs, built once for both places that show them: the training
// report (training.ts) from a run's metrics.jsonl records, and the web lab's playground from a
// worker's progress. Each builder reads only the fields it names, so a TrainRecord and a worker's
// ProgressInfo both fit. Pure: imports nothing from Node.

import { formatNumber } from "./format.js";
import type { HeatmapCell, HeatmapSpec, LineSeries, LineSpec, RuleSpec } from "./spec.js";
import { plotNumber } from "./spec.js";

export interface LossPoint {
  step: number;
  loss: number;
}
export interface ValPoint {
  step: number;
  valLoss: number;
}
export interface GradNormPoint {
  step: number;
  gradNorm: number;
  gradNormClipped: number;
}
export interface FedPoint {
  step: number;
  groundTruthFraction: number;
  eps: number;
}
/** ‖dL/dh_t‖ for t = 0..T at one training step. */
export interface GradFlowRow {
  step: number;
  norms: ArrayLike<number>;
}

/** A dashed horizontal reference line: the best constant prediction's loss, say. */
export interface Reference {
  value: number;
  label: string;
}

export interface LossFigureOptions {
  /** The loss's unit, shown in the axis label ("nats/token" for text). */
  unit?: string;
  baseline?: Reference;
  /** What the validation points are over, shown in their series name ("32,768 tokens"). */
  valOver?: string;
  /** A last validation loss measured otherwise (the full split, at the end), drawn as its own point. */
  final?: ValPoint & { name: string };
}

/** The loss figure and the smoothing window it used (null when too few points to smooth). */
export interface LossFigure {
  spec: LineSpec;
  smoothingWindow: number | null;
}

/** Series smoothed from this many points on; below, the raw curve is clear enough. */
const SMOOTH_FROM = 20;

/** Training loss (raw, and smoothed from 20 points), validation points, the baseline as a rule. */
export function lossFigure(
  train: readonly LossPoint[],
  val: readonly ValPoint[],
  options: LossFigureOptions = {},
): LossFigure {
  const series: LineSeries[] = [];
  let smoothingWindow: number | null = null;
  if (train.length > 0) {
    const x = train.map((r) => r.step);
    const y = train.map((r) => plotNumber(r.loss));
    series.push({ name: "training", x, y, color: "#93b4f5", width: 1 });
    if (train.length >= SMOOTH_FROM) {
      const smoothed = smooth(y);
      smoothingWindow = smoothed.window;
      series.push({ name: "training (smoothed)", x, y: smoothed.values, color: "#2563eb", width: 2.25 });
    }
  }
  if (val.length > 0) {
    series.push({
      name: options.valOver ? `validation (${options.valOver})` : "validation",
      x: val.map((r) => r.step),
      y: val.map((r) => plotNumber(r.valLoss)),
      color: "#ea580c",
      width: 2.25,
      dots: true,
    });
  }
  const { final, baseline, unit } = options;
  if (final) {
    const y = [plotNumber(final.valLoss)];
    series.push({ name: final.name, x: [final.step], y, color: "#7c2d12", dots: true });
  }
  const rules: RuleSpec[] = baseline
    ? [{ axis: "y", value: baseline.value, label: baseline.label, color: "#6b7280" }]
    : [];
  const spec: LineSpec = {
    kind: "line",
    x: { label: "step" },
    y: { label: unit ? `loss (${unit})` : "loss" },
    series,
    rules,
  };
  return { spec, smoothingWindow };
}

/** Where the training curve ends: the mean of the last recorded losses that the smoothed curve's
 *  last point averages (its centred window is cut there), or the last loss when not smoothed. */
export function trainingLossEnd(train: readonly LossPoint[]): { value: number; points: number } | null {
  const h = train.length >= SMOOTH_FROM ? (smoothWindow(train.length) - 1) / 2 : 0;
  const last = train
    .slice(-(h + 1))
    .map((r) => plotNumber(r.loss))
    .filter((v) => v !== null);
  if (last.length === 0) return null;
  return { value: last.reduce((a, b) => a + b, 0) / last.length, points: last.length };
}

/** The clipping threshold on the gradient's 2-norm, when a run clips by that norm. */
export function clipMaxNorm(
  clip: { kind: string; maxNorm?: number; normType?: unknown } | null | undefined,
): number | undefined {
  return clip?.kind === "norm" && clip.normType !== "inf" ? clip.maxNorm : undefined;
}

/** The steps at which clipping made the gradient smaller. */
export function clippedSteps(records: readonly GradNormPoint[]): number {
  return records.filter((r) => Number.isFinite(r.gradNorm) && r.gradNormClipped < r.gradNorm * (1 - 1e-9))
    .length;
}

/** The gradient's global norm before and after clipping, on a log axis; `maxNorm` as a rule. */
export function gradNormSpec(records: readonly GradNormPoint[], maxNorm?: number): LineSpec {
  const x = records.map((r) => r.step);
  const neverClipped = clippedSteps(records) === 0;
  return {
    kind: "line",
    x: { label: "step" },
    y: { label: "‖∇L‖₂", log: true },
    rules:
      maxNorm === undefined
        ? []
        : [{ axis: "y", value: maxNorm, label: `max norm ${maxNorm}`, color: "#6b7280" }],
    series: [
      {
        name: "before clipping",
        x,
        y: records.map((r) => plotNumber(r.gradNorm)),
        color: "#9333ea",
        width: 1.25,
      },
      {
        name: "after clipping",
        x,
        y: records.map((r) => plotNumber(r.gradNormClipped)),
        color: "#16a34a",
        width: 1.75,
        dashed: neverClipped,
      },
    ],
  };
}

/** Whether every recorded step fed only ground truth (teacher forcing, or eps still at 1). */
export function allGroundTruth(records: readonly FedPoint[]): boolean {
  return records.length > 0 && records.every((r) => r.groundTruthFraction === 1 && r.eps === 1);
}

/**
 * The observed fraction of ground-truth tokens fed against eps_i. The axis reaches 105 % and the
 * observed line is drawn last and widest, so under teacher forcing, where both are 1, it shows as a
 * line along 100 % instead of hiding under the schedule and the frame.
 */
export function groundTruthSpec(records: readonly FedPoint[]): LineSpec {
  const x = records.map((r) => r.step);
  return {
    kind: "line",
    height: 260,
    x: { label: "step" },
    y: { label: "share of tokens fed", domain: [0, 1.05], percent: true },
    series: [
      {
        name: "eps_i (schedule)",
        x,
        y: records.map((r) => plotNumber(r.eps)),
        color: "#6b7280",
        width: 1.5,
        dashed: true,
      },
      {
        name: "ground truth fed (observed)",
        x,
        y: records.map((r) => plotNumber(r.groundTruthFraction)),
        color: "#16a34a",
        width: 2.5,
      },
    ],
  };
}

/** ‖dL/dh_t‖ as a heatmap: a column per training step, t = 0 at the bottom, a log colour scale. */
export function gradFlowSpec(rows: readonly GradFlowRow[]): HeatmapSpec {
  const cells: HeatmapCell[] = [];
  for (const r of rows) {
    for (let t = 0; t < r.norms.length; t++) cells.push({ x: r.step, y: t, value: plotNumber(r.norms[t]) });
  }
  return {
    kind: "heatmap",
    cells,
    x: { label: "training step" },
    y: { label: "time step t" },
    color: { label: "‖dL/dh_t‖", log: true, scheme: "viridis" },
    yUp: true,
  };
}

/** ‖dL/dh_t‖ against t at a few training steps (columns of the heatmap), light to dark in time. */
export function gradFlowProfileSpec(rows: readonly GradFlowRow[]): LineSpec {
  return {
    kind: "line",
    height: 280,
    x: { label: "time step t" },
    y: { label: "‖dL/dh_t‖", log: true },
    series: rows.map((r, i) => ({
      name: `step ${formatNumber(r.step)}`,
      x: Array.from(r.norms, (_, t) => t),
      y: Array.from(r.norms, plotNumber),
      color: ramp(rows.length === 1 ? 1 : i / (rows.length - 1)),
    })),
  };
}

/** What bounds a vanilla RNN's gradient through time: its activation's largest derivative γ and its
 *  recurrent matrix's spectral norm ‖W‖₂. */
export interface RecurrentBound {
  gamma: number;
  normW: number;
}

/**
 * The bound on the gradient carried k steps back: h_t = f(W h_{t−1} + …) has Jacobian
 * ∂h_t/∂h_{t−1} = diag(f′(z_t)) W, of 2-norm at most γ‖W‖₂, so ‖∂h_T/∂h_{T−k}‖ ≤ (γ‖W‖₂)^k
 * (the seed's Q3 bound, there with γ = 1/4 for the sigmoid).
 */
export function gradientBound(bound: RecurrentBound, k: number): number {
  return (bound.gamma * bound.normW) ** k;
}

/**
 * One step's ‖dL/dh_{T−k}‖ / ‖dL/dh_T‖ against (γ‖W‖₂)^k over the distance k = T − t, on a log
 * axis (non-positive values, such as a zero bound when γ = 0, are left out).
 */
export function gradientBoundSpec(norms: ArrayLike<number>, bound: RecurrentBound): LineSpec {
  const T = norms.length - 1;
  const last = norms[T];
  const ks = Array.from({ length: T + 1 }, (_, k) => k);
  const factor = Number((bound.gamma * bound.normW).toPrecision(3));
  return {
    kind: "line",
    height: 260,
    x: { label: "steps back k = T − t" },
    y: { label: "‖dL/dh_{T−k}‖ / ‖dL/dh_T‖", log: true },
    series: [
      {
        name: `bound (γ‖W‖₂)^k, γ‖W‖₂ = ${factor}`,
        x: ks,
        y: ks.map((k) => plotNumber(gradientBound(bound, k))),
        color: "#6b7280",
        width: 1.5,
        dashed: true,
      },
      {
        name: "measured, latest step",
        x: ks,
        y: ks.map((k) => (last > 0 ? plotNumber(norms[T - k] / last) : null)),
        color: "#2563eb",
        width: 2.25,
      },
    ],
  };
}

/**
 * Centred moving average over 2h + 1 points, h about 1/50 of the series (so it does not lag behind the
 * curve as an exponential average would); windows are cut at the ends; nulls are skipped and kept.
 */
export function smooth(y: readonly (number | null)[]): { values: (number | null)[]; window: number } {
  const h = (smoothWindow(y.length) - 1) / 2;
  const sum = [0];
  const count = [0];
  for (const v of y) {
    sum.push(sum[sum.length - 1] + (v ?? 0));
    count.push(count[count.length - 1] + (v === null ? 0 : 1));
  }
  const values = y.map((v, i) => {
    if (v === null) return null;
    const lo = Math.max(0, i - h);
    const hi = Math.min(y.length, i + h + 1);
    return (sum[hi] - sum[lo]) / (count[hi] - count[lo]);
  });
  return { values, window: 2 * h + 1 };
}

/** 2h + 1 points, h about 1/50 of the series' n points, from 1 to 100. */
function smoothWindow(n: number): number {
  return 2 * Math.max(1, Math.min(100, Math.round(n / 50))) + 1;
}

/** Light to dark blue-violet, for curves ordered in time. */
function ramp(f: number): string {
  const from = [147, 197, 253];
  const to = [49, 46, 129];
  const c = from.map((a, i) => Math.round(a + (to[i] - a) * f));
  return `rgb(${c.join(",")})`;
}
