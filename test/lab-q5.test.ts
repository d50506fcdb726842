import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../src/lab/context.js";
import type { TaskData } from "../src/lab/experiments/q5-task.js";
import { q5Experiments } from "../src/lab/experiments/q5.js";
import type { Q5aWeightsData } from "../src/lab/experiments/q5a.js";
import { biasInterval, type Q5bHiddenData, type Q5bOutputData } from "../src/lab/experiments/q5b.js";
import type { ClaimResult, Experiment } from "../src/lab/types.js";
import { checkExhaustive, proveAllLengths } from "../src/lab/wired/check.js";
import {
  Q5A_CORRECTED,
  Q5A_SEED,
  Q5B_CORRECTED_HIDDEN,
  Q5B_SEED_HIDDEN,
  Q5B_SEED_OUTPUT,
  q5aNetwork,
  q5bNetwork,
} from "../src/lab/wired/networks.js";
import { SEQUENCE_AND, SEQUENCE_EQUAL } from "../src/lab/wired/tasks.js";

const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

function run<C>(id: string, change: (data: C) => C = (d) => d): ClaimResult {
  const e = q5Experiments.find((x) => x.id === id) as Experiment<C> | undefined;
  if (!e) throw new Error(`no experiment ${id}`);
  return e.run(change(structuredClone(e.data)), ctx);
}
// biome-ignore lint/suspicious/noExplicitAny: the tests read the JSON-able numbers of ClaimResult.data
const data = (r: ClaimResult) => r.data as Record<string, any>;

describe("exhaustive checks over every binary sequence up to length 12", () => {
  it("checkExhaustive(Q5a corrected, 12): all 8,190 sequences right; the seed's fails first at 111", () => {
    const corrected = checkExhaustive(q5aNetwork(Q5A_CORRECTED), SEQUENCE_AND, 12);
    expect(corrected.outputs).toBe(2 ** 13 - 2);
    expect(corrected.wrong).toBe(0);
    const seed = checkExhaustive(q5aNetwork(Q5A_SEED), SEQUENCE_AND, 12);
    expect(seed.counterexample?.text).toBe("111");
    expect(seed.counterexample?.outputs).toEqual([1, 1, 0]);
    expect(seed.wrongByLength).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
  it("checkExhaustive(Q5b corrected, 12): all 22,369,620 pairs of sequences right", () => {
    const r = checkExhaustive(q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT), SEQUENCE_EQUAL, 12);
    expect(r.outputs).toBe((4 ** 13 - 4) / 3);
    expect(r.wrong).toBe(0);
  });
  it("checkExhaustive(Q5b as written, 8) fails at once on (0,1) and keeps outputting 1", () => {
    const r = checkExhaustive(q5bNetwork(Q5B_SEED_HIDDEN, Q5B_SEED_OUTPUT), SEQUENCE_EQUAL, 8);
    expect(r.counterexample?.text).toBe("(0,1)");
    // Always 1: wrong exactly where the pairs have differed, right on the 2^t agreeing sequences of each length.
    expect(r.wrong).toBe(r.outputs - (2 ** 9 - 2));
  });
  it("proveAllLengths: the corrected networks close over 2 and 6 state pairs; the seed's Q5a does not", () => {
    expect(proveAllLengths(q5aNetwork(Q5A_CORRECTED), SEQUENCE_AND)).toMatchObject({
      proved: true,
      pairs: 2,
    });
    expect(proveAllLengths(q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT), SEQUENCE_EQUAL)).toMatchObject({
      proved: true,
      pairs: 6,
    });
    expect(proveAllLengths(q5aNetwork(Q5A_SEED), SEQUENCE_AND).counterexample?.text).toBe("111");
  });
});

describe("Q5a", () => {
  it("run(Q5a.task) holds: reference = definition, the corrected network solves it", () => {
    const r = run("Q5a.task");
    expect(r.verdict).toBe("holds");
    expect(data(r).mismatches).toBe(0);
    expect(data(r).network).toMatchObject({
      wrong: 0,
      maxLength: 12,
      randomWrong: 0,
      provedAllLengths: true,
    });
  });
  it("run(Q5a.task, definition 'every input so far is 0') fails", () => {
    const r = run<TaskData>("Q5a.task", (d) => ({ ...d, allowed: [[0]] }));
    expect(r.verdict).toBe("fails");
    expect(data(r).mismatches).toBeGreaterThan(0);
  });
  it("run(Q5a.task, the seed's network) fails", () => {
    const r = run<TaskData>("Q5a.task", (d) => ({ ...d, network: q5aNetwork(Q5A_SEED) }));
    expect(r.verdict).toBe("fails");
  });
  it("run(Q5a.weights) fails with counterexample 111; g = step and b3 = −1/2 is the correction", () => {
    const r = run("Q5a.weights");
    expect(r.verdict).toBe("fails");
    const d = data(r);
    expect(d.seed).toMatchObject({ wrong: 10, outputs: 8190, counterexample: "111", wrongSequences: 512 });
    expect(d.seed.randomWrong).toBeGreaterThan(0);
    expect(d.candidates.map((c: { correct: boolean }) => c.correct)).toEqual([false, true, true]);
    expect(d.candidates[0].counterexample).toBe("0");
    expect(d.corrected).toEqual(Q5A_CORRECTED);
    expect(r.correction).toContain("y_t = step(1·h_t − 0.5)");
    // The RNN learned from examples solves the quick checks too.
    expect(d.learned[0].exhaustiveWrong).toBe(0);
  });
  it("run(Q5a.weights, g = step and b3 = −1/2) holds; g = step alone still fails (step(0) = 1)", () => {
    const fixed = run<Q5aWeightsData>("Q5a.weights", (d) => ({
      ...d,
      params: { ...d.params, g: "step", b3: -0.5 },
    }));
    expect(fixed.verdict).toBe("holds");
    expect(fixed.correction).toBeNull();
    const stepOnly = run<Q5aWeightsData>("Q5a.weights", (d) => ({
      ...d,
      params: { ...d.params, g: "step" },
    }));
    expect(stepOnly.verdict).toBe("fails");
    expect(data(stepOnly).seed.counterexample).toBe("0");
  });
});

describe("Q5b", () => {
  it("run(Q5b.task) holds; with the definition 'every pair so far is 00' it fails", () => {
    expect(run("Q5b.task").verdict).toBe("holds");
    const r = run<TaskData>("Q5b.task", (d) => ({ ...d, allowed: [[0, 0]] }));
    expect(r.verdict).toBe("fails");
  });
  it("biasInterval: h_1 = step(−m1 − m2 + b) is 'both 0' for b in [0, 1); w = [1, −1] never is", () => {
    expect(biasInterval([-1, -1], [1, 0, 0, 0])).toEqual([0, 1]);
    expect(biasInterval([1, 1], [0, 0, 0, 1])).toEqual([-2, -1]);
    expect(biasInterval([1, -1], [1, 0, 0, 0])).toBeNull();
  });
  it("run(Q5b.hidden) fails: b_1 = 3/2 makes h_1 a NAND; corrected b_1 = 1/2", () => {
    const r = run("Q5b.hidden");
    expect(r.verdict).toBe("fails");
    const d = data(r);
    expect(d.readings.map((x: { wrongAt: string[] }) => x.wrongAt)).toEqual([
      ["01", "10"],
      [],
      ["01", "10", "11"],
    ]);
    expect(d.corrected).toEqual(Q5B_CORRECTED_HIDDEN);
    expect(d.network).toMatchObject({ correct: true, wrong: 0, provedAllLengths: true });
    expect(r.evidence).toContain("NAND");
  });
  it("run(Q5b.hidden, b_1 = 1/2 and the other reading made consistent) holds", () => {
    const r = run<Q5bHiddenData>("Q5b.hidden", (d) => ({
      ...d,
      hidden: { ...d.hidden, b: [0.5, -1.5] },
      alternative: { unit: 0, weights: [-1, -1], bias: 0.5 },
    }));
    expect(r.verdict).toBe("holds");
  });
  it("run(Q5b.output) holds on the truth-table hidden layer; the network as written outputs 1 throughout", () => {
    const r = run("Q5b.output");
    expect(r.verdict).toBe("holds");
    const d = data(r);
    expect(d.y0).toBe(1);
    expect(d.literalFormulaDisagreements).toBe(0);
    expect(d.network).toMatchObject({ wrong: 0, randomWrong: 0, provedAllLengths: true });
    for (const w of d.asWritten) expect(w).toMatchObject({ correct: false, counterexample: "(0,1)" });
  });
  it("run(Q5b.output, c = −1/2) fails and the grid search finds c = −3/2, c' = −1/2 among the working biases", () => {
    const r = run<Q5bOutputData>("Q5b.output", (d) => ({ ...d, output: { ...d.output, c: -0.5 } }));
    expect(r.verdict).toBe("fails");
    expect(data(r).workingBiases).toContainEqual({ c: -1.5, cFirst: -0.5 });
    expect(data(r).workingBiases).not.toContainEqual({ c: -0.5, cFirst: -0.5 });
  });
  it("run(Q5b.output, c' = −3/2) fails: y_1 is then always 0", () => {
    const r = run<Q5bOutputData>("Q5b.output", (d) => ({ ...d, output: { ...d.output, cFirst: -1.5 } }));
    expect(r.verdict).toBe("fails");
    expect(data(r).network.counterexample).toBe("(0,0)");
  });
});
