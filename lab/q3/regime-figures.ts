// Q3.regime's table and figures: the regime per swept ‖W‖₂, the ratio over (‖W‖, T) as heatmaps
// (median and worst case over the random nets), and the share of random nets that explode.

import { type Figure, type HeatmapCell, plotNumber, type Table } from "../../src/report/index.js";
import { formatNumber, pow10 } from "../format.js";
import type { GridCell, RegimeData } from "./regime.js";

/** Ratios below these are drawn at them: the median map spans the whole float64 range (underflow
 *  starts near 1e-308); the worst-case map is cut at 1e-12 so that the colours resolve ratios near 1. */
const HEATMAP_FLOOR_LOG10 = -300;
const MAX_HEATMAP_FLOOR_LOG10 = -12;

export function regimeTable({ sweep, byNorm }: RegimeData): Table {
  return {
    kind: "grid",
    title: `Regime at distance ${sweep.T} per $\\lVert W\\rVert_2$ (random nets of every size; held nets apart)`,
    columns: [
      "$\\lVert W\\rVert_2$",
      "random nets",
      "vanish",
      "marginal",
      "explode",
      "median ratio",
      "max ratio",
      "median mean $\\sigma'$",
      "held at $z = 0$",
    ],
    rows: byNorm.map((row) => [
      row.norm,
      row.runs,
      row.vanishing,
      row.marginal,
      row.exploding,
      pow10(row.medianLog10),
      pow10(row.maxLog10),
      formatNumber(row.medianSlope, 3),
      row.held ? `${pow10(row.held.log10Ratio)} (${row.held.regime})` : "",
    ]),
  };
}

function heatmapCells(grid: GridCell[], log10Of: (c: GridCell) => number, floorLog10: number): HeatmapCell[] {
  return grid.map((c) => ({ x: c.norm, y: c.d, value: plotNumber(10 ** Math.max(floorLog10, log10Of(c))) }));
}

export function regimeFigures({ sweep, byNorm, grid }: RegimeData): Figure[] {
  return [
    {
      id: "q3-regime-heatmap",
      title:
        "$\\lVert \\partial L/\\partial h_0\\rVert / \\lVert \\partial L/\\partial h_T\\rVert$ over $\\lVert W\\rVert$ and $T$: median of the random nets",
      caption: `Sigmoid RNNs of hidden sizes ${sweep.sizes.join(", ")} (${sweep.randomRuns} random nets); log colour; ratios below 1e-300 (underflow) drawn at 1e-300. Below $\\lVert W\\rVert = 4$ every net vanishes.`,
      spec: {
        kind: "heatmap",
        cells: heatmapCells(grid, (c) => c.medianLog10, HEATMAP_FLOOR_LOG10),
        x: { label: "‖W‖₂" },
        y: { label: "T (steps between h₀ and the loss)" },
        color: { label: "‖∂L/∂h₀‖ / ‖∂L/∂h_T‖", log: true, scheme: "viridis" },
        yUp: true,
      },
    },
    {
      id: "q3-regime-heatmap-max",
      title: "The same, largest ratio over the random nets",
      caption:
        "The worst case over the random nets (ratios below 1e-12 drawn at 1e-12): a ratio far above 1 (explosion) appears only well above $\\lVert W\\rVert = 4$, in centred nets whose units stay unsaturated; ratios near 1 are scalar centred nets sitting at a marginally stable point.",
      spec: {
        kind: "heatmap",
        cells: heatmapCells(grid, (c) => c.maxLog10, MAX_HEATMAP_FLOOR_LOG10),
        x: { label: "‖W‖₂" },
        y: { label: "T" },
        color: { label: "max ‖∂L/∂h₀‖ / ‖∂L/∂h_T‖", log: true, scheme: "viridis" },
        yUp: true,
      },
    },
    {
      id: "q3-regime-exploding-share",
      title: `Share of random nets whose gradient explodes at T = ${sweep.T}`,
      spec: {
        kind: "bar",
        bars: byNorm.map((row) => ({
          label: String(row.norm),
          value: row.exploding / Math.max(1, row.runs),
        })),
        x: { label: "‖W‖₂" },
        y: { label: "exploding", percent: true, domain: [0, 1] },
      },
    },
  ];
}
