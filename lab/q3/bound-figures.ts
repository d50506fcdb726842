// Q3.bound's figures: the gradient's size against distance with the bound over it, and how tight the
// bound is over all random nets.

import { type Figure, type LineSeries, plotNumber } from "../../src/report/index.js";
import type { BoundData } from "./bound.js";

const fromLog10 = (log10: number) => plotNumber(10 ** log10);

function distanceFigure({ curves }: BoundData): Figure {
  const x = curves.distances;
  const series: LineSeries[] = curves.byNorm.flatMap((c) => [
    { name: `||W|| = ${c.norm}: median of ${c.nets} nets`, x, y: c.medianLog10.map(fromLog10) },
    {
      name: `||W|| = ${c.norm}: bound (||W||/4)^d`,
      x,
      y: c.boundLog10.map(fromLog10),
      dashed: true,
      width: 1.25,
    },
  ]);
  return {
    id: "q3-bound-distance",
    title: `Gradient norm against distance, with the bound drawn over it (H = ${curves.H})`,
    caption:
      "||dL/dh_{T-d}|| / ||dL/dh_T|| for random sigmoid RNNs (median over nets, solid) and the bound (||W||/4)^d (dashed), log scale. Values below 1e-300 underflow and are not drawn.",
    spec: {
      kind: "line",
      x: { label: "distance d (steps back from the loss)" },
      y: { label: "||dL/dh_{T-d}|| / ||dL/dh_T||", log: true },
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
      "Quantiles over every random net of the sweep (all hidden sizes and norms) of the measured ratio divided by the bound, log scale; the nets held at z = 0 sit exactly at 1.",
    spec: {
      kind: "line",
      x: { label: "distance d" },
      y: { label: "measured / bound", log: true },
      series: [
        { name: "median", x, y: tightness.median.map(fromLog10) },
        { name: "90th percentile", x, y: tightness.q90.map(fromLog10) },
        { name: "max", x, y: tightness.max.map(fromLog10) },
        { name: "held at z = 0 (max)", x, y: tightness.heldMax.map(fromLog10), dashed: true },
      ],
      rules: [{ axis: "y", value: 1, label: "bound" }],
    },
  };
}

export function boundFigures(data: BoundData): Figure[] {
  return [distanceFigure(data), tightnessFigure(data)];
}
