// Q5b.output: the recurrent output unit y_t = step(v·h(t) + r y_{t−1} + c), with its own bias c' at
// t = 1, on a hidden layer that computes the seed's truth tables (Q5b.hidden's correction): the claim
// is about the output unit given those h(t). The whole network as written is checked beside it.

import { type Figure, formatNumber, plotNumber } from "../../src/report/index.js";
import { defineExperiment, type LabContext, type Verdict } from "../types.js";
import { checkExhaustive } from "../wired/check.js";
import { describeLearned, type Learned, learned, learnedFigures } from "../wired/learned.js";
import { applyActivation, runWired } from "../wired/net.js";
import {
  Q5B_CORRECTED_HIDDEN,
  Q5B_SEED_HIDDEN,
  Q5B_SEED_HIDDEN_ALT,
  Q5B_SEED_OUTPUT,
  type Q5bHidden,
  type Q5bOutput,
  q5bNetwork,
} from "../wired/networks.js";
import {
  type CheckCounts,
  checkNet,
  describeCheck,
  describeExhaustive,
  errorFigure,
  errorSeries,
  type NetCheck,
  networksTable,
  percent,
  solves,
} from "../wired/summary.js";
import { allSequences, pairSequence, SEQUENCE_EQUAL } from "../wired/tasks.js";

export interface OutputStated {
  /** The seed's output unit: v = [1, 1], r = 1, c = −3/2, c' = −1/2. */
  output: Q5bOutput;
  /** The hidden layer it reads: one that computes the seed's truth tables (h_1 both 0, h_2 both 1). */
  hidden: Q5bHidden;
  /** The seed's literal hidden layers, to show what the whole network as written does. */
  literalHidden: { label: string; hidden: Q5bHidden }[];
}

export interface OutputData {
  /** The wired unit's initial state y_0 = (c' − c)/r, which stands for y_1's own bias c'. */
  y0: number;
  /** Pair sequences of this length on which the wired unit was compared with the seed's two formulas. */
  literalLength: number;
  literalDisagreements: number;
  network: NetCheck;
  asWritten: { label: string; check: NetCheck }[];
  /** (c, c') on a grid of halves in [−3, 3] that solve the task (all pairs up to length
   *  WORKING_BIAS_LENGTH) with the stated v and r; empty when r = 0. */
  workingBiases: { c: number; cFirst: number }[];
  learned: Learned;
  /** y_t along TRACE (the network, then the first network as written). */
  trace: { network: number[]; asWritten: number[] };
}

const LITERAL_LENGTH = 6;
const WORKING_BIAS_LENGTH = 6;
const TRACE = pairSequence("00 11 00 11 01 00");

/** The seed's two output formulas taken literally, given the hidden states: y_1 with c', then recurrent. */
export function literalOutputs(
  o: Q5bOutput,
  hidden: Q5bHidden,
  seq: readonly (readonly number[])[],
): number[] {
  let y = 0;
  return seq.map((m, t) => {
    const h = hidden.W.map((w, j) => applyActivation("step", w[0] * m[0] + w[1] * m[1] + hidden.b[j]));
    const vh = o.v[0] * h[0] + o.v[1] * h[1];
    y = applyActivation("step", t === 0 ? vh + o.cFirst : vh + o.r * y + o.c);
    return y;
  });
}

/** (c, c') on a grid of halves that solve the task with the stated hidden layer, v and r. */
function workingBiases(stated: OutputStated): { c: number; cFirst: number }[] {
  // c and c' vary independently only through y_0 = (c' − c)/r.
  if (stated.output.r === 0) return [];
  const grid: { c: number; cFirst: number }[] = [];
  for (let c = -3; c <= 3; c += 0.5)
    for (let cFirst = -3; cFirst <= 3; cFirst += 0.5) {
      const trial = q5bNetwork(stated.hidden, { ...stated.output, c, cFirst }, "trial");
      if (checkExhaustive(trial, SEQUENCE_EQUAL, WORKING_BIAS_LENGTH).wrong === 0) grid.push({ c, cFirst });
    }
  return grid;
}

function measureOutput(stated: OutputStated, ctx: LabContext): OutputData {
  ctx.progress("Q5b.output: the output unit, exhaustively");
  const o = stated.output;
  const net = q5bNetwork(stated.hidden, o, "Q5b (output on the truth-table hidden layer)");
  let literalDisagreements = 0;
  for (const seq of allSequences(2, LITERAL_LENGTH)) {
    const wired = runWired(net, seq).outputs.map((y) => y[0]);
    const literal = literalOutputs(o, stated.hidden, seq);
    if (wired.some((v, t) => v !== literal[t])) literalDisagreements++;
  }
  const asWritten = stated.literalHidden.map((h, k) => ({
    label: h.label,
    check: checkNet(
      ctx,
      q5bNetwork(h.hidden, o, `Q5b as written (${k === 0 ? "matrix form" : "w11 = 1, w12 = −1"})`),
      SEQUENCE_EQUAL,
    ),
  }));
  const outputsAlong = (run: ReturnType<typeof runWired>) => run.outputs.map((y) => y[0]);
  return {
    y0: net.layers[1].initial[0],
    literalLength: LITERAL_LENGTH,
    literalDisagreements,
    network: checkNet(ctx, net, SEQUENCE_EQUAL),
    asWritten,
    workingBiases: workingBiases(stated),
    learned: learned(ctx, SEQUENCE_EQUAL),
    trace: {
      network: outputsAlong(runWired(net, TRACE)),
      asWritten: asWritten.length > 0 ? outputsAlong(runWired(asWritten[0].check.net, TRACE)) : [],
    },
  };
}

export function judgeOutput(data: { literalDisagreements: number; network: CheckCounts }): Verdict {
  return solves(data.network) && data.literalDisagreements === 0 ? "holds" : "fails";
}

/** Outputs a network that always says 1 gets right up to length L: the 2^t agreeing pair sequences
 *  of each length t, 2 + 4 + … + 2^L = 2^(L+1) − 2. */
const agreeingOutputs = (L: number) => 2 ** (L + 1) - 2;

function describeAsWritten(data: OutputData): string {
  const each = data.asWritten.map(({ label, check }) => {
    const ex = check.exhaustive;
    const random =
      ex.counterexample && check.random.wrong > 0
        ? `; ${percent(check.random.errorRate)} wrong on length ${check.random.length}`
        : "";
    return `The whole network as written (${label}): ${describeExhaustive(ex, 2)}${random}.`;
  });
  const alwaysOne = data.asWritten.filter(
    ({ check: { exhaustive: ex } }) => ex.wrong === ex.outputs - agreeingOutputs(ex.maxLength),
  ).length;
  if (alwaysOne > 0)
    each.push(
      `${alwaysOne === data.asWritten.length ? "Both" : "It"} output${alwaysOne === 1 ? "s" : ""} 1 on every sequence: their $h_1$ fires for 01 and 10 too (see Q5b.hidden), so $v \\cdot h(t) \\ge 1$ for every pair and $y_t = y_{t-1} = 1$.`,
    );
  return each.join(" ");
}

function describeEvidence(data: OutputData, o: Q5bOutput): string {
  const literal = data.literalDisagreements === 0 ? "exactly" : `not (${data.literalDisagreements} differ)`;
  return (
    `The output unit as one recurrent step unit with $y_0 = (c' - c)/r$ = ${formatNumber(data.y0)} (so $r y_0 + c = c'$ at $t = 1$); on all ${formatNumber(4 ** data.literalLength)} pair sequences ` +
    `of length ${data.literalLength} it gives ${literal} the seed's two formulas taken literally. ` +
    `On a hidden layer that computes the seed's truth tables ($h_1$ both 0, $h_2$ both 1: $v \\cdot h(t) = 1$ iff $m_1 = m_2$), $y_t = \\operatorname{step}(v \\cdot h(t) + ${o.r} \\cdot y_{t-1} ${o.c < 0 ? "-" : "+"} ${Math.abs(o.c)})$ ` +
    `is checked on ${describeCheck(data.network, 2)}. ${describeAsWritten(data)} ${describeLearned(data.learned, 2)}`
  );
}

function describeCorrection(data: OutputData, verdict: Verdict, o: Q5bOutput): string | null {
  if (verdict === "holds") return null;
  const grid = data.workingBiases;
  const seed = Q5B_SEED_OUTPUT;
  const seedWorks = grid.some((g) => g.c === seed.c && g.cFirst === seed.cFirst);
  if (grid.length === 0)
    return `No $(c, c')$ on a grid of halves solves the task with $v = [${o.v.join(", ")}]$, $r = ${o.r}$; the seed's $v = [1, 1]$, $r = 1$, $c = -3/2$, $c' = -1/2$ does.`;
  return (
    `With $v = [${o.v.join(", ")}]$ and $r = ${o.r}$, these $(c, c')$ on a grid of halves solve the task (all pairs up to length ${WORKING_BIAS_LENGTH}): ` +
    grid.map((g) => `(${g.c}, ${g.cFirst})`).join(", ") +
    (seedWorks ? `; e.g. the seed's $c = -3/2$, $c' = -1/2$.` : ".")
  );
}

function outputFigures(data: OutputData): Figure[] {
  const written = (k: number) => (k === 0 ? "matrix" : "w11 = 1, w12 = −1");
  const x = TRACE.map((_, k) => k + 1);
  return [
    errorFigure(
      "q5b-output-errors",
      "Wrong outputs by sequence length: as written, with the truth-table hidden layer, learned",
      [
        ...data.asWritten.map((h, k) => errorSeries(`as written (${written(k)})`, h.check.exhaustive)),
        errorSeries("output unit on truth-table hidden layer", data.network.exhaustive),
        ...data.learned.runs.map((r) => errorSeries(r.net.name, r.exhaustive, true)),
      ],
    ),
    ...learnedFigures("q5b-output", data.learned, [
      ...data.asWritten.map((h, k) => ({
        name: `as written (${k === 0 ? "matrix" : "alt. h₁"})`,
        random: h.check.random,
      })),
      { name: "corrected hidden + seed output", random: data.network.random },
    ]),
    {
      id: "q5b-output-trace",
      title: "$y_t$ along (0,0)(1,1)(0,0)(1,1)(0,1)(0,0)",
      caption: "The pairs agree for four steps, then differ: $y$ must drop to 0 and stay there.",
      spec: {
        kind: "line",
        x: { label: "t" },
        y: { label: "yₜ", domain: [-0.1, 1.1] },
        series: [
          {
            name: "truth-table hidden layer + seed output",
            x,
            y: data.trace.network.map((y) => plotNumber(y)),
            dots: true,
          },
          ...(data.asWritten.length > 0
            ? [
                {
                  name: "as written",
                  x,
                  y: data.trace.asWritten.map((y) => plotNumber(y)),
                  dashed: true,
                  dots: true,
                },
              ]
            : []),
        ],
      },
    },
  ];
}

export const recurrentOutput = defineExperiment<OutputStated, OutputData>({
  id: "Q5b.output",
  question: "Q5",
  title: "the recurrent output unit $y_t$",
  claim:
    "$y_t = \\operatorname{step}(v \\cdot h(t) + r y_{t-1} + c)$ for $t \\ge 2$ with $v = [1, 1]$, $r = 1$, $c = -3/2$; and $y_1 = \\operatorname{step}(v \\cdot h(1) + c')$ with $c' = -1/2$.",
  stated: {
    output: Q5B_SEED_OUTPUT,
    hidden: Q5B_CORRECTED_HIDDEN,
    literalHidden: [
      { label: "seed, $W = [[-1, -1], [1, 1]]$, $b = [3/2, -3/2]$", hidden: Q5B_SEED_HIDDEN },
      { label: "seed, $h_1$ with $w_{11} = 1$, $w_{12} = -1$, $b_1 = 3/2$", hidden: Q5B_SEED_HIDDEN_ALT },
    ],
  },
  cost: 8,
  measure: measureOutput,
  judge: judgeOutput,
  describe: (data, verdict, stated) => ({
    evidence: describeEvidence(data, stated.output),
    correction: describeCorrection(data, verdict, stated.output),
    tables: [
      networksTable("The networks, printed", [
        data.network.net,
        ...data.asWritten.map((h) => h.check.net),
        ...data.learned.runs.map((r) => r.net),
      ]),
    ],
    figures: outputFigures(data),
  }),
});
