import { describe, expect, it } from "vitest";
import { beamSearch, lengthPenalty } from "../src/eval/beam.js";
import { logSoftmax } from "../src/eval/divergence.js";
import type { ModelConfig } from "../src/model/config.js";
import { SequenceModel } from "../src/model/sequence-model.js";

const V = 4;
const MAX = 4;
const prime = Int32Array.of(0, 3);

/** A tiny LSTM language model with sharp enough distributions that the best sequences differ. */
function tinyModel(seed: number): SequenceModel {
  const config: ModelConfig = {
    cell: "lstm",
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: 3,
    layers: 2,
    input: { kind: "embedding", vocabSize: V, embeddingSize: 2 },
    outputSize: V,
    loss: "cross-entropy",
    dtype: "float64",
  };
  const m = new SequenceModel(config, { seed });
  for (let i = 0; i < m.params.data.length; i++) m.params.data[i] *= 5;
  return m;
}

/** log P(tokens | prime) from one teacher-forced forward over prime + tokens. */
function logProbOf(m: SequenceModel, tokens: number[]): number {
  const all = Int32Array.from([...prime, ...tokens]);
  const logits = m.forward({ T: all.length, B: 1, tokens: all });
  const row = new Float64Array(V);
  let sum = 0;
  for (const [j, token] of tokens.entries()) {
    logSoftmax(logits, (prime.length - 1 + j) * V, V, row);
    sum += row[token];
  }
  return sum;
}

/** Every complete sequence: it ends at its first stop sequence, or has MAX tokens; scored. */
function bruteForce(m: SequenceModel, stops: number[][], alpha: number) {
  const complete: { tokens: number[]; logProb: number; score: number; stopped: boolean }[] = [];
  const endsWithStop = (s: number[]) =>
    stops.some(
      (stop) => s.length >= stop.length && stop.every((t, j) => s[s.length - stop.length + j] === t),
    );
  const visit = (prefix: number[]) => {
    for (let v = 0; v < V; v++) {
      const s = [...prefix, v];
      const stopped = endsWithStop(s);
      if (stopped || s.length === MAX) {
        const logProb = logProbOf(m, s);
        complete.push({ tokens: s, logProb, score: logProb / lengthPenalty(s.length, alpha), stopped });
      } else visit(s);
    }
  };
  visit([]);
  return complete.sort((a, b) => b.score - a.score);
}

describe("beamSearch(model, prime, {width, maxLength, lengthPenalty, stop})", () => {
  it("lengthPenalty(n, α) = ((5 + n)/6)^α, GNMT's", () => {
    expect(lengthPenalty(1, 0.7)).toBe(1);
    expect(lengthPenalty(7, 1)).toBeCloseTo(2, 15);
    expect(lengthPenalty(19, 0.5)).toBeCloseTo(2, 15);
  });

  it.each([
    [0, [[2]]],
    [0.6, [[2]]],
    [1.5, [[1, 3], [2]]],
    [-0.5, [[1, 3]]],
    [0, []],
  ])(
    "α = %d, stops %j: with width V^maxLength it returns the brute-force ranking of every sequence exactly",
    (alpha, stops) => {
      for (const seed of [1, 2, 3]) {
        const m = tinyModel(seed);
        const expected = bruteForce(m, stops, alpha);
        const got = beamSearch(m, prime, {
          width: V ** MAX,
          maxLength: MAX,
          lengthPenalty: alpha,
          stop: stops.map((s) => Int32Array.from(s)),
        });
        expect(got.length).toBe(Math.min(V ** MAX, expected.length));
        for (const [i, h] of got.slice(0, 10).entries()) {
          expect(Array.from(h.tokens)).toEqual(expected[i].tokens);
          expect(h.logProb).toBeCloseTo(expected[i].logProb, 10);
          expect(h.score).toBeCloseTo(expected[i].score, 10);
          expect(h.stopped).toBe(expected[i].stopped);
        }
      }
    },
  );

  it.each([0, 1.5, -0.5])(
    "α = %d: returning 3 of an exhaustive beam stops early on the bound and still gives the brute-force top 3",
    (alpha) => {
      for (const seed of [1, 2, 3, 8]) {
        const m = tinyModel(seed);
        const expected = bruteForce(m, [[2]], alpha).slice(0, 3);
        const got = beamSearch(m, prime, {
          width: V ** MAX,
          count: 3,
          maxLength: MAX,
          lengthPenalty: alpha,
          stop: [Int32Array.of(2)],
        });
        expect(got.map((h) => Array.from(h.tokens))).toEqual(expected.map((h) => h.tokens));
        for (const [i, h] of got.entries()) expect(h.score).toBeCloseTo(expected[i].score, 10);
      }
    },
  );

  it("a narrow beam's hypotheses carry their true log-probabilities, best first, none better than the optimum", () => {
    for (const seed of [4, 5, 6]) {
      const m = tinyModel(seed);
      const best = bruteForce(m, [[2]], 0.8)[0];
      const got = beamSearch(m, prime, {
        width: 2,
        maxLength: MAX,
        lengthPenalty: 0.8,
        stop: [Int32Array.of(2)],
      });
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThanOrEqual(2);
      for (const h of got) {
        expect(h.logProb).toBeCloseTo(logProbOf(m, Array.from(h.tokens)), 10);
        expect(h.score).toBeLessThanOrEqual(best.score + 1e-12);
      }
      expect(got.map((h) => h.score)).toEqual([...got.map((h) => h.score)].sort((a, b) => b - a));
    }
  });

  it("width 1 is greedy decoding: each token the argmax after the previous ones", () => {
    const m = tinyModel(7);
    const [h] = beamSearch(m, prime, { width: 1, maxLength: 6 });
    const greedy: number[] = [];
    const row = new Float64Array(V);
    for (let n = 0; n < 6; n++) {
      const all = Int32Array.from([...prime, ...greedy]);
      const logits = m.forward({ T: all.length, B: 1, tokens: all });
      logSoftmax(logits, (all.length - 1) * V, V, row);
      greedy.push(row.indexOf(Math.max(...row)));
    }
    expect(Array.from(h.tokens)).toEqual(greedy);
    expect(h.stopped).toBe(false);
  });

  it("bad options are one-line ConfigErrors", () => {
    const m = tinyModel(1);
    expect(() => beamSearch(m, prime, { width: 0, maxLength: 3 })).toThrow(
      /beam width must be an integer >= 1/,
    );
    expect(() => beamSearch(m, prime, { width: 2, maxLength: 0 })).toThrow(
      /maxLength must be an integer >= 1/,
    );
    expect(() => beamSearch(m, prime, { width: 2, maxLength: 3, lengthPenalty: Number.NaN })).toThrow(
      /lengthPenalty must be a finite number/,
    );
    expect(() => beamSearch(m, new Int32Array(0), { width: 2, maxLength: 3 })).toThrow(/prime/);
  });
});
