// What the Q5 experiments share: the sizes of the checks, cached checks (the same network is checked
// by several claims), one-sentence descriptions of check results and their figures.

import { type Figure, formatNumber, plotNumber, type Table } from "../../src/report/index.js";
import type { LabContext } from "../types.js";
import {
  type AllLengthsReport,
  checkExhaustive,
  checkRandom,
  type ExhaustiveReport,
  proveAllLengths,
  type RandomReport,
} from "./check.js";
import { formatWired, type WiredNet, wiredEquations } from "./net.js";
import type { BinaryTask, TaskWidth } from "./tasks.js";

type ByWidth = Record<TaskWidth, number>;

export interface Q5Sizes {
  /** Exhaustive length per input width (full: 2^12 sequences of one bit, 4^12 pairs). */
  exhaustive: ByWidth;
  /** The brute-force definition is quadratic per sequence: for pairs it stops earlier. */
  definition: ByWidth;
  learnedExhaustive: ByWidth;
  random: { length: number; perKeep: number; keeps: readonly number[] };
  /** Learned RNNs per task, and their training steps. */
  seeds: number;
  steps: ByWidth;
}

/** Sizes of the Q5 checks: full run and ctx.quick (the verdict logic is the same). */
export const Q5_SIZES: { full: Q5Sizes; quick: Q5Sizes } = {
  full: {
    exhaustive: { 1: 12, 2: 12 },
    definition: { 1: 12, 2: 8 },
    learnedExhaustive: { 1: 12, 2: 10 },
    random: { length: 1000, perKeep: 50, keeps: [0.5, 0.9, 0.99, 0.999] },
    seeds: 3,
    steps: { 1: 1000, 2: 2000 },
  },
  quick: {
    exhaustive: { 1: 12, 2: 9 },
    definition: { 1: 10, 2: 6 },
    learnedExhaustive: { 1: 10, 2: 8 },
    random: { length: 1000, perKeep: 8, keeps: [0.5, 0.9, 0.99, 0.999] },
    seeds: 1,
    steps: { 1: 500, 2: 1200 },
  },
};

export const sizes = (ctx: LabContext): Q5Sizes => (ctx.quick ? Q5_SIZES.quick : Q5_SIZES.full);

/** A key for a network's behaviour (its name and description do not change what it computes). */
const netKey = (net: WiredNet) => JSON.stringify([net.layers.map(({ names: _, ...l }) => l), net.readout]);

export interface NetCheck {
  net: WiredNet;
  exhaustive: ExhaustiveReport;
  random: RandomReport;
  proof: AllLengthsReport;
}

/** The counts a verdict reads: a network solves the task when neither check finds a wrong output. */
export interface CheckCounts {
  exhaustive: { wrong: number };
  random: { wrong: number };
}

export const solves = (c: CheckCounts): boolean => c.exhaustive.wrong === 0 && c.random.wrong === 0;

/** The exhaustive check (to the run's length for the task's width), the random one and the proof. */
export function checkNet(ctx: LabContext, net: WiredNet, task: BinaryTask): NetCheck {
  const L = sizes(ctx).exhaustive[task.inputSize];
  const key = `${task.id}:${netKey(net)}`;
  const exhaustive = ctx.shared(`q5-exhaustive:${L}:${key}`, () => {
    ctx.progress(`exhaustive check of ${net.name}, length <= ${L}`);
    return checkExhaustive(net, task, L);
  });
  const random = ctx.shared(`q5-random:${key}`, () =>
    checkRandom(net, task, sizes(ctx).random, ctx.rng(`q5-random:${task.id}`)),
  );
  const proof = ctx.shared(`q5-proof:${key}`, () => proveAllLengths(net, task));
  return { net, exhaustive, random, proof };
}

/** A fraction as a percentage, 3 significant digits (4 near 100%, so 99.96% does not read 100%). */
export const percent = (v: number): string => `${formatNumber(100 * v, v > 0.999 && v < 1 ? 4 : 3)}%`;

export function describeExhaustive(r: ExhaustiveReport, width: TaskWidth): string {
  const kind = width === 1 ? "binary sequences" : "pairs of binary sequences";
  const base = `all ${formatNumber(r.outputs)} ${kind} of length 1..${r.maxLength} (every output $y_t$ of every one)`;
  const c = r.counterexample;
  if (r.wrong === 0 || c === null) return `${base}: no wrong output`;
  const full = (2 ** width) ** r.maxLength;
  return (
    `${base}: ${formatNumber(r.wrong)} wrong outputs (${percent(r.errorRate)}); ${formatNumber(r.wrongSequences)} of the ${formatNumber(full)} ` +
    `sequences of length ${r.maxLength} (${percent(r.wrongSequenceRate)}) have at least one; shortest counterexample ${c.text}: ` +
    `$y_{${c.inputs.length}}$ = ${formatNumber(c.got)}, expected ${c.expected} (outputs ${c.outputs.join("")})`
  );
}

export function describeRandom(r: RandomReport): string {
  const keeps = r.byKeep.map((k) => `${k.keep}: ${formatNumber(k.wrong)}`).join(", ");
  return (
    `${r.sequences} random sequences of length ${r.length}: ${formatNumber(r.wrong)} of ${formatNumber(r.outputs)} outputs wrong ` +
    `(${percent(r.errorRate)}; by probability of keeping the condition per step ${keeps})`
  );
}

export function describeProof(p: AllLengthsReport): string {
  if (p.proved)
    return `right for every length: its ${p.pairs} reachable (network state, task state) pairs close with no wrong output`;
  if (p.counterexample) return `not right for every length (counterexample ${p.counterexample.text})`;
  return `no finite-state proof (${p.reason})`;
}

export function describeCheck(c: NetCheck, width: TaskWidth): string {
  return `${describeExhaustive(c.exhaustive, width)}; ${describeRandom(c.random)}; ${describeProof(c.proof)}`;
}

/** The network's unit equations on one line, then (when asked) its initial states, each a TeX formula. */
export function equations(net: WiredNet, withInitial = false): string {
  const { units, initial } = wiredEquations(net);
  return [...units, ...(withInitial ? initial.split(", ") : [])].map(equationTex).join("; ");
}

/** One printed equation ("h1_t = step(1·m1_t − 1.5)") as TeX ("$h_{1,t} = \operatorname{step}(1 \cdot m_{1,t} - 1.5)$"):
 *  a numbered name's number joins its time subscript, so that h1_t reads as the $h_1$ of the text. */
export function equationTex(line: string): string {
  const tex = line
    .replace(
      /\b([a-z])(\d+)_(?:\{([^}]*)\}|(\w))/g,
      (_, name, k, braced, single) => `${name}_{${k},${braced ?? single}}`,
    )
    .replace(/·/g, " \\cdot ")
    .replace(/−/g, "-")
    .replace(/\bstep\(/g, "\\operatorname{step}(")
    .replace(/\bsigmoid\(/g, "\\sigma(")
    .replace(/\btanh\(/g, "\\tanh(");
  return `$${tex}$`;
}

/** Fraction of length-t sequences whose y_t is wrong, t = 1..L, as a line series. */
export function errorSeries(name: string, r: ExhaustiveReport, dashed = false) {
  return {
    name,
    x: r.totalByLength.map((_, k) => k + 1),
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
      "Over all input sequences of each length $t$: the fraction whose output $y_t$ is wrong. Log scale: a network with no wrong output draws no line.",
    spec: {
      kind: "line",
      x: { label: "sequence length t" },
      y: { label: "wrong yₜ (fraction)", log: true },
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
