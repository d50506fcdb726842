import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import { drawSpec } from "../../src/report/plot-client.ts";
import type { PlotSpec } from "../../src/report/spec.ts";
import {
  allGroundTruth,
  clipMaxNorm,
  type GradFlowRow,
  gradFlowSpec,
  gradientBoundSpec,
  gradNormSpec,
  groundTruthSpec,
  lossFigure,
  type Reference,
} from "../../src/report/training-figures.ts";
import type { EvalInfo, ProgressInfo } from "../../src/worker/client-entry.ts";

// The playground's live figures: the training report's specs (training-figures.ts), drawn by the
// report's own drawing code (plot-client.ts, which reads `Plot` and `d3` as globals). Progress
// arrives every step; drawing happens at most every DRAW_MS, one figure per task, on at most
// MAX_POINTS points a series, so the page's main thread stays free while the worker trains.
Object.assign(globalThis, { Plot, d3 });

const DRAW_MS = 300;
const MAX_POINTS = 200;
/** Columns of the ‖dL/dh_t‖ heatmap: one every `every` steps, at most MAX_ROWS columns and
 *  MAX_CELLS cells (drawn as one raster image); `every` doubles when they are full. */
const MAX_ROWS = 60;
const MAX_CELLS = 2400;

export type Panel = "loss" | "grad" | "flow" | "bound" | "fed";

/** The figures' heights here: the report's, made shorter to fit a screen. */
const HEIGHTS: Record<Panel, number> = { loss: 240, grad: 220, flow: 260, bound: 240, fed: 170 };

export class Charts {
  private steps: ProgressInfo[] = [];
  private evals: EvalInfo[] = [];
  private rows: GradFlowRow[] = [];
  private every = 1;
  private timer: number | null = null;
  private reference: Reference | null = null;
  private unit: string | undefined;
  private maxNorm: number | undefined;

  /** Draws the empty figures at once: the axes show before training, and Plot's code is warm by the
   *  first step. */
  constructor(private readonly panels: Record<Panel, HTMLElement>) {
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
      this.rows.push({ step: info.step, norms: info.hiddenGradNorms });
      const columns = Math.min(MAX_ROWS, Math.floor(MAX_CELLS / info.hiddenGradNorms.length));
      if (this.rows.length > Math.max(8, columns)) {
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

  /** A horizontal rule on the loss figure: the loss of the best constant prediction; `unit` the
   *  loss's ("nats/token" for text). */
  baseline(loss: number, label: string, unit?: string): void {
    this.reference = { value: loss, label };
    this.unit = unit;
    this.schedule();
  }

  /** The run's clipping, drawn as a rule on the gradient norm when it clips the 2-norm. */
  clipping(clip: Parameters<typeof clipMaxNorm>[0]): void {
    this.maxNorm = clipMaxNorm(clip);
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
      const [panel, content] = this.figures[index];
      show(this.panels[panel], content(), HEIGHTS[panel]);
      this.timer = window.setTimeout(next, DRAW_MS / count);
    };
    this.timer = window.setTimeout(next, DRAW_MS / this.figures.length);
  }

  private readonly figures: [Panel, () => Content][] = [
    ["loss", () => this.loss()],
    ["grad", () => ({ spec: gradNormSpec(thin(this.steps), this.maxNorm) })],
    ["flow", () => this.flow()],
    ["bound", () => this.bound()],
    ["fed", () => this.fed()],
  ];
  private readonly dirty = this.figures.map(() => false);
  private cursor = 0;

  private loss(): Content {
    const options = { unit: this.unit, baseline: this.reference ?? undefined };
    return { spec: lossFigure(thin(this.steps), thin(this.evals), options).spec };
  }

  private flow(): Content {
    if (this.rows.length === 0)
      return { note: "‖dL/dh_t‖ of each time step appears here from the first step." };
    const gated = this.steps.at(-1)?.recurrentBound === null;
    const note = gated
      ? "The bound (γ‖W‖₂)^k is drawn for a vanilla RNN only: a GRU's or an LSTM's step Jacobian is made " +
        "of gates and several matrices, so no single γ‖W‖₂ bounds it."
      : undefined;
    return { spec: gradFlowSpec(this.rows), note };
  }

  /** Shown for a vanilla RNN only: its figure stays hidden until a step brings a bound. */
  private bound(): Content {
    const latest = this.steps.at(-1);
    const bound = latest?.recurrentBound ?? null;
    const figure = this.panels.bound.closest("figure");
    if (figure) figure.hidden = bound === null;
    if (!latest || bound === null) return {};
    const factor = bound.gamma * bound.normW;
    return {
      spec: gradientBoundSpec(latest.hiddenGradNorms, bound),
      note:
        `γ = ${bound.gamma} (the activation's largest derivative) and ‖W‖₂ = ${bound.normW.toPrecision(3)} ` +
        `(the recurrent matrix's spectral norm, now): the gradient can shrink or grow by at most ` +
        `${factor.toPrecision(3)} per step back. The bound covers what flows back from h_T alone; a loss ` +
        "at every step, or a skip connection, adds terms that may lie above it.",
    };
  }

  private fed(): Content {
    const steps = thin(this.steps);
    const note = allGroundTruth(steps) ? "Teacher forcing: every input is ground truth (100 %)." : undefined;
    return { spec: groundTruthSpec(steps), note };
  }
}

/** What a panel shows: a figure, a line of text, or both (the text first). */
interface Content {
  spec?: PlotSpec;
  note?: string;
}

function show(panel: HTMLElement, content: Content, height: number): void {
  const children: Node[] = [];
  if (content.note) {
    const line = document.createElement("p");
    line.className = "figure-note";
    line.textContent = content.note;
    children.push(line);
  }
  if (content.spec) {
    try {
      const width = Math.max(280, panel.clientWidth);
      children.push(drawSpec({ ...content.spec, height }, width) as unknown as Node);
    } catch (error) {
      const line = document.createElement("p");
      line.className = "plot-error";
      line.textContent = `This figure could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
      children.push(line);
    }
  }
  panel.replaceChildren(...children);
}

/** At most MAX_POINTS of `items`, evenly spaced, the last one kept. */
function thin<T>(items: T[]): T[] {
  if (items.length <= MAX_POINTS) return items;
  const stride = Math.ceil(items.length / MAX_POINTS);
  return items.filter((_, i) => i % stride === 0 || i === items.length - 1);
}
