// Q5a: the sequence AND, y_t = 1 while every input so far is 1, with one hand-wired unit
// h_t = g(w1 x_t + w2 h_{t−1} + b2), y_t = f(w3 h_t + b3).

import type { Figure, Table } from "../../report/page.js";
import { plotNumber } from "../../report/spec.js";
import { defineExperiment, type Verdict } from "../types.js";
import { formatWired, runWired } from "../wired/net.js";
import { Q5A_CORRECTED, Q5A_SEED, type Q5aParams, q5aNetwork } from "../wired/networks.js";
import {
  checkNet,
  describeCheck,
  describeExhaustive,
  describeLearned,
  describeRandom,
  errorFigure,
  errorSeries,
  group,
  learned,
  learnedFigures,
  type NetCheck,
  networksTable,
  pct,
} from "../wired/summary.js";
import { SEQUENCE_AND } from "../wired/tasks.js";
import { taskExperiment } from "./q5-task.js";

export const q5aTask = taskExperiment({
  id: "Q5a.task",
  question: "Q5",
  title: "the sequence-AND task",
  claim: "One binary input sequence; the output is 1 as long as every input so far is 1.",
  task: SEQUENCE_AND,
  data: {
    allowed: [[1]],
    network: q5aNetwork(Q5A_CORRECTED, "Q5a (corrected)"),
    examples: ["1", "0", "111", "1101", "11110", "0111", "1111111"].map((s) =>
      [...s].map((c) => [Number(c)]),
    ),
  },
});

export interface Q5aWeightsData {
  /** The seed's weights. */
  params: Q5aParams;
  /** Corrections tried, in order (smallest change first): each overrides some of the seed's values. */
  candidates: { label: string; change: Partial<Q5aParams> }[];
}

const describeParams = (p: Q5aParams) =>
  `g = ${p.g}, w1 = ${p.w1}, w2 = ${p.w2}, b2 = ${p.b2}, h_0 = ${p.h0}, f = ${p.f}, w3 = ${p.w3}, b3 = ${p.b3}`;

export const q5aWeights = defineExperiment<Q5aWeightsData>({
  id: "Q5a.weights",
  question: "Q5",
  title: "the seed's weights for the sequence AND",
  claim:
    'h_t = g(w1 x_t + w2 h_{t−1} + b2), y_t = f(w3 h_t + b3), with h_0 = 1, w1 = w2 = 1, b2 = −3/2, f = step, w3 = 1, b3 = 0, and g the identity (the seed\'s words: "g(n) = n").',
  data: {
    params: Q5A_SEED,
    candidates: [
      { label: "g = step (h_t = x_t AND h_{t−1}, as the seed intends)", change: { g: "step" } },
      { label: "g = step and b3 = −1/2", change: { g: "step", b3: Q5A_CORRECTED.b3 } },
      {
        label: "g kept the identity, b2 = −1, b3 = −1/2 (h_t = h_0 − number of 0s so far)",
        change: { b2: -1, b3: -1 / 2 },
      },
    ],
  },
  cost: 3,
  run(data, ctx) {
    ctx.progress("Q5a.weights: the seed's network, exhaustively");
    const task = SEQUENCE_AND;
    const seed = checkNet(ctx, q5aNetwork(data.params, "Q5a (seed)"), task);
    const verdict: Verdict = seed.correct ? "holds" : "fails";
    const candidates = data.candidates.map((c, k) => ({
      ...c,
      params: { ...data.params, ...c.change },
      check: checkNet(ctx, q5aNetwork({ ...data.params, ...c.change }, `Q5a candidate ${k + 1}`), task),
    }));
    const holding = candidates.filter((c) => c.check.correct);
    const main = holding[0] ?? null;
    const l = learned(ctx, task);
    const failingCandidates = candidates.filter((c) => !c.check.correct);
    let evidence =
      `The seed's network (${describeParams(data.params)}): ${formatWired(seed.net).split("\n").slice(1, 3).join("; ")}. ` +
      `Checked against the task on ${describeCheck(seed, 1)}. `;
    if (!seed.correct && seed.exhaustive.counterexample) {
      const cex = seed.exhaustive.counterexample;
      const trace = runWired(seed.net, cex.inputs).states[0].map((h) => h[0]);
      const last = trace.length - 1;
      evidence +=
        `Along ${cex.text} the state is h = ${trace.map((h) => Number(h.toPrecision(4))).join(", ")} (h_0 first), so y_${last} = ` +
        `${data.params.f}(w3·h_${last} + b3) = ${data.params.f}(${Number((data.params.w3 * trace[last] + data.params.b3).toPrecision(4))}) = ${cex.got} where the task wants ${cex.expected}` +
        `${data.params.g === "identity" && cex.text === "1".repeat(last) ? `: with g the identity h_t does not saturate at 1 but moves by w1 + (w2 − 1)·h + b2 = ${data.params.w1 + (data.params.w2 - 1) * trace[last - 1] + data.params.b2} per 1` : ""}. `;
    }
    if (failingCandidates.length > 0)
      evidence += failingCandidates
        .map(
          (c) =>
            `Candidate "${c.label}" fails too: shortest counterexample ${c.check.exhaustive.counterexample?.text ?? "(random)"}, ${pct(c.check.exhaustive.errorRate)} of outputs wrong${c.change.g === "step" && c.params.b3 === 0 ? " (h_t is 0 or 1 and step(0) = 1, so y = step(h_t) is always 1)" : ""}. `,
        )
        .join("");
    evidence += describeLearned(l, 1);
    const equations = (c: NetCheck) => formatWired(c.net).split("\n").slice(1, 3).join("; ");
    const correction =
      verdict === "holds"
        ? null
        : main
          ? `${main.label}: ${describeParams(main.params)}, i.e. ${equations(main.check)}. Confirmed the same way: ${describeCheck(main.check, 1)}.` +
            holding
              .slice(1)
              .map(
                (c) =>
                  ` Also correct: ${c.label}: ${equations(c.check)} (${describeExhaustive(c.check.exhaustive, 1)}; ${describeRandom(c.check.random)}).`,
              )
              .join("")
          : "None of the candidate corrections solves the task.";
    const candidateTable: Table = {
      kind: "grid",
      title: "The seed's weights and the candidate corrections, each checked",
      columns: [
        "network",
        "wrong outputs (exhaustive)",
        "shortest counterexample",
        "wrong on length 1000",
        "all lengths",
      ],
      rows: [
        { label: "seed", check: seed },
        ...candidates.map((c) => ({ label: c.label, check: c.check })),
      ].map(({ label, check }: { label: string; check: NetCheck }) => [
        label,
        `${group(check.exhaustive.wrong)} of ${group(check.exhaustive.outputs)}`,
        check.exhaustive.counterexample?.text ?? "none",
        `${group(check.random.wrong)} of ${group(check.random.outputs)}`,
        check.proof.proved
          ? `proved (${check.proof.pairs} states)`
          : (check.proof.counterexample?.text ?? check.proof.reason ?? ""),
      ]),
    };
    const traceInput = [1, 1, 1, 1, 1, 0, 1, 1].map((v) => [v]);
    const ts = traceInput.map((_, k) => k + 1);
    const traceOf = (c: NetCheck) => runWired(c.net, traceInput);
    const figures: Figure[] = [
      errorFigure("q5a-weights-errors", "Wrong outputs by sequence length: seed, candidates, learned", [
        errorSeries("seed", seed.exhaustive),
        ...candidates.map((c, k) => errorSeries(`candidate ${k + 1}`, c.check.exhaustive, true)),
        ...l.runs.map((r) => errorSeries(r.net.name, r.exhaustive, true)),
      ]),
      {
        id: "q5a-weights-trace",
        title: "The hidden state along 11111011",
        caption:
          "With g the identity h_t falls below 0 after three 1s; with g = step it stays 1 until the first 0.",
        spec: {
          kind: "line",
          x: { label: "t" },
          y: { label: "h_t and y_t" },
          series: [
            {
              name: "seed h_t",
              x: ts,
              y: traceOf(seed)
                .states[0].slice(1)
                .map((h) => plotNumber(h[0])),
              dots: true,
            },
            { name: "seed y_t", x: ts, y: traceOf(seed).outputs.map((y) => plotNumber(y[0])), dashed: true },
            ...(main
              ? [
                  {
                    name: "corrected h_t",
                    x: ts,
                    y: traceOf(main.check)
                      .states[0].slice(1)
                      .map((h) => plotNumber(h[0])),
                    dots: true,
                  },
                  {
                    name: "corrected y_t",
                    x: ts,
                    y: traceOf(main.check).outputs.map((y) => plotNumber(y[0])),
                    dashed: true,
                  },
                ]
              : []),
          ],
          rules: [{ axis: "y", value: 0 }],
        },
      },
      ...learnedFigures("q5a-weights", l, [
        { name: "seed", random: seed.random },
        ...(main ? [{ name: "corrected", random: main.check.random }] : []),
      ]),
    ];
    return {
      id: "Q5a.weights",
      verdict,
      evidence,
      correction,
      tables: [
        candidateTable,
        networksTable("The networks, printed", [
          seed.net,
          ...(main ? [{ ...main.check.net, name: "Q5a (corrected)" }] : []),
          ...l.runs.map((r) => r.net),
        ]),
      ],
      figures,
      data: {
        seed: summarize(seed),
        candidates: candidates.map((c) => ({ label: c.label, ...summarize(c.check) })),
        corrected: main ? main.params : null,
        learned: l.runs.map((r) => ({
          seed: r.seed,
          finalLoss: r.finalLoss,
          exhaustiveWrong: r.exhaustive.wrong,
          exhaustiveOutputs: r.exhaustive.outputs,
          randomErrorRate: r.random.errorRate,
          saturation: r.saturation,
        })),
      },
    };
  },
});

export function summarize(c: NetCheck) {
  return {
    correct: c.correct,
    exhaustiveLength: c.exhaustive.maxLength,
    outputs: c.exhaustive.outputs,
    wrong: c.exhaustive.wrong,
    errorRate: c.exhaustive.errorRate,
    wrongSequences: c.exhaustive.wrongSequences,
    wrongSequenceRate: c.exhaustive.wrongSequenceRate,
    counterexample: c.exhaustive.counterexample?.text ?? null,
    randomWrong: c.random.wrong,
    randomOutputs: c.random.outputs,
    randomErrorRate: c.random.errorRate,
    provedAllLengths: c.proof.proved,
  };
}
