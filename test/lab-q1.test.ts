import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../lab/context.js";
import type { Q1Case } from "../lab/q1/cases.js";
import { closedForm, judgeClosedForm, judgeStatedForm } from "../lab/q1/closed-form.js";
import {
  absoluteScale,
  agrees,
  type Comparison,
  type GroupResult,
  groupResults,
  groupVerdict,
  judgeComparisons,
  maxError,
  relativeScale,
  type Scale,
  TOLERANCE,
} from "../lab/q1/compare.js";
import { evalClosedForm, formatClosedForm } from "../lab/q1/forms.js";
import { q1 } from "../lab/q1/index.js";
import {
  type BinaryOutcome,
  judgeMeaning,
  type MeaningData,
  meaning,
  meetsStatement,
} from "../lab/q1/meaning.js";
import { judgeOutput, judgeStatedOutput, output, outsideUnitInterval } from "../lab/q1/output.js";
import { disagreements, judgeRecurrence, type RecurrenceData, recurrence } from "../lab/q1/recurrence.js";
import { cloneWired, runWired } from "../lab/wired/net.js";
import { Q1_SEED, q1Network } from "../lab/wired/networks.js";
import { Rng } from "../src/index.js";

// One quick context for the file: the sequences are shared between the claims, as in a lab run.
const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

// ---------------------------------------------------------------------------------------------------
// Hand-made data for the judges

const oddReal: Q1Case = { kind: "real", x: [0.5, -1, 0.25], h0: -2 };
const evenReal: Q1Case = { kind: "real", x: [0.5, -1], h0: 1 };
const oddBinary: Q1Case = { kind: "binary", x: [1], h0: 0.5 };
const evenBinary: Q1Case = { kind: "binary", x: [1, 0], h0: -0.5 };

/** A comparison whose error is `times` the threshold of its case on that scale. */
function off(c: Q1Case, times: number, scale: Scale = relativeScale): Comparison {
  return { case: c, simulated: 0, formula: times * TOLERANCE * scale(c) };
}
const JUST_OVER = 1 + 1e-12;
const group = (name: GroupResult["group"], cases: number, wrong: number): GroupResult => ({
  group: name,
  cases,
  wrong,
  maxError: wrong > 0 ? 1 : 0,
});

describe("the Q1 comparisons (hand-made)", () => {
  it("relativeScale is 1 + Σ|x_i| + |h_0|; absoluteScale is 1", () => {
    expect(relativeScale(oddReal)).toBe(4.75);
    expect(absoluteScale(oddReal)).toBe(1);
  });
  it("agrees: an error exactly at TOLERANCE·scale agrees, just over does not, NaN never does", () => {
    expect(agrees(off(oddReal, 1), relativeScale)).toBe(true);
    expect(agrees(off(oddReal, JUST_OVER), relativeScale)).toBe(false);
    expect(agrees({ case: oddReal, simulated: 0, formula: Number.NaN }, relativeScale)).toBe(false);
  });
  it("groupVerdict: every group right → holds, none → fails", () => {
    const all = (wrong: number) =>
      groupVerdict([
        group("binary, even T", 4, 0),
        group("binary, odd T", 4, wrong),
        group("real, even T", 4, wrong),
        group("real, odd T", 4, 0),
      ]);
    expect(all(0)).toEqual({ verdict: "holds", condition: null });
    expect(
      groupVerdict([
        group("binary, even T", 4, 1),
        group("binary, odd T", 4, 4),
        group("real, even T", 4, 2),
        group("real, odd T", 4, 1),
      ]),
    ).toEqual({ verdict: "fails", condition: null });
  });
  it("groupVerdict: right on exactly the even-T groups → partly, 'even T'; on one group → partly, that group", () => {
    const evenOnly = [
      group("binary, even T", 4, 0),
      group("binary, odd T", 4, 1),
      group("real, even T", 4, 0),
      group("real, odd T", 4, 4),
    ];
    expect(groupVerdict(evenOnly)).toEqual({ verdict: "partly", condition: "even T" });
    const one = [
      group("binary, even T", 4, 0),
      group("binary, odd T", 4, 1),
      group("real, even T", 4, 1),
      group("real, odd T", 4, 1),
    ];
    expect(groupVerdict(one)).toEqual({ verdict: "partly", condition: "binary, even T" });
  });
  it("groupVerdict: an empty group counts neither way (the odd-T groups right, the even-T ones empty → holds)", () => {
    const groups = [
      group("binary, even T", 0, 0),
      group("binary, odd T", 3, 0),
      group("real, even T", 0, 0),
      group("real, odd T", 3, 0),
    ];
    expect(groupVerdict(groups).verdict).toBe("holds");
  });
});

describe("judges of Q1 (hand-made data)", () => {
  it("judgeClosedForm: every error exactly at the threshold → holds", () => {
    const stated = [oddReal, evenReal, oddBinary, evenBinary].map((c) => off(c, 1));
    expect(judgeClosedForm({ stated })).toBe("holds");
  });
  it("judgeClosedForm: the odd-T cases just over the threshold → partly, for even T", () => {
    const stated = [off(oddReal, JUST_OVER), off(evenReal, 1), off(oddBinary, JUST_OVER), off(evenBinary, 0)];
    expect(judgeClosedForm({ stated })).toBe("partly");
    expect(judgeStatedForm({ stated }).condition).toBe("even T");
  });
  it("judgeClosedForm: one case over in every group → fails", () => {
    const stated = [oddReal, evenReal, oddBinary, evenBinary].map((c) => off(c, 2));
    expect(judgeClosedForm({ stated })).toBe("fails");
  });
  it("judgeRecurrence: h_T and y_T exactly at their thresholds → holds; either just over → fails", () => {
    const cases = [oddReal, evenBinary];
    const data = (hTimes: number, yTimes: number): RecurrenceData => ({
      h: cases.map((c) => off(c, hTimes)),
      y: cases.map((c) => off(c, yTimes, absoluteScale)),
      printed: "",
    });
    expect(judgeRecurrence(data(1, 1))).toBe("holds");
    expect(judgeRecurrence(data(JUST_OVER, 1))).toBe("fails");
    expect(judgeRecurrence(data(1, JUST_OVER))).toBe("fails");
    expect(disagreements(data(1, JUST_OVER))).toEqual([0, 1]);
  });
  it("judgeOutput: y is judged on the absolute scale (an error of 2·TOLERANCE fails even where Σ|x_i| is large)", () => {
    const big: Q1Case = { kind: "real", x: [0.9, -0.9, 0.9, -0.9], h0: 1.5 };
    expect(judgeOutput({ stated: [off(big, 1, absoluteScale)] })).toBe("holds");
    expect(judgeOutput({ stated: [off(big, 2, absoluteScale)] })).toBe("fails");
    expect(agrees(off(big, 2, absoluteScale), relativeScale)).toBe(true);
  });
  it("outsideUnitInterval counts the formula's values at 0, 1 or beyond", () => {
    const at = (formula: number): Comparison => ({ case: oddReal, simulated: 0.5, formula });
    expect(outsideUnitInterval({ stated: [at(0), at(1e-300), at(0.5), at(1), at(-3), at(Number.NaN)] })).toBe(
      4,
    );
  });

  const statement = meaning.stated.statement;
  const outcome = (D: number, y: number): BinaryOutcome => ({ bits: "", D, y });
  const meaningData = (sumTimes: number, binary: BinaryOutcome[]): MeaningData => ({
    sum: [evenReal, oddReal].map((c) => off(c, sumTimes)),
    binary,
    binaryLength: 1,
  });
  it("meetsStatement: y exactly at high (D >= 1) or at low (D <= −1) meets it; just past does not", () => {
    expect(meetsStatement(outcome(1, statement.high), statement)).toBe(true);
    expect(meetsStatement(outcome(1, statement.high - 1e-12), statement)).toBe(false);
    expect(meetsStatement(outcome(-2, statement.low), statement)).toBe(true);
    expect(meetsStatement(outcome(-2, statement.low + 1e-12), statement)).toBe(false);
  });
  it("meetsStatement: a tie meets it within TOLERANCE of 1/2 and not beyond", () => {
    expect(meetsStatement(outcome(0, 0.5 + TOLERANCE / 2), statement)).toBe(true);
    expect(meetsStatement(outcome(0, 0.5 + 2 * TOLERANCE), statement)).toBe(false);
  });
  it("judgeMeaning: both checks pass → holds; one fails → partly; both fail → fails", () => {
    const good = [outcome(1, 0.99999), outcome(0, 0.5), outcome(-1, 1e-5)];
    const bad = [...good, outcome(1, 0.9)];
    expect(judgeMeaning(meaningData(1, good), meaning.stated)).toBe("holds");
    expect(judgeMeaning(meaningData(1, bad), meaning.stated)).toBe("partly");
    expect(judgeMeaning(meaningData(2, good), meaning.stated)).toBe("partly");
    expect(judgeMeaning(meaningData(2, bad), meaning.stated)).toBe("fails");
  });
  it("judgeMeaning follows the stated thresholds: y = 0.99999 holds for high 0.99999, not for 0.999999", () => {
    const data = meaningData(1, [outcome(1, 0.99999)]);
    expect(judgeMeaning(data, { statement: { ...statement, high: 0.99999 } })).toBe("holds");
    expect(judgeMeaning(data, { statement: { ...statement, high: 0.999999 } })).toBe("partly");
  });
});

describe("describe of Q1 (hand-made data)", () => {
  it("recurrence.describe names the first disagreeing case and writes a correction", () => {
    const data: RecurrenceData = { h: [off(evenReal, 1), off(oddBinary, 3)], y: [], printed: "net\nh\ny" };
    data.y = data.h.map((c) => off(c.case, 0, absoluteScale));
    const d = recurrence.describe(data, judgeRecurrence(data), recurrence.stated);
    expect(d.evidence).toContain("1 of 2 disagree, e.g. x = 1 (T = 1), $h_0$ = 0.5");
    expect(d.correction).toContain("recurrent weight -1");
  });
  it("closedForm.describe of a form right on even T only says it holds for even T only", () => {
    const stated = [off(oddReal, 2), off(evenReal, 0), off(oddBinary, 2), off(evenBinary, 0)];
    const data = {
      stated,
      found: [],
      corrected: null,
      trace: { case: evenReal, recurrence: [0.5, -1.5], stated: [0.5, -1.5], corrected: null },
    };
    const d = closedForm.describe(data, judgeClosedForm(data), closedForm.stated);
    expect(d.evidence).toContain("First counterexample: x = (0.5, -1, 0.25) (T = 3)");
    expect(d.evidence).toContain("No sign pattern");
    expect(d.correction).toContain("the seed's holds for even T");
  });
});

// ---------------------------------------------------------------------------------------------------
// The experiments, run on the quick context

describe("the closed form against runWired (Q1)", () => {
  it("h_T = Σ (−1)^{T−i} x_i + (−1)^T h_0 equals the simulated recurrence for odd and even T, h_0 != 0", () => {
    const rng = new Rng(7);
    const form = { x: { i: 1, T: 1, c: 0 }, h0: { T: 1, c: 0 } };
    for (let T = 1; T <= 25; T++) {
      const x = Array.from({ length: T }, () => rng.uniformIn(-1, 1));
      const h0 = 0.75;
      const net = cloneWired(q1Network(Q1_SEED));
      net.layers[0].initial = [h0];
      const h = runWired(
        net,
        x.map((v) => [v]),
      ).states[0][T][0];
      expect(Math.abs(evalClosedForm(form, x, h0) - h)).toBeLessThan(1e-12);
      // The seed's form is right for even T and wrong (by a lot) for odd T.
      const seed = evalClosedForm({ x: { i: 1, T: 0, c: 0 }, h0: { T: 0, c: 0 } }, x, h0);
      if (T % 2 === 0) expect(Math.abs(seed - h)).toBeLessThan(1e-12);
      else expect(Math.abs(seed - h)).toBeGreaterThan(1e-3);
    }
  });
  it("q1 lists the four claims in CLAIMS.md order", () => {
    expect(q1.map((e) => e.id)).toEqual(["Q1.recurrence", "Q1.closed-form", "Q1.output", "Q1.meaning"]);
  });
});

describe("Q1.recurrence", () => {
  it("run(Q1.recurrence) holds: the wired network is h_t = x_t − h_{t−1}, y = σ(10 h_T)", () => {
    const r = recurrence.run(ctx);
    expect(r.verdict).toBe("holds");
    expect(disagreements(r.data)).toEqual([]);
    expect(r.data.h.length).toBeGreaterThan(100);
    expect(JSON.stringify(r.tables)).toContain("h_t = 1·x_t − 1·h_{t-1}");
  });
  it("run(Q1.recurrence, recurrent weight +1) fails", () => {
    const stated = structuredClone(recurrence.stated);
    stated.network.layers[0].recurrentWeights = [[1]];
    const r = recurrence.run(ctx, stated);
    expect(r.verdict).toBe("fails");
    expect(r.correction).not.toBeNull();
  });
});

describe("Q1.closed-form", () => {
  it("run(Q1.closed-form) is partly: the seed's form holds for even T only; the search finds (−1)^{T−i}, (−1)^T", () => {
    const r = closedForm.run(ctx);
    expect(r.verdict).toBe("partly");
    expect(judgeStatedForm(r.data).condition).toBe("even T");
    for (const g of groupResults(r.data.stated, relativeScale))
      expect(g.wrong).toBe(g.group.includes("even") ? 0 : g.cases);
    expect(r.data.found).toHaveLength(1);
    expect(formatClosedForm(r.data.found[0])).toBe("h_T = Σ_{i=1}^T (−1)^{T−i} x_i + (−1)^T h_0");
    expect(maxError(r.data.corrected?.comparisons ?? [])).toBeLessThan(1e-12);
    expect(r.evidence).toContain("First counterexample");
    expect(r.correction).toContain("(-1)^{T-i}");
  });
  it("run(Q1.closed-form, exponent T − i and (−1)^T h_0) holds", () => {
    const r = closedForm.run(ctx, {
      ...closedForm.stated,
      form: { x: { i: -1, T: 1, c: 0 }, h0: { T: 1, c: 0 } },
    });
    expect(r.verdict).toBe("holds");
    expect(r.correction).toBeNull();
  });
  it("run(Q1.closed-form, every x_i with +) fails", () => {
    const r = closedForm.run(ctx, {
      ...closedForm.stated,
      form: { x: { i: 0, T: 0, c: 0 }, h0: { T: 0, c: 0 } },
    });
    expect(r.verdict).toBe("fails");
  });
});

describe("Q1.output", () => {
  it("run(Q1.output) fails: 10 h_0 outside σ puts y_T outside (0, 1)", () => {
    const r = output.run(ctx);
    expect(r.verdict).toBe("fails");
    expect(outsideUnitInterval(r.data)).toBe(r.data.stated.length);
    expect(judgeComparisons(r.data.withZeroH0, absoluteScale)).toEqual({
      verdict: "partly",
      condition: "even T",
    });
    expect(maxError(r.data.corrected?.comparisons ?? [])).toBeLessThan(1e-12);
    expect(r.correction).toContain("belongs inside $\\sigma$");
  });
  it("run(Q1.output, 10·(−1)^T h_0 inside σ and (−1)^{T−i}) holds", () => {
    const r = output.run(ctx, {
      ...output.stated,
      output: {
        scale: 10,
        x: { i: 1, T: 1, c: 0 },
        h0: { placement: "inside", factor: 10, sign: { T: 1, c: 0 } },
      },
    });
    expect(r.verdict).toBe("holds");
  });
  it("run(Q1.output, h_0 inside σ with the seed's signs) is partly (even T)", () => {
    const stated = structuredClone(output.stated);
    stated.output.h0 = { placement: "inside", factor: 10, sign: { T: 0, c: 0 } };
    const r = output.run(ctx, stated);
    expect(r.verdict).toBe("partly");
    expect(judgeStatedOutput(r.data).condition).toBe("even T");
  });
});

describe("Q1.meaning", () => {
  const violations = (data: MeaningData, s = meaning.stated.statement) =>
    data.binary.filter((b) => !meetsStatement(b, s)).length;
  it("run(Q1.meaning) holds: an alternating sum from the last step, thresholded by σ(10·)", () => {
    const r = meaning.run(ctx);
    expect(r.verdict).toBe("holds");
    expect(violations(r.data)).toBe(0);
    expect(r.data.binary).toHaveLength(2 ** 11 - 2);
    const minHigh = Math.min(...r.data.binary.filter((b) => b.D >= 1).map((b) => b.y));
    expect(minHigh).toBeCloseTo(1 / (1 + Math.exp(-10)), 12);
    expect(r.evidence).toContain("x_T + x_{T-2}");
  });
  it("run(Q1.meaning, counted from the first step) is partly", () => {
    const stated = structuredClone(meaning.stated);
    stated.statement.anchor = "start";
    const r = meaning.run(ctx, stated);
    expect(r.verdict).toBe("partly");
    expect(violations(r.data, stated.statement)).toBeGreaterThan(0);
  });
  it("run(Q1.meaning, y >= 0.99999 claimed for D >= 1) is no longer holds (σ(10) = 0.9999546)", () => {
    const stated = structuredClone(meaning.stated);
    stated.statement.high = 0.99999;
    expect(meaning.run(ctx, stated).verdict).not.toBe("holds");
  });
});
