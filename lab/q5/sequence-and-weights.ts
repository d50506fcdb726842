// Q5a.weights: the seed's weights for the sequence AND, h_t = g(w1 x_t + w2 h_{t−1} + b2),
// y_t = f(w3 h_t + b3), checked on every binary sequence up to length 12, on long random ones and for
// every length at once; then the candidate corrections (smallest change first) and RNNs learned
// from examples, checked the same way.

import { type Figure, formatNumber, plotNumber, type Table } from "../../src/report/index.js";
import { defineExperiment, type LabContext, type Verdict } from "../types.js";
import { type Learned, describeLearned, learned, learnedFigures } from "../wired/learned.js";
import { runWired, type WiredRun } from "../wired/net.js";
import { Q5A_CORRECTED, Q5A_SEED, type Q5aParams, q5aNetwork } from "../wired/networks.js";
import {
  type CheckCounts,
  checkNet,
  describeCheck,
  describeExhaustive,
  describeRandom,
  equations,
  errorFigure,
  errorSeries,
  type NetCheck,
  networksTable,
  percent,
  solves,
} from "../wired/summary.js";
import { SEQUENCE_AND } from "../wired/tasks.js";

export interface WeightsStated {
  /** The seed's weights. */
  params: Q5aParams;
  /** Corrections tried, in order (smallest change first): each overrides some of the seed's values. */
  candidates: { label: string; change: Partial<Q5aParams> }[];
}

/** One network checked, with its run along TRACE_INPUT for the figure. */
export interface CheckedParams {
  params: Q5aParams;
  check: NetCheck;
  trace: WiredRun;
}

export interface WeightsData {
  seed: CheckedParams;
  /** h_0..h_t of the seed's network along its shortest counterexample (null when it has none). */
  counterexampleStates: number[] | null;
  candidates: (CheckedParams & { label: string; change: Partial<Q5aParams> })[];
  learned: Learned;
}

/** The input of the trace figure: five 1s, a 0, two 1s. */
const TRACE_INPUT = [1, 1, 1, 1, 1, 0, 1, 1].map((v) => [v]);

function checkParams(ctx: LabContext, params: Q5aParams, name: string): CheckedParams {
  const net = q5aNetwork(params, name);
  return { params, check: checkNet(ctx, net, SEQUENCE_AND), trace: runWired(net, TRACE_INPUT) };
}

function measureWeights(stated: WeightsStated, ctx: LabContext): WeightsData {
  ctx.progress("Q5a.weights: the seed's network, exhaustively");
  const seed = checkParams(ctx, stated.params, "Q5a (seed)");
  const cex = seed.check.exhaustive.counterexample;
  const candidates = stated.candidates.map((c, k) => ({
    ...c,
    ...checkParams(ctx, { ...stated.params, ...c.change }, `Q5a candidate ${k + 1}`),
  }));
  return {
    seed,
    counterexampleStates: cex ? runWired(seed.check.net, cex.inputs).states[0].map((h) => h[0]) : null,
    candidates,
    learned: learned(ctx, SEQUENCE_AND),
  };
}

export function judgeWeights(data: { seed: { check: CheckCounts } }): Verdict {
  return solves(data.seed.check) ? "holds" : "fails";
}

const describeParams = (p: Q5aParams) =>
  `$g = \\operatorname{${p.g}}$, $w_1 = ${p.w1}$, $w_2 = ${p.w2}$, $b_2 = ${p.b2}$, $h_0 = ${p.h0}$, $f = \\operatorname{${p.f}}$, $w_3 = ${p.w3}$, $b_3 = ${p.b3}$`;

/** The first candidate that solves the task: the correction. */
const correctedOf = (data: WeightsData) => data.candidates.find((c) => solves(c.check)) ?? null;

/** Why the seed's network fails, along its shortest counterexample. */
function describeCounterexample(data: WeightsData): string {
  const cex = data.seed.check.exhaustive.counterexample;
  const h = data.counterexampleStates;
  if (!cex || !h) return "";
  const p = data.seed.params;
  const last = h.length - 1;
  const drift =
    p.g === "identity" && cex.text === "1".repeat(last)
      ? `: with $g$ the identity $h_t$ does not saturate at 1 but moves by $w_1 + (w_2 - 1) h + b_2$ = ${formatNumber(p.w1 + (p.w2 - 1) * h[last - 1] + p.b2)} per 1`
      : "";
  return (
    `Along ${cex.text} the state is $h$ = ${h.map((v) => formatNumber(v)).join(", ")} ($h_0$ first), so ` +
    `$y_{${last}} = \\operatorname{${p.f}}(w_3 h_{${last}} + b_3) = \\operatorname{${p.f}}(${formatNumber(p.w3 * h[last] + p.b3)}) = ${cex.got}$ where the task wants ${cex.expected}${drift}. `
  );
}

function describeEvidence(data: WeightsData): string {
  const seed = data.seed;
  const failing = data.candidates.filter((c) => !solves(c.check));
  return (
    `The seed's network (${describeParams(seed.params)}): ${equations(seed.check.net)}. ` +
    `Checked against the task on ${describeCheck(seed.check, 1)}. ` +
    (solves(seed.check) ? "" : describeCounterexample(data)) +
    failing
      .map((c) => {
        const alwaysOne = c.change.g === "step" && c.params.b3 === 0;
        return (
          `Candidate "${c.label}" fails too: shortest counterexample ${c.check.exhaustive.counterexample?.text ?? "(random)"}, ` +
          `${percent(c.check.exhaustive.errorRate)} of outputs wrong${alwaysOne ? " ($h_t$ is 0 or 1 and $\\operatorname{step}(0) = 1$, so $y = \\operatorname{step}(h_t)$ is always 1)" : ""}. `
        );
      })
      .join("") +
    describeLearned(data.learned, 1)
  );
}

function describeCorrection(data: WeightsData, verdict: Verdict): string | null {
  if (verdict === "holds") return null;
  const holding = data.candidates.filter((c) => solves(c.check));
  const [main, ...others] = holding;
  if (!main) return "None of the candidate corrections solves the task.";
  return (
    `${main.label}: ${describeParams(main.params)}, i.e. ${equations(main.check.net)}. Confirmed the same way: ${describeCheck(main.check, 1)}.` +
    others
      .map(
        (c) =>
          ` Also correct: ${c.label}: ${equations(c.check.net)} (${describeExhaustive(c.check.exhaustive, 1)}; ${describeRandom(c.check.random)}).`,
      )
      .join("")
  );
}

function candidateTable(data: WeightsData): Table {
  const rows = [{ label: "seed", check: data.seed.check }, ...data.candidates];
  return {
    kind: "grid",
    title: "The seed's weights and the candidate corrections, each checked",
    columns: [
      "network",
      "wrong outputs (exhaustive)",
      "shortest counterexample",
      "wrong on length 1000",
      "all lengths",
    ],
    rows: rows.map(({ label, check }) => [
      label,
      `${formatNumber(check.exhaustive.wrong)} of ${formatNumber(check.exhaustive.outputs)}`,
      check.exhaustive.counterexample?.text ?? "none",
      `${formatNumber(check.random.wrong)} of ${formatNumber(check.random.outputs)}`,
      check.proof.proved
        ? `proved (${check.proof.pairs} states)`
        : (check.proof.counterexample?.text ?? check.proof.reason ?? ""),
    ]),
  };
}

/** h_t and y_t along TRACE_INPUT, as two series. */
function traceSeries(name: string, trace: WiredRun) {
  const x = TRACE_INPUT.map((_, k) => k + 1);
  return [
    { name: `${name} hₜ`, x, y: trace.states[0].slice(1).map((h) => plotNumber(h[0])), dots: true },
    { name: `${name} yₜ`, x, y: trace.outputs.map((y) => plotNumber(y[0])), dashed: true },
  ];
}

function weightsFigures(data: WeightsData): Figure[] {
  const corrected = correctedOf(data);
  const l = data.learned;
  return [
    errorFigure("q5a-weights-errors", "Wrong outputs by sequence length: seed, candidates, learned", [
      errorSeries("seed", data.seed.check.exhaustive),
      ...data.candidates.map((c, k) => errorSeries(`candidate ${k + 1}`, c.check.exhaustive, true)),
      ...l.runs.map((r) => errorSeries(r.net.name, r.exhaustive, true)),
    ]),
    {
      id: "q5a-weights-trace",
      title: "The hidden state along 11111011",
      caption:
        "With $g$ the identity $h_t$ falls below 0 after three 1s; with $g = \\operatorname{step}$ it stays 1 until the first 0, and the corrected $y_t$ (dashed) runs on it.",
      spec: {
        kind: "line",
        x: { label: "t" },
        y: { label: "hₜ and yₜ" },
        series: [
          ...traceSeries("seed", data.seed.trace),
          ...(corrected ? traceSeries("corrected", corrected.trace) : []),
        ],
        rules: [{ axis: "y", value: 0 }],
      },
    },
    ...learnedFigures("q5a-weights", l, [
      { name: "seed", random: data.seed.check.random },
      ...(corrected ? [{ name: "corrected", random: corrected.check.random }] : []),
    ]),
  ];
}

function describeWeights(data: WeightsData, verdict: Verdict) {
  const corrected = correctedOf(data);
  const printed = [
    data.seed.check.net,
    ...(corrected ? [{ ...corrected.check.net, name: "Q5a (corrected)" }] : []),
    ...data.learned.runs.map((r) => r.net),
  ];
  return {
    evidence: describeEvidence(data),
    correction: describeCorrection(data, verdict),
    tables: [candidateTable(data), networksTable("The networks, printed", printed)],
    figures: weightsFigures(data),
  };
}

export const sequenceAndWeights = defineExperiment<WeightsStated, WeightsData>({
  id: "Q5a.weights",
  question: "Q5",
  title: "the seed's weights for the sequence AND",
  claim:
    "$h_t = g(w_1 x_t + w_2 h_{t-1} + b_2)$, $y_t = f(w_3 h_t + b_3)$, with $h_0 = 1$, $w_1 = w_2 = 1$, $b_2 = -3/2$, $f = \\operatorname{step}$, $w_3 = 1$, $b_3 = 0$, and $g$ the identity (the seed's words: $g(n) = n$).",
  stated: {
    params: Q5A_SEED,
    candidates: [
      {
        label: "$g = \\operatorname{step}$ ($h_t = x_t \\text{ AND } h_{t-1}$, as the seed intends)",
        change: { g: "step" },
      },
      { label: "$g = \\operatorname{step}$ and $b_3 = -1/2$", change: { g: "step", b3: Q5A_CORRECTED.b3 } },
      {
        label:
          "$g$ kept the identity, $b_2 = -1$, $b_3 = -1/2$ ($h_t$ is $h_0$ minus the number of 0s so far)",
        change: { b2: -1, b3: -1 / 2 },
      },
    ],
  },
  cost: 3,
  measure: measureWeights,
  judge: judgeWeights,
  describe: describeWeights,
});
