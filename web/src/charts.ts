import * as Plot from "@observablehq/plot";
import type { EvalInfo, ProgressInfo } from "../../src/worker/client-entry.ts";

// The playground's live figures, drawn with Observable Plot (as the reports are). Progress arrives
// every step; drawing happens at most every DRAW_MS, on at most MAX_POINTS points a series, so the
// page's main thread stays free while the worker trains.

const DRAW_MS = 300;
const MAX_POINTS = 250;
/** Rows of the ‖dL/dh_t‖ heatmap: one every `every` steps, the latest MAX_ROWS kept. */
const MAX_ROWS = 80;

interface NormRow {
  step: number;
  t: number;
  norm: number;
}

export class Charts {
  private steps: ProgressInfo[] = [];
  private evals: EvalInfo[] = [];
  private rows: NormRow[] = [];
  private every = 1;
  private timer: number | null = null;

  /** Draws the empty figures at once: the axes show before training, and Plot's code is warm by the
   *  first step. */
  constructor(private readonly panels: Record<"loss" | "grad" | "flow" | "fed", HTMLElement>) {
    this.schedule();
  }

  reset(): void {
    this.reference = null;
    this.steps = [];
    this.evals = [];
    this.rows = [];
    this.every = 1;
    this.schedule();
  }

  progress(info: ProgressInfo): void {
    this.steps.push(info);
    if (info.step % this.every === 0) {
      for (const [t, norm] of info.hiddenGradNorms.entries()) this.rows.push({ step: info.step, t, norm });
      const T = info.hiddenGradNorms.length;
      if (this.rows.length > MAX_ROWS * T) {
        this.every *= 2;
        this.rows = this.rows.filter((row) => row.step % this.every === 0);
      }
    }
    this.schedule();
  }

  evaluation(info: EvalInfo): void {
    this.evals.push(info);
    this.schedule();
  }

  /** Draws one figure per task, in turn, while there is something new: a figure takes a few tens
   *  of milliseconds, so the page answers input between them. */
  private schedule(): void {
    this.dirty.fill(true);
    if (this.timer !== null) return;
    const next = () => {
      // Round robin from the figure after the last one drawn, so new data starves none.
      const count = this.figures.length;
      const offset = [...Array(count).keys()].find((i) => this.dirty[(this.cursor + i) % count]);
      if (offset === undefined) {
        this.timer = null;
        return;
      }
      const index = (this.cursor + offset) % count;
      this.cursor = index + 1;
      this.dirty[index] = false;
      this.figures[index]();
      this.timer = window.setTimeout(next, DRAW_MS / this.figures.length);
    };
    this.timer = window.setTimeout(next, DRAW_MS / this.figures.length);
  }

  private readonly figures = [
    () => this.drawLoss(),
    () => this.drawGrad(),
    () => this.drawFlow(),
    () => this.drawFed(),
  ];
  private readonly dirty = this.figures.map(() => false);
  private cursor = 0;
  private reference: { loss: number; label: string } | null = null;

  /** A horizontal rule on the loss figure: the loss of the best constant prediction. */
  baseline(loss: number, label: string): void {
    this.reference = { loss, label };
    this.schedule();
  }

  private drawLoss(): void {
    const panel = this.panels.loss;
    show(
      panel,
      Plot.plot({
        width: widthOf(panel),
        height: 220,
        x: { label: "step" },
        y: { label: this.reference?.label === "unigram" ? "loss (nats/token)" : "loss", grid: true },
        color: { legend: true, domain: ["training", "validation", this.reference?.label ?? "baseline"] },
        marks: [
          Plot.ruleY(this.reference ? [this.reference.loss] : [], {
            stroke: () => this.reference?.label ?? "baseline",
            strokeDasharray: "2 3",
          }),
          Plot.lineY(thin(this.steps), { x: "step", y: "loss", stroke: () => "training" }),
          Plot.line(this.evals, { x: "step", y: "valLoss", stroke: () => "validation", marker: "dot" }),
        ],
      }),
    );
  }

  private drawGrad(): void {
    const panel = this.panels.grad;
    const steps = thin(this.steps);
    show(
      panel,
      Plot.plot({
        width: widthOf(panel),
        height: 220,
        x: { label: "step" },
        y: { label: "‖gradient‖", type: "log", grid: true, ticks: 4, tickFormat: "~g" },
        color: { legend: true, domain: ["before clipping", "after clipping"] },
        marks: [
          Plot.lineY(steps, { x: "step", y: "gradNorm", stroke: () => "before clipping" }),
          Plot.lineY(steps, {
            x: "step",
            y: "gradNormClipped",
            stroke: () => "after clipping",
            strokeDasharray: "4 3",
          }),
        ],
      }),
    );
  }

  /** One raster pixel per (row, t), stretched: thousands of cells drawn as one image. */
  private drawFlow(): void {
    const panel = this.panels.flow;
    const rows = this.rows.filter((row) => row.norm > 0);
    const T = rows.length > 0 ? Math.max(...rows.slice(0, 512).map((row) => row.t)) + 1 : 1;
    const first = rows[0]?.step ?? 0;
    const last = rows.at(-1)?.step ?? 1;
    show(
      panel,
      Plot.plot({
        width: widthOf(panel),
        height: 260,
        x: { label: "time step t", domain: [0, T] },
        y: { label: "training step", domain: [first, last + this.every], reverse: true },
        color: { type: "log", scheme: "viridis", legend: true, label: "‖dL/dh_t‖", tickFormat: "~g" },
        marks: [
          Plot.raster(rows, {
            x: (row: NormRow) => row.t + 0.5,
            y: (row: NormRow) => row.step + this.every / 2,
            fill: "norm",
            width: T,
            height: Math.max(1, Math.round((last - first) / this.every) + 1),
            x1: 0,
            x2: T,
            y1: first,
            y2: last + this.every,
            imageRendering: "pixelated",
          }),
        ],
      }),
    );
  }

  private drawFed(): void {
    const panel = this.panels.fed;
    show(
      panel,
      Plot.plot({
        width: widthOf(panel),
        height: 160,
        x: { label: "step" },
        y: { label: "ground truth fed", domain: [0, 1.05], tickFormat: "%" },
        marks: [
          Plot.ruleY([1], { strokeOpacity: 0.2 }),
          Plot.lineY(thin(this.steps), { x: "step", y: "groundTruthFraction", strokeWidth: 2 }),
        ],
      }),
    );
  }
}

function widthOf(panel: HTMLElement): number {
  return Math.max(280, panel.clientWidth);
}

/** At most MAX_POINTS of `items`, evenly spaced, the last one kept. */
function thin<T>(items: T[]): T[] {
  if (items.length <= MAX_POINTS) return items;
  const stride = Math.ceil(items.length / MAX_POINTS);
  return items.filter((_, i) => i % stride === 0 || i === items.length - 1);
}

function show(panel: HTMLElement, figure: Element): void {
  panel.replaceChildren(figure);
}
