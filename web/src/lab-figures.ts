import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import { drawSpec } from "../../src/report/plot-client.ts";
import type { PlotSpec } from "../../src/report/spec.ts";

// The lab report's figures, drawn by the report's own code: plot-client.ts reads `Plot` and `d3` as
// globals (the report page inlines their UMD bundles), so this module sets them from the bundled ones.
Object.assign(globalThis, { Plot, d3 });

export interface FigureJob {
  /** The element the plot goes in, sized by the page. */
  host: HTMLElement;
  spec: PlotSpec;
}

/** Draws the figures one per task, so that the page answers input between them (a heatmap takes
 *  tens of milliseconds). A figure already drawn at its host's width is skipped. Returns a cancel. */
export function drawFigures(jobs: readonly FigureJob[]): () => void {
  let timer = 0;
  const step = (i: number) => {
    if (i >= jobs.length) return;
    drawOne(jobs[i]);
    timer = window.setTimeout(() => step(i + 1), 0);
  };
  timer = window.setTimeout(() => step(0), 0);
  return () => clearTimeout(timer);
}

function drawOne({ host, spec }: FigureJob): void {
  if (!host.isConnected) return;
  const width = Math.max(300, Math.floor(host.clientWidth));
  if (host.dataset.width === String(width)) return;
  host.dataset.width = String(width);
  try {
    host.replaceChildren(drawSpec(spec, width) as unknown as Node);
  } catch (error) {
    const line = document.createElement("p");
    line.className = "plot-error";
    line.textContent = `This figure could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
    host.replaceChildren(line);
  }
}

/** Tiny figures of each kind, with the options the lab's figures use: drawn once each, they compile
 *  Plot's and the drawing code's paths, which otherwise costs the first real figure 100–200 ms. */
const WARM_UP: readonly PlotSpec[] = [
  {
    kind: "line",
    series: [{ name: "a", x: [1, 2], y: [1, 2], dots: true }],
    rules: [{ axis: "y", value: 1 }],
  },
  {
    kind: "line",
    y: { log: true },
    series: [
      { name: "a", x: [1, 2], y: [1, 10] },
      { name: "b", x: [1, 2], y: [2, 20], dashed: true },
    ],
  },
  { kind: "heatmap", cells: [{ x: "a", y: "b", value: 1 }] },
  { kind: "bar", bars: [{ label: "a", value: 1 }] },
  { kind: "scatter", points: [{ x: 1, y: 2, label: "a" }] },
];

/** Draws the warm-up figures off the page, one per task `gapMs` apart, so no task is long. */
export function warmUpFigures(gapMs = 50): void {
  const step = (i: number) => {
    if (i >= WARM_UP.length) return;
    try {
      drawSpec(WARM_UP[i], 300);
    } catch {
      // a warm-up figure that fails to draw costs nothing: the real figure reports its own error
    }
    window.setTimeout(() => step(i + 1), gapMs);
  };
  window.setTimeout(() => step(0), gapMs);
}
