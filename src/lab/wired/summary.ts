// What the Q5 experiments share: cached checks (the same network is checked by several claims),
// one-sentence descriptions of check results, and small RNNs learned from examples of a task.

import type { Figure, Table } from "../../report/page.js";
import { plotNumber } from "../../report/spec.js";
import type { LabContext } from "../types.js";
import {
  type AllLengthsReport,
  checkExhaustive,
  checkRandom,
  type ExhaustiveReport,
  proveAllLengths,
  type RandomReport,
} from "./check.js";
import { formatWired, runWired, type WiredNet } from "./net.js";
import type { BinaryTask } from "./tasks.js";
import { type TrainOptions, trainOnTask } from "./train.js";

/** Sizes of the Q5 checks: full run and ctx.quick (the verdict logic is the same). */
export const Q5_SIZES = {
  full: {
    /** Exhaustive length per input width: 2^12 sequences of one bit, 4^12 pairs. */
    exhaustive: { 1: 12, 2: 12 } as Record<number, number>,
    /** The brute-force definition is quadratic per sequence: for pairs it stops earlier. */
    definition: { 1: 12, 2: 8 } as Record<number, number>,
    learnedExhaustive: { 1: 12, 2: 10 } as Record<number, number>,
    random: { length: 1000, perKeep: 50, keeps: [0.5, 0.9, 0.99, 0.999] },
    seeds: 3,
    steps: { 1: 1000, 2: 2000 } as Record<number, number>,
  },
  quick: {
    exhaustive: { 1: 12, 2: 9 } as Record<number, number>,
    definition: { 1: 10, 2: 6 } as Record<number, number>,
    learnedExhaustive: { 1: 10, 2: 8 } as Record<number, number>,
    random: { length: 1000, perKeep: 8, keeps: [0.5, 0.9, 0.99, 0.999] },
    seeds: 1,
    steps: { 1: 500, 2: 1200 } as Record<number, number>,
  },
};

export const sizes = (ctx: LabContext) => (ctx.quick ? Q5_SIZES.quick : Q5_SIZES.full);

/** A key for a network's behaviour (its name and description do not change what it computes). */
const netKey = (net: WiredNet) => JSON.stringify([net.layers.map(({ names: _, ...l }) => l), net.readout]);

export function exhaustive(
  ctx: LabContext,
  net: WiredNet,
  task: BinaryTask,
  length: number,
): ExhaustiveReport {
  return ctx.shared(`q5-exhaustive:${task.id}:${length}:${netKey(net)}`, () => {
    ctx.progress(`exhaustive check of ${net.name}, length <= ${length}`);
    return checkExhaustive(net, task, length);
  });
}

export function randomCheck(ctx: LabContext, net: WiredNet, task: BinaryTask): RandomReport {
  const s = sizes(ctx).random;
  return ctx.shared(`q5-random:${task.id}:${netKey(net)}`, () =>
    checkRandom(net, task, s, ctx.rng(`q5-random:${task.id}`)),
  );
}

export function proof(ctx: LabContext, net: WiredNet, task: BinaryTask): AllLengthsReport {
  return ctx.shared(`q5-proof:${task.id}:${netKey(net)}`, () => proveAllLengths(net, task));
}

export interface NetCheck {
  net: WiredNet;
  exhaustive: ExhaustiveReport;
  random: RandomReport;
  proof: AllLengthsReport;
  /** No wrong output in the exhaustive and the random check. */
  correct: boolean;
}

export function checkNet(ctx: LabContext, net: WiredNet, task: BinaryTask, length?: number): NetCheck {
  const L = length ?? sizes(ctx).exhaustive[task.inputSize];
  const ex = exhaustive(ctx, net, task, L);
  const rnd = randomCheck(ctx, net, task);
  return {
    net,
    exhaustive: ex,
    random: rnd,
    proof: proof(ctx, net, task),
    correct: ex.wrong === 0 && rnd.wrong === 0,
  };
}

export const group = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
/** A fraction as a percentage, 3 significant digits (4 near 100%, so 99.96% does not read 100%). */
export const pct = (v: number) => `${Number((100 * v).toPrecision(v > 0.999 && v < 1 ? 4 : 3))}%`;

export function describeExhaustive(r: ExhaustiveReport, width: number): string {
  const kind = width === 1 ? "binary sequences" : "pairs of binary sequences";
  const base = `all ${group(r.outputs)} ${kind} of length 1..${r.maxLength} (every output y_t of every one)`;
  if (r.wrong === 0) return `${base}: no wrong output`;
  const c = r.counterexample!;
  const full = (width === 1 ? 2 : 4) ** r.maxLength;
  return (
    `${base}: ${group(r.wrong)} wrong outputs (${pct(r.errorRate)}); ${group(r.wrongSequences)} of the ${group(full)} ` +
    `sequences of length ${r.maxLength} (${pct(r.wrongSequenceRate)}) have at least one; shortest counterexample ${c.text}: ` +
    `y_${c.inputs.length} = ${c.got}, expected ${c.expected} (outputs ${c.outputs.join("")})`
  );
}

export function describeRandom(r: RandomReport): string {
  const keeps = r.byKeep.map((k) => `${k.keep}: ${group(k.wrong)}`).join(", ");
  return (
    `${r.sequences} random sequences of length ${r.length}: ${group(r.wrong)} of ${group(r.outputs)} outputs wrong ` +
    `(${pct(r.errorRate)}; by probability of keeping the condition per step ${keeps})`
  );
}

export function describeProof(p: AllLengthsReport): string {
  if (p.proved)
    return `right for every length: its ${p.pairs} reachable (network state, task state) pairs close with no wrong output`;
  if (p.counterexample) return `not right for every length (counterexample ${p.counterexample.text})`;
  return `no finite-state proof (${p.reason})`;
}

export function describeCheck(c: NetCheck, width: number): string {
  return `${describeExhaustive(c.exhaustive, width)}; ${describeRandom(c.random)}; ${describeProof(c.proof)}`;
}

/** Fraction of length-t sequences whose y_t is wrong, t = 1..L, as a line series. */
export function errorSeries(name: string, r: ExhaustiveReport, dashed = false) {
  const x = r.totalByLength.map((_, k) => k + 1);
  return {
    name,
    x,
    y: r.wrongByLength.map((w, k) => plotNumber(w / r.totalByLength[k])),
    dots: true,
    dashed,
  };
}

export function errorFigure(id: string, title: string, series: ReturnType<typeof errorSeries>[]): Figure {
  return {
    id,
    title,
    caption:
      "Over all input sequences of each length t: the fraction whose output y_t is wrong. Log scale: a network with no wrong output draws no line.",
    spec: {
      kind: "line",
      x: { label: "sequence length t" },
      y: { label: "wrong y_t (fraction)", log: true },
      series,
    },
  };
}

export function networksTable(title: string, nets: readonly WiredNet[]): Table {
  return {
    kind: "grid",
    title,
    columns: ["network", { label: "equations", width: "75%" }],
    rows: nets.map((n) => [n.name, { pre: formatWired(n) }]),
  };
}

// ---------------------------------------------------------------------------------------------------
// Learned from examples

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
  /** Runs with no wrong output in either check. */
  perfect: number;
}

export function trainOptions(ctx: LabContext, task: BinaryTask): TrainOptions {
  const s = sizes(ctx);
  return task.inputSize === 1
    ? {
        hidden: 3,
        activation: "tanh",
        steps: s.steps[1],
        batch: 32,
        length: 16,
        lr: 0.03,
        keeps: [0.5, 0.9, 0.97],
      }
    : {
        hidden: 4,
        activation: "tanh",
        steps: s.steps[2],
        batch: 32,
        length: 16,
        lr: 0.02,
        keeps: [0.5, 0.9, 0.97],
      };
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
      const L = s.learnedExhaustive[task.inputSize];
      const ex = checkExhaustive(trained.net, task, L);
      const rnd = checkRandom(trained.net, task, s.random, ctx.rng(`q5-random:${task.id}`));
      let total = 0;
      let count = 0;
      for (let k = 0; k < 4; k++) {
        const run = runWired(trained.net, task.sample(rng, 200, [0.5, 0.9, 0.99, 0.999][k]));
        for (const h of run.states[0].slice(1))
          for (const v of h) {
            total += Math.abs(v);
            count++;
          }
      }
      runs.push({
        seed,
        net: trained.net,
        finalLoss: trained.finalLoss,
        curve: trained.curve,
        exhaustive: ex,
        random: rnd,
        saturation: total / count,
      });
    }
    return {
      runs,
      options,
      perfect: runs.filter((r) => r.exhaustive.wrong === 0 && r.random.wrong === 0).length,
    };
  });
}

export function describeLearned(l: Learned, width: number): string {
  const o = l.options;
  const each = l.runs
    .map(
      (r) =>
        `seed ${r.seed}: final BCE ${r.finalLoss.toPrecision(2)}, ${group(r.exhaustive.wrong)} wrong of ${group(r.exhaustive.outputs)} exhaustive outputs (length <= ${r.exhaustive.maxLength}), ` +
        `${pct(r.random.errorRate)} wrong on length ${r.random.length}, mean |h| ${r.saturation.toFixed(2)}`,
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
    `${o.batch} random ${width === 1 ? "sequences" : "pairs"} of length ${o.length}): ${l.perfect} of ${l.runs.length} runs make no error in either check (${each}).${driftText}`
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
