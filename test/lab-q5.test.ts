import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../lab/context.js";
import { biasInterval, hiddenTruthTables, judgeHidden, pickBias } from "../lab/q5/hidden-truth-tables.js";
import { q5 } from "../lab/q5/index.js";
import { judgeOutput, literalOutputs, recurrentOutput } from "../lab/q5/recurrent-output.js";
import { sequenceAndTask } from "../lab/q5/sequence-and-task.js";
import { judgeWeights, sequenceAndWeights } from "../lab/q5/sequence-and-weights.js";
import { sequenceEqualTask } from "../lab/q5/sequence-equal-task.js";
import { judgeTask } from "../lab/q5/task-experiment.js";
import { checkExhaustive, proveAllLengths } from "../lab/wired/check.js";
import { runWired } from "../lab/wired/net.js";
import {
  Q5A_CORRECTED,
  Q5A_SEED,
  Q5B_CORRECTED_HIDDEN,
  Q5B_SEED_HIDDEN,
  Q5B_SEED_OUTPUT,
  q5aNetwork,
  q5bNetwork,
} from "../lab/wired/networks.js";
import { solves } from "../lab/wired/summary.js";
import { allSequences, SEQUENCE_AND, SEQUENCE_EQUAL } from "../lab/wired/tasks.js";

// One quick context for the file: the checks and the learned RNNs are shared between claims, as in a lab run.
const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

/** Check counts as the judges read them: wrong outputs in the exhaustive and the random check. */
const counts = (exhaustive: number, random: number) => ({
  exhaustive: { wrong: exhaustive },
  random: { wrong: random },
});

describe("q5", () => {
  it("lists the five Q5 claims in CLAIMS.md order", () => {
    expect(q5.map((e) => e.id)).toEqual(["Q5a.task", "Q5a.weights", "Q5b.task", "Q5b.hidden", "Q5b.output"]);
  });
});

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

describe("judges on hand-made data", () => {
  it("judgeTask: no mismatch and no wrong output → holds", () => {
    expect(judgeTask({ mismatches: 0, network: counts(0, 0) })).toBe("holds");
  });
  it("judgeTask: one mismatch between the reference and the definition → fails", () => {
    expect(judgeTask({ mismatches: 1, network: counts(0, 0) })).toBe("fails");
  });
  it("judgeTask: right on every short sequence but one wrong output on a long random one → fails", () => {
    expect(judgeTask({ mismatches: 0, network: counts(0, 1) })).toBe("fails");
    expect(judgeTask({ mismatches: 0, network: counts(1, 0) })).toBe("fails");
  });
  it("judgeWeights: the seed's network with no wrong output → holds; one wrong in either check → fails", () => {
    expect(judgeWeights({ seed: { check: counts(0, 0) } })).toBe("holds");
    expect(judgeWeights({ seed: { check: counts(1, 0) } })).toBe("fails");
    expect(judgeWeights({ seed: { check: counts(0, 1) } })).toBe("fails");
  });
  it("judgeHidden: every reading matches → holds; one unit wrong on one pattern → fails", () => {
    expect(judgeHidden({ readings: [{ wrongAt: [] }, { wrongAt: [] }, { wrongAt: [] }] })).toBe("holds");
    expect(judgeHidden({ readings: [{ wrongAt: [] }, { wrongAt: [] }, { wrongAt: ["11"] }] })).toBe("fails");
  });
  it("judgeOutput: exact on the literal formulas and no wrong output → holds", () => {
    expect(judgeOutput({ literalDisagreements: 0, network: counts(0, 0) })).toBe("holds");
  });
  it("judgeOutput: one sequence where the wired unit differs from the formulas → fails, even if it solves the task", () => {
    expect(judgeOutput({ literalDisagreements: 1, network: counts(0, 0) })).toBe("fails");
    expect(judgeOutput({ literalDisagreements: 0, network: counts(0, 1) })).toBe("fails");
  });
  it("solves: zero wrong in both checks only", () => {
    expect(solves(counts(0, 0))).toBe(true);
    expect(solves(counts(0, 1))).toBe(false);
    expect(solves(counts(1, 0))).toBe(false);
  });
});

describe("Q5a", () => {
  it("run(Q5a.task) holds: reference = definition, the corrected network solves it", () => {
    const r = sequenceAndTask.run(ctx);
    expect(r.verdict).toBe("holds");
    expect(r.data.mismatches).toBe(0);
    expect(r.data.network.exhaustive).toMatchObject({ wrong: 0, maxLength: 12 });
    expect(r.data.network.random.wrong).toBe(0);
    expect(r.data.network.proof.proved).toBe(true);
    expect(r.data.examples.find((e) => e.input === "1101")).toEqual({
      input: "1101",
      definition: "1100",
      reference: "1100",
      network: "1100",
    });
  });
  it("run(Q5a.task, definition 'every input so far is 0') fails", () => {
    const r = sequenceAndTask.run(ctx, { ...sequenceAndTask.stated, allowed: [[0]] });
    expect(r.verdict).toBe("fails");
    expect(r.data.mismatches).toBeGreaterThan(0);
    expect(r.correction).toContain("is another task");
  });
  it("run(Q5a.task, the seed's network) fails", () => {
    const r = sequenceAndTask.run(ctx, { ...sequenceAndTask.stated, network: q5aNetwork(Q5A_SEED) });
    expect(r.verdict).toBe("fails");
    expect(r.correction).toContain("see Q5a.weights");
  });
  it("run(Q5a.weights) fails with counterexample 111; g = step and b3 = −1/2 is the correction", () => {
    const r = sequenceAndWeights.run(ctx);
    expect(r.verdict).toBe("fails");
    const { seed, candidates, learned, counterexampleStates } = r.data;
    expect(seed.check.exhaustive).toMatchObject({ wrong: 10, outputs: 8190, wrongSequences: 512 });
    expect(seed.check.exhaustive.counterexample?.text).toBe("111");
    expect(counterexampleStates).toEqual([1, 0.5, 0, -0.5]);
    expect(seed.check.random.wrong).toBeGreaterThan(0);
    expect(candidates.map((c) => solves(c.check))).toEqual([false, true, true]);
    expect(candidates[0].check.exhaustive.counterexample?.text).toBe("0");
    expect(candidates.find((c) => solves(c.check))?.params).toEqual(Q5A_CORRECTED);
    expect(r.correction).toContain("$y_t = \\operatorname{step}(1 \\cdot h_t - 0.5)$");
    // The RNN learned from examples solves the quick checks too.
    expect(learned.runs[0].exhaustive.wrong).toBe(0);
  });
  it("run(Q5a.weights, g = step and b3 = −1/2) holds; g = step alone still fails (step(0) = 1)", () => {
    const stated = sequenceAndWeights.stated;
    const fixed = sequenceAndWeights.run(ctx, {
      ...stated,
      params: { ...stated.params, g: "step", b3: -0.5 },
    });
    expect(fixed.verdict).toBe("holds");
    expect(fixed.correction).toBeNull();
    const stepOnly = sequenceAndWeights.run(ctx, { ...stated, params: { ...stated.params, g: "step" } });
    expect(stepOnly.verdict).toBe("fails");
    expect(stepOnly.data.seed.check.exhaustive.counterexample?.text).toBe("0");
    expect(stepOnly.evidence).toContain("$y = \\operatorname{step}(h_t)$ is always 1");
  });
});

describe("Q5b", () => {
  it("run(Q5b.task) holds; with the definition 'every pair so far is 00' it fails", () => {
    expect(sequenceEqualTask.run(ctx).verdict).toBe("holds");
    const r = sequenceEqualTask.run(ctx, { ...sequenceEqualTask.stated, allowed: [[0, 0]] });
    expect(r.verdict).toBe("fails");
    expect(r.data.firstMismatch).toContain("(1,1)");
  });
  it("biasInterval: h_1 = step(−m1 − m2 + b) is 'both 0' for b in [0, 1); w = [1, −1] never is", () => {
    expect(biasInterval([-1, -1], [1, 0, 0, 0])).toEqual([0, 1]);
    expect(biasInterval([1, 1], [0, 0, 0, 1])).toEqual([-2, -1]);
    expect(biasInterval([1, -1], [1, 0, 0, 0])).toBeNull();
  });
  it("pickBias: the midpoint of a finite interval, half a unit inside a half-infinite one", () => {
    expect(pickBias([0, 1])).toBe(0.5);
    expect(pickBias([Number.NEGATIVE_INFINITY, 2])).toBe(1.5);
    expect(pickBias([1, Number.POSITIVE_INFINITY])).toBe(1.5);
  });
  it("run(Q5b.hidden) fails: b_1 = 3/2 makes h_1 a NAND; corrected b_1 = 1/2", () => {
    const r = hiddenTruthTables.run(ctx);
    expect(r.verdict).toBe("fails");
    expect(r.data.readings.map((x) => x.wrongAt)).toEqual([["01", "10"], [], ["01", "10", "11"]]);
    expect(r.data.corrected).toEqual(Q5B_CORRECTED_HIDDEN);
    expect(r.data.correctedTablesMatch).toBe(true);
    expect(solves(r.data.network)).toBe(true);
    expect(r.data.network.proof.proved).toBe(true);
    expect(r.evidence).toContain("NAND");
  });
  it("run(Q5b.hidden, b_1 = 0, the closed end of [0, 1), and the other reading made consistent) holds", () => {
    const r = hiddenTruthTables.run(ctx, {
      ...hiddenTruthTables.stated,
      hidden: { ...hiddenTruthTables.stated.hidden, b: [0, -1.5] },
      alternative: { unit: 0, weights: [-1, -1], bias: 0.5 },
    });
    expect(r.verdict).toBe("holds");
    expect(r.correction).toBeNull();
  });
  it("run(Q5b.hidden, b_1 = 1, the open end of [0, 1)) fails: step(0) = 1 fires h_1 for 01 and 10", () => {
    const r = hiddenTruthTables.run(ctx, {
      ...hiddenTruthTables.stated,
      hidden: { ...hiddenTruthTables.stated.hidden, b: [1, -1.5] },
      alternative: { unit: 0, weights: [-1, -1], bias: 0.5 },
    });
    expect(r.verdict).toBe("fails");
    expect(r.data.readings[0].wrongAt).toEqual(["01", "10"]);
  });
  it("run(Q5b.output) holds on the truth-table hidden layer; the network as written outputs 1 throughout", () => {
    const r = recurrentOutput.run(ctx);
    expect(r.verdict).toBe("holds");
    expect(r.data.y0).toBe(1);
    expect(r.data.literalDisagreements).toBe(0);
    expect(r.data.network.exhaustive.wrong).toBe(0);
    expect(r.data.network.random.wrong).toBe(0);
    expect(r.data.network.proof.proved).toBe(true);
    expect(r.data.asWritten).toHaveLength(2);
    for (const { check } of r.data.asWritten) {
      expect(solves(check)).toBe(false);
      expect(check.exhaustive.counterexample?.text).toBe("(0,1)");
    }
    expect(r.data.trace).toEqual({ network: [1, 1, 1, 1, 0, 0], asWritten: [1, 1, 1, 1, 1, 1] });
  });
  it("run(Q5b.output, c = −1/2) fails and the grid search finds c = −3/2, c' = −1/2 among the working biases", () => {
    const stated = recurrentOutput.stated;
    const r = recurrentOutput.run(ctx, { ...stated, output: { ...stated.output, c: -0.5 } });
    expect(r.verdict).toBe("fails");
    expect(r.data.workingBiases).toContainEqual({ c: -1.5, cFirst: -0.5 });
    expect(r.data.workingBiases).not.toContainEqual({ c: -0.5, cFirst: -0.5 });
    expect(r.correction).toContain("e.g. the seed's $c = -3/2$");
  });
  it("run(Q5b.output, c' = −3/2) fails: y_1 is then always 0", () => {
    const stated = recurrentOutput.stated;
    const r = recurrentOutput.run(ctx, { ...stated, output: { ...stated.output, cFirst: -1.5 } });
    expect(r.verdict).toBe("fails");
    expect(r.data.network.exhaustive.counterexample?.text).toBe("(0,0)");
  });
  it("literalOutputs (the seed's two formulas) equals the wired unit with y_0 = (c' − c)/r on every length-4 pair sequence", () => {
    const net = q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT);
    for (const seq of allSequences(2, 4))
      expect(runWired(net, seq).outputs.map((y) => y[0])).toEqual(
        literalOutputs(Q5B_SEED_OUTPUT, Q5B_CORRECTED_HIDDEN, seq),
      );
  });
});
