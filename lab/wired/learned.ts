// Small RNNs learned from examples of a Q5 task, checked like the hand-wired networks: do the
// library's trained weights find the rule, and do they carry it past the training length?

import { type Figure, formatNumber, plotNumber } from "../../src/report/index.js";
import type { LabContext } from "../types.js";
import { checkExhaustive, checkRandom, type ExhaustiveReport, type RandomReport } from "./check.js";
import { runWired, type WiredNet } from "./net.js";
import { percent, sizes, solves } from "./summary.js";
import type { BinaryTask, TaskWidth } from "./tasks.js";
import { type TrainOptions, trainOnTask } from "./train.js";

export interface LearnedRun {
  seed: number;
  net: WiredNet;
  finalLoss: number;
  curve: { step: number; loss: number }[];
  exhaustive: ExhaustiveReport;
  random: RandomReport;
  /** Mean |h| of the hidden units over random sequences: near 1, tanh units act as step units. */
  saturation: number;
}

export interface Learned {
  runs: LearnedRun[];
  options: TrainOptions;
}

/** The keep probabilities of the saturation measure: from early breaks to long runs of 1s. */
const SATURATION_KEEPS = [0.5, 0.9, 0.99, 0.999];

function trainOptions(ctx: LabContext, task: BinaryTask): TrainOptions {
  const steps = sizes(ctx).steps[task.inputSize];
  const common = { activation: "tanh", steps, batch: 32, length: 16, keeps: [0.5, 0.9, 0.97] } as const;
  return task.inputSize === 1 ? { ...common, hidden: 3, lr: 0.03 } : { ...common, hidden: 4, lr: 0.02 };
}

/** Small tanh RNNs trained on random examples of the task (one per seed), checked like the wired ones. */
export function learned(ctx: LabContext, task: BinaryTask): Learned {
  return ctx.shared(`q5-learned:${task.id}`, () => {
    const options = trainOptions(ctx, task);
    const s = sizes(ctx);
    const runs: LearnedRun[] = [];
    for (let seed = 1; seed <= s.seeds; seed++) {
      ctx.progress(`training a ${options.hidden}-unit RNN on ${task.id} (seed ${seed}/${s.seeds})`);
      const rng = ctx.rng(`q5-learned:${task.id}:${seed}`);
      const trained = trainOnTask(task, options, rng, `learned (seed ${seed})`);
      const exhaustive = checkExhaustive(trained.net, task, s.learnedExhaustive[task.inputSize]);
      const random = checkRandom(trained.net, task, s.random, ctx.rng(`q5-random:${task.id}`));
      let total = 0;
      let count = 0;
      for (const keep of SATURATION_KEEPS) {
        const run = runWired(trained.net, task.sample(rng, 200, keep));
        for (const h of run.states[0].slice(1))
          for (const v of h) {
            total += Math.abs(v);
            count++;
          }
      }
      const { net, finalLoss, curve } = trained;
      runs.push({ seed, net, finalLoss, curve, exhaustive, random, saturation: total / count });
    }
    return { runs, options };
  });
}

export function describeLearned(l: Learned, width: TaskWidth): string {
  const o = l.options;
  const perfect = l.runs.filter(solves).length;
  const each = l.runs
    .map(
      (r) =>
        `seed ${r.seed}: final BCE ${formatNumber(r.finalLoss, 2)}, ${formatNumber(r.exhaustive.wrong)} wrong of ${formatNumber(r.exhaustive.outputs)} exhaustive outputs (length ≤ ${r.exhaustive.maxLength}), ` +
        `${percent(r.random.errorRate)} wrong on length ${r.random.length}, mean $\\lvert h\\rvert$ ${formatNumber(r.saturation, 2)}`,
    )
    .join("; ");
  const drift = l.runs.filter((r) => r.exhaustive.wrong === 0 && r.random.wrong > 0).length;
  const driftText =
    drift > 0
      ? ` ${drift} of ${l.runs.length} learned runs are right on every sequence up to length ${l.runs[0].exhaustive.maxLength} but not on length ${l.runs[0].random.length}: ` +
        `learned from length-${o.length} examples, they do not carry the rule to every length as the hand-wired step network (proved for all lengths) does.`
      : "";
  return (
    `Learned from examples instead (${o.hidden}-unit ${o.activation} RNN, BCE on a logit readout, Adam lr ${o.lr}, ${o.steps} steps of ` +
    `${o.batch} random ${width === 1 ? "sequences" : "pairs"} of length ${o.length}): ${perfect} of ${l.runs.length} runs make no error in either check (${each}).${driftText}`
  );
}

export function learnedFigures(
  idPrefix: string,
  l: Learned,
  handWired: { name: string; random: RandomReport }[],
): Figure[] {
  return [
    {
      id: `${idPrefix}-learning-curve`,
      title: "Training loss of the learned RNNs",
      spec: {
        kind: "line",
        x: { label: "training step" },
        y: { label: "BCE per output", log: true },
        series: l.runs.map((r) => ({
          name: `seed ${r.seed}`,
          x: r.curve.map((p) => p.step),
          y: r.curve.map((p) => plotNumber(p.loss)),
        })),
      },
    },
    {
      id: `${idPrefix}-long-sequences`,
      title: `Wrong outputs on random sequences of length ${l.runs[0]?.random.length ?? 1000}`,
      caption: "Hand-wired networks (seed and corrected) and the RNNs learned from examples.",
      spec: {
        kind: "bar",
        horizontal: true,
        x: { label: "wrong outputs", percent: true },
        bars: [
          ...handWired.map((h) => ({ label: h.name, value: h.random.errorRate, group: "hand-wired" })),
          ...l.runs.map((r) => ({ label: r.net.name, value: r.random.errorRate, group: "learned" })),
        ],
      },
    },
  ];
}
