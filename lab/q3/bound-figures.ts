// Q3.bound's figures: the gradient's size against distance with the bound over it, and how tight the
// bound is over all random nets.

import { type Figure, type LineSeries, plotNumber } from "../../src/report/index.js";
import type { BoundData } from "./bound.js";

const fromLog10 = (log10: number) => plotNumber(10 ** log10);

function distanceFigure({ curves }: BoundData): Figure {
  const x = curves.distances;
  // Each bound before its measured curve: drawn first, so where they meet the measurement stays on top.
  const series: LineSeries[] = curves.byNorm.flatMap((c) => [
    {
      name: `‖W‖ = ${c.norm}: bound (‖W‖/4)^d`,
      x,
      y: c.boundLog10.map(fromLog10),
      dashed: true,
      width: 1.25,
    },
    { name: `‖W‖ = ${c.norm}: median of ${c.nets} nets`, x, y: c.medianLog10.map(fromLog10) },
  ]);
  return {
    id: "q3-bound-distance",
    title: `Gradient norm against distance, with the bound drawn over it (H = ${curves.H})`,
    caption:
      "$\\lVert \\partial L/\\partial h_{T-d}\\rVert / \\lVert \\partial L/\\partial h_T\\rVert$ for random sigmoid RNNs (median over nets, solid) and the bound $(\\lVert W\\rVert/4)^d$ (dashed), log scale. Values below 1e-300 underflow and are not drawn.",
    spec: {
      kind: "line",
      x: { label: "distance d (steps back from the loss)" },
      y: { label: "‖∂L/∂h_{T−d}‖ / ‖∂L/∂h_T‖", log: true },
      series,
      rules: [{ axis: "y", value: 1, label: "1" }],
    },
  };
}

function tightnessFigure({ tightness }: BoundData): Figure {
  const x = tightness.distances;
  return {
    id: "q3-bound-tightness",
    title: "How tight the bound is: measured / bound over all random nets",
    caption:
      "Quantiles over every random net of the sweep (all hidden sizes and norms) of the measured ratio divided by the bound, log scale; the nets held at $z = 0$ sit exactly at 1 (dashed, drawn first: the random nets' max runs along it).",
    spec: {
      kind: "line",
      x: { label: "distance d" },
      y: { label: "measured / bound", log: true },
      // The held nets attain the bound: drawn first, so the random nets' max near 1 stays visible on top.
      series: [
        { name: "held at z = 0 (max)", x, y: tightness.heldMax.map(fromLog10), dashed: true },
        { name: "median", x, y: tightness.median.map(fromLog10) },
        { name: "90th percentile", x, y: tightness.q90.map(fromLog10) },
        { name: "max", x, y: tightness.max.map(fromLog10) },
      ],
      rules: [{ axis: "y", value: 1, label: "bound" }],
    },
  };
}

export function boundFigures(data: BoundData): Figure[] {
  return [distanceFigure(data), tightnessFigure(data)];
}
