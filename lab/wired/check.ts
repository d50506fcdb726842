// Checking a network against a binary task: exhaustively over every input sequence up to a length
// (depth-first over the tree of prefixes, so each prefix is run once and every output y_t of every
// sequence is compared), on long random sequences, and, for networks with finitely many reachable
// states, for every length at once (the product of the network's states and the task's automaton
// closes).

import { type Rng, ShapeError } from "../../src/index.js";
import { type CompiledWired, compileWired, type WiredNet } from "./net.js";
import { type BinaryTask, binaryAlphabet, formatSequence } from "./tasks.js";

/** y_t counts as 1 when y_t >= this (step networks output exactly 0 or 1; sigmoid readouts a probability). */
export const DECISION_THRESHOLD = 0.5;

export interface Counterexample {
  /** The shortest sequence (first in counting order among the shortest) whose last output is wrong. */
  inputs: number[][];
  text: string;
  expected: number;
  /** The network's raw y at that step. */
  got: number;
  /** The network's y_1..y_t along the sequence. */
  outputs: number[];
}

export interface ExhaustiveReport {
  maxLength: number;
  /** Sequences of each length 1..maxLength (all of them: (2^width)^t). */
  totalByLength: number[];
  /** How many sequences of length t have a wrong y_t (index t − 1). */
  wrongByLength: number[];
  /** Outputs compared (every y_t of every sequence up to maxLength) and how many were wrong. */
  outputs: number;
  wrong: number;
  errorRate: number;
  /** Sequences of length maxLength with at least one wrong output along the way, and their fraction. */
  wrongSequences: number;
  wrongSequenceRate: number;
  counterexample: Counterexample | null;
}

const decide = (y: number) => (y >= DECISION_THRESHOLD ? 1 : 0);

function traceOutputs(c: CompiledWired, inputs: number[][]): number[] {
  const S = c.stateSize;
  let prev = Float64Array.from(c.initial);
  let next = new Float64Array(S);
  const y = new Float64Array(c.outputSize);
  return inputs.map((x) => {
    c.step(prev, 0, x, 0, next, 0);
    c.output(next, 0, y, 0);
    [prev, next] = [next, prev];
    return y[0];
  });
}

/** Every binary input sequence of length 1..maxLength, every output: the task's y_t against y[0] of the net. */
export function checkExhaustive(net: WiredNet, task: BinaryTask, maxLength: number): ExhaustiveReport {
  const c = compileWired(net);
  const n = task.inputSize;
  if (c.inputSize !== n)
    throw new ShapeError(
      `${net.name} takes ${c.inputSize} inputs per step but the task ${task.id} gives ${n}`,
    );
  const symbols = binaryAlphabet(n);
  const K = symbols.length;
  const alphabet = Float64Array.from(symbols.flat());
  const L = maxLength;
  const S = c.stateSize;
  const states = new Float64Array((L + 1) * S);
  states.set(c.initial);
  const taskState = new Int32Array(L + 1);
  taskState[0] = task.start;
  const pathWrong = new Uint8Array(L + 1);
  const path = new Int32Array(L + 1);
  const y = new Float64Array(c.outputSize);
  const totalByLength = new Array<number>(L).fill(0);
  const wrongByLength = new Array<number>(L).fill(0);
  let wrongSequences = 0;
  let counterexample: Counterexample | null = null;
  let d = 1;
  path[1] = -1;
  while (d >= 1) {
    const s = ++path[d];
    if (s >= K) {
      d--;
      continue;
    }
    c.step(states, (d - 1) * S, alphabet, s * n, states, d * S);
    c.output(states, d * S, y, 0);
    const ts = task.next(taskState[d - 1], alphabet, s * n);
    taskState[d] = ts;
    const expected = task.output(ts);
    const wrong = decide(y[0]) !== expected;
    totalByLength[d - 1]++;
    if (wrong) {
      wrongByLength[d - 1]++;
      if (counterexample === null || d < counterexample.inputs.length) {
        const inputs = Array.from(path.subarray(1, d + 1), (k) => symbols[k].slice());
        counterexample = {
          inputs,
          text: formatSequence(inputs),
          expected,
          got: y[0],
          outputs: traceOutputs(c, inputs),
        };
      }
    }
    pathWrong[d] = pathWrong[d - 1] | (wrong ? 1 : 0);
    if (d === L) {
      wrongSequences += pathWrong[d];
    } else {
      d++;
      path[d] = -1;
    }
  }
  const outputs = totalByLength.reduce((a, b) => a + b, 0);
  const wrong = wrongByLength.reduce((a, b) => a + b, 0);
  return {
    maxLength: L,
    totalByLength,
    wrongByLength,
    outputs,
    wrong,
    errorRate: wrong / outputs,
    wrongSequences,
    wrongSequenceRate: wrongSequences / K ** L,
    counterexample,
  };
}

export interface RandomReport {
  length: number;
  /** Per probability of keeping the condition at each step (x = 1; m1 = m2). */
  byKeep: { keep: number; sequences: number; outputs: number; wrong: number; wrongSequences: number }[];
  outputs: number;
  wrong: number;
  errorRate: number;
  wrongSequences: number;
  sequences: number;
}

/** `perKeep` random sequences of `length` steps for each keep probability; every output compared. */
export function checkRandom(
  net: WiredNet,
  task: BinaryTask,
  options: { length: number; perKeep: number; keeps: readonly number[] },
  rng: Rng,
): RandomReport {
  const c = compileWired(net);
  const S = c.stateSize;
  const y = new Float64Array(c.outputSize);
  let prev = new Float64Array(S);
  let next = new Float64Array(S);
  const byKeep = options.keeps.map((keep) => {
    let wrong = 0;
    let wrongSequences = 0;
    for (let i = 0; i < options.perKeep; i++) {
      const inputs = task.sample(rng, options.length, keep);
      prev.set(c.initial);
      let state = task.start;
      let any = false;
      for (const x of inputs) {
        c.step(prev, 0, x, 0, next, 0);
        c.output(next, 0, y, 0);
        [prev, next] = [next, prev];
        state = task.next(state, x, 0);
        if (decide(y[0]) !== task.output(state)) {
          wrong++;
          any = true;
        }
      }
      if (any) wrongSequences++;
    }
    return {
      keep,
      sequences: options.perKeep,
      outputs: options.perKeep * options.length,
      wrong,
      wrongSequences,
    };
  });
  const outputs = byKeep.reduce((a, b) => a + b.outputs, 0);
  const wrong = byKeep.reduce((a, b) => a + b.wrong, 0);
  return {
    length: options.length,
    byKeep,
    outputs,
    wrong,
    errorRate: wrong / outputs,
    wrongSequences: byKeep.reduce((a, b) => a + b.wrongSequences, 0),
    sequences: byKeep.reduce((a, b) => a + b.sequences, 0),
  };
}

export interface AllLengthsReport {
  /** True when the reachable (network state, task state) pairs close with no wrong output: the
   *  network is then right on every sequence of every length. */
  proved: boolean;
  /** Distinct reachable pairs explored. */
  pairs: number;
  /** Why it is not proved: a wrong output (with the shortest counterexample) or too many states. */
  reason: string | null;
  counterexample: Counterexample | null;
}

/**
 * Breadth-first over the reachable pairs (network state, task state), merging equal pairs (their
 * futures are identical: both are deterministic). Exact for networks whose reachable states are
 * finitely many (step activations); gives up after `maxPairs` (e.g. a linear unit counting).
 */
export function proveAllLengths(net: WiredNet, task: BinaryTask, maxPairs = 10_000): AllLengthsReport {
  const c = compileWired(net);
  const n = task.inputSize;
  const symbols = binaryAlphabet(n);
  const S = c.stateSize;
  const y = new Float64Array(c.outputSize);
  interface Node {
    state: Float64Array;
    task: number;
    path: number[];
  }
  const key = (state: Float64Array, t: number) => `${t}|${Array.from(state).join(",")}`;
  const seen = new Set<string>([key(c.initial, task.start)]);
  let frontier: Node[] = [{ state: Float64Array.from(c.initial), task: task.start, path: [] }];
  while (frontier.length > 0) {
    const nextFrontier: Node[] = [];
    for (const node of frontier) {
      for (let s = 0; s < symbols.length; s++) {
        const state = new Float64Array(S);
        c.step(node.state, 0, symbols[s], 0, state, 0);
        c.output(state, 0, y, 0);
        const ts = task.next(node.task, symbols[s], 0);
        const path = [...node.path, s];
        if (decide(y[0]) !== task.output(ts)) {
          const inputs = path.map((k) => symbols[k].slice());
          return {
            proved: false,
            pairs: seen.size,
            reason: "a wrong output",
            counterexample: {
              inputs,
              text: formatSequence(inputs),
              expected: task.output(ts),
              got: y[0],
              outputs: traceOutputs(c, inputs),
            },
          };
        }
        const k = key(state, ts);
        if (seen.has(k)) continue;
        seen.add(k);
        if (seen.size > maxPairs) {
          return {
            proved: false,
            pairs: seen.size,
            reason: `more than ${maxPairs} reachable states`,
            counterexample: null,
          };
        }
        nextFrontier.push({ state, task: ts, path });
      }
    }
    frontier = nextFrontier;
  }
  return { proved: true, pairs: seen.size, reason: null, counterexample: null };
}
