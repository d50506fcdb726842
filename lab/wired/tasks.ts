// The two binary sequence tasks of Q5, each given twice: as its definition taken literally (y_t = 1
// iff every input x_1..x_t is one of the allowed symbols: quadratic, obviously right) and as the
// reference implementation the checks use (a two-state automaton run along the sequence).

import type { Rng } from "../../src/index.js";

/** How many bits each step's input has: 1 (Q5a's one sequence) or 2 (Q5b's pair of sequences). */
export type TaskWidth = 1 | 2;

export interface BinaryTask {
  id: string;
  /** The task in plain text (the web lab shows it as is). */
  description: string;
  /** The same in the lab's text: formulas as TeX in `$…$`. */
  definition: string;
  /** Width of x_t (1 for the sequence AND, 2 for the pair of sequences m1, m2). */
  inputSize: TaskWidth;
  /** The automaton: its state before any input, its next state, and y_t read from the state. */
  start: number;
  next(state: number, x: ArrayLike<number>, offset: number): number;
  output(state: number): number;
  /** A random sequence of T steps, each keeping the condition (x = 1; m1 = m2) with probability `keep`. */
  sample(rng: Rng, T: number, keep: number): number[][];
}

/** The automaton's targets y_1..y_T for one sequence: the task's reference function. */
export function taskTargets(task: BinaryTask, inputs: readonly (readonly number[])[]): number[] {
  let state = task.start;
  return inputs.map((x) => {
    state = task.next(state, x, 0);
    return task.output(state);
  });
}

/** The definition, literally: y_t = 1 iff every x_i (i <= t) equals one of `allowed`. */
export function definitionTargets(
  allowed: readonly (readonly number[])[],
  inputs: readonly (readonly number[])[],
): number[] {
  const ok = (x: readonly number[]) =>
    allowed.some((a) => a.length === x.length && a.every((v, k) => v === x[k]));
  return inputs.map((_, t) => (inputs.slice(0, t + 1).every(ok) ? 1 : 0));
}

/** Q5a: one binary sequence; y_t = 1 as long as every input so far is 1. */
export const SEQUENCE_AND: BinaryTask = {
  id: "sequence-and",
  description: "y_t = 1 iff x_1 = … = x_t = 1",
  definition: "$y_t = 1$ iff $x_1 = \\ldots = x_t = 1$",
  inputSize: 1,
  start: 1,
  next: (state, x, o) => (state === 1 && x[o] === 1 ? 1 : 0),
  output: (state) => state,
  sample(rng, T, keep) {
    return Array.from({ length: T }, () => [rng.uniform() < keep ? 1 : 0]);
  },
};

/** Q5b: two binary sequences; y_t = 1 iff m1 and m2 agree at every step 1..t. */
export const SEQUENCE_EQUAL: BinaryTask = {
  id: "sequence-equal",
  description: "y_t = 1 iff m1_i = m2_i for every i <= t",
  definition: "$y_t = 1$ iff $m_{1,i} = m_{2,i}$ for every $i \\le t$",
  inputSize: 2,
  start: 1,
  next: (state, x, o) => (state === 1 && x[o] === x[o + 1] ? 1 : 0),
  output: (state) => state,
  sample(rng, T, keep) {
    return Array.from({ length: T }, () => {
      const m1 = rng.uniform() < 0.5 ? 1 : 0;
      return [m1, rng.uniform() < keep ? m1 : 1 - m1];
    });
  },
};

/** Every binary vector of width n, in counting order (00, 01, 10, 11 for n = 2). */
export function binaryAlphabet(n: number): number[][] {
  return Array.from({ length: 2 ** n }, (_, s) =>
    Array.from({ length: n }, (_, k) => (s >> (n - 1 - k)) & 1),
  );
}

/** Every binary sequence of exactly `length` steps of width n, in counting order. */
export function allSequences(n: number, length: number): number[][][] {
  const alphabet = binaryAlphabet(n);
  const K = alphabet.length;
  return Array.from({ length: K ** length }, (_, code) => {
    const seq: number[][] = [];
    for (let t = length - 1; t >= 0; t--) seq.push(alphabet[Math.floor(code / K ** t) % K]);
    return seq;
  });
}

/** A sequence as text: "1101" for width 1, "(0,1)(1,1)" for width 2. */
export function formatSequence(inputs: readonly (readonly number[])[]): string {
  if (inputs.every((x) => x.length === 1)) return inputs.map((x) => x[0]).join("");
  return inputs.map((x) => `(${x.join(",")})`).join("");
}

/** "00 11 01" → [[0, 0], [1, 1], [0, 1]]: one (m1 m2) pair per step. */
export function pairSequence(text: string): number[][] {
  return text.split(" ").map((p) => [Number(p[0]), Number(p[1])]);
}
