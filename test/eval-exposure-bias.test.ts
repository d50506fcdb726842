import { describe, expect, it } from "vitest";
import { ConfigError, ShapeError } from "../src/errors.js";
import {
  mergeOracleExposureBias,
  type OracleExposureBias,
  oracleExposureBias,
  type StepModel,
  textExposureBias,
} from "../src/eval/exposure-bias.js";
import { NGramModel } from "../src/eval/ngram.js";
import type { ModelConfig } from "../src/model/config.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import type { StackState } from "../src/model/stack.js";
import { Rng } from "../src/random.js";

const V = 6;

/** Each token is followed by the next one (mod V) with probability 0.95, any other with 0.01. */
const CHAIN = Array.from({ length: V }, (_, a) =>
  Array.from({ length: V }, (_, c) => (c === (a + 1) % V ? 0.95 : 0.01)),
);

function markovText(M: number[][], length: number, rng: Rng): Int32Array {
  const out = new Int32Array(length);
  out[0] = rng.int(M.length);
  for (let i = 1; i < length; i++) out[i] = rng.categorical(M[out[i - 1]]);
  return out;
}

/** A trigram oracle fitted to a text from CHAIN. */
function makeOracle(): NGramModel {
  return NGramModel.fit(markovText(CHAIN, 20_000, new Rng(11)), 3, V);
}

/**
 * A model stub that is the oracle, distorted: q = (1 − α) P_oracle + α·uniform, where α = alpha(k)
 * and k counts the "rare" tokens fed to it so far (tokens the oracle gave probability < 0.05 in
 * their context). Its state h per sequence is [k, the last n − 1 tokens + 1 (0 = none)].
 */
class OracleStub implements StepModel {
  readonly config: StepModel["config"];
  private state = new Float64Array(0);
  private readonly p = new Float64Array(V);

  constructor(
    private readonly oracle: NGramModel,
    private readonly alpha: (rare: number) => number,
  ) {
    this.config = { outputSize: V, layers: 1, hiddenSize: oracle.n, dtype: "float64" };
  }

  forward(batch: { T: number; B: number; tokens: Int32Array }, initial: StackState | null): Float64Array {
    const { T, B, tokens } = batch;
    const S = this.config.hiddenSize;
    const state = new Float64Array(B * S);
    if (initial) state.set(initial.h.subarray(0, B * S));
    const logits = new Float64Array(T * B * V);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const s = state.subarray(b * S, (b + 1) * S);
        const x = tokens[t * B + b];
        if (this.oracle.distribution(this.context(s), this.p)[x] < 0.05) s[0]++;
        s.copyWithin(1, 2);
        s[S - 1] = x + 1;
        this.oracle.distribution(this.context(s), this.p);
        const a = this.alpha(s[0]);
        for (let v = 0; v < V; v++) logits[(t * B + b) * V + v] = Math.log((1 - a) * this.p[v] + a / V);
      }
    }
    this.state = state;
    return logits;
  }

  finalState(out: StackState): StackState {
    out.h.set(this.state);
    return out;
  }

  private context(s: Float64Array): number[] {
    return Array.from(s.subarray(1))
      .filter((x) => x > 0)
      .map((x) => x - 1);
  }
}

function smallModel(outputSize = V): SequenceModel {
  const config: ModelConfig = {
    cell: "lstm",
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: 8,
    layers: 2,
    input: { kind: "embedding", vocabSize: outputSize, embeddingSize: 4 },
    outputSize,
    loss: "cross-entropy",
    dtype: "float32",
  };
  return new SequenceModel(config, { seed: 3 });
}

describe("oracleExposureBias(model, oracle, options)", () => {
  const oracle = makeOracle();

  it("oracleExposureBias(the oracle itself): KL is 0 at every step and accModel = accOracle = 0", () => {
    const result = oracleExposureBias(new OracleStub(oracle, () => 0), oracle, {
      count: 40,
      prefixLength: 4,
      maxLength: 30,
      rng: new Rng(1),
      batchSize: 16,
    });
    expect(result.lengths).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(result.rollouts).toBe(40);
    for (const series of [result.perStepModel, result.perStepOracle, result.accModel, result.accOracle]) {
      expect(series.length).toBe(30);
      for (const x of series) expect(Math.abs(x)).toBeLessThan(1e-12);
    }
  });

  it("oracleExposureBias(errors triggered by its own rare tokens): the ratio exceeds 1 and grows with l", () => {
    // Every rare token fed in makes the stub worse, and a worse stub samples more rare tokens: its
    // own rollouts compound errors that oracle continuations (rare tokens at the oracle's rate) do not.
    const stub = new OracleStub(oracle, (rare) => 1 - 0.9 ** rare);
    const r = oracleExposureBias(stub, oracle, {
      count: 300,
      prefixLength: 4,
      maxLength: 60,
      rng: new Rng(2),
    });
    expect(r.ratio[0]).toBe(1); // step 1: the same prefixes, so the same contexts
    const checkpoints = [10, 20, 30, 40, 50, 60].map((l) => r.ratio[l - 1]);
    for (let i = 1; i < checkpoints.length; i++) expect(checkpoints[i]).toBeGreaterThan(checkpoints[i - 1]);
    expect(checkpoints[0]).toBeGreaterThan(1.2);
    expect(checkpoints[5]).toBeGreaterThan(3);
    expect(r.accOracle[59]).toBeGreaterThan(0);
  });

  it("oracleExposureBias(a constant, context-independent error): the ratio stays near 1", () => {
    const stub = new OracleStub(oracle, () => 0.3);
    const r = oracleExposureBias(stub, oracle, {
      count: 300,
      prefixLength: 4,
      maxLength: 60,
      rng: new Rng(3),
    });
    expect(r.accOracle[59]).toBeGreaterThan(5); // a real error, about 0.2 nats per step…
    for (const x of r.ratio) expect(Math.abs(x - 1)).toBeLessThan(0.1); // …that does not compound
  });

  it("oracleExposureBias(an untrained SequenceModel) returns finite curves of length maxLength", () => {
    const model = smallModel();
    const options = { count: 10, prefixLength: 5, maxLength: 20, batchSize: 4 };
    const r = oracleExposureBias(model, oracle, { ...options, rng: new Rng(4) });
    for (const series of [r.lengths, r.accModel, r.accOracle, r.ratio, r.perStepModel, r.perStepOracle]) {
      expect(series.length).toBe(20);
      for (const x of series) expect(Number.isFinite(x)).toBe(true);
    }
    for (let l = 0; l < 20; l++) {
      expect(r.perStepModel[l]).toBeGreaterThan(0);
      expect(r.perStepOracle[l]).toBeGreaterThan(0);
      if (l > 0) expect(r.accModel[l]).toBeGreaterThan(r.accModel[l - 1]);
    }
    // Seeded: the same rng seed gives the same curves.
    expect(oracleExposureBias(model, oracle, { ...options, rng: new Rng(4) })).toEqual(r);
  });

  it("oracleExposureBias(model, oracle, { prefixes }) uses the given prefixes", () => {
    const prefixes = [Int32Array.from([0, 1, 2]), Int32Array.from([3, 4, 5])];
    const r = oracleExposureBias(new OracleStub(oracle, () => 0.3), oracle, {
      prefixes,
      maxLength: 1,
      rng: new Rng(5),
    });
    // d_1 is KL(P || 0.7 P + 0.3 u) in the prefixes' contexts, by hand.
    const p = new Float64Array(V);
    let expected = 0;
    for (const prefix of prefixes) {
      oracle.distribution(prefix, p);
      for (let v = 0; v < V; v++) expected += (p[v] * Math.log(p[v] / (0.7 * p[v] + 0.3 / V))) / 2;
    }
    expect(r.perStepModel[0]).toBeCloseTo(expected, 12);
    expect(r.perStepOracle[0]).toBeCloseTo(expected, 12);
  });

  it("mergeOracleExposureBias(measures of 1 and 2 prefixes) equals the measure of all 3 at once", () => {
    const stub = new OracleStub(oracle, () => 0.3);
    const prefixes = [Int32Array.from([0, 1, 2]), Int32Array.from([3, 4, 5]), Int32Array.from([2, 3, 4])];
    const measure = (some: Int32Array[]) =>
      oracleExposureBias(stub, oracle, { prefixes: some, maxLength: 1, rng: new Rng(8) });
    const merged = mergeOracleExposureBias([measure(prefixes.slice(0, 1)), measure(prefixes.slice(1))]);
    const whole = measure(prefixes);
    expect(merged.rollouts).toBe(3);
    expect(merged.perStepModel[0]).toBeCloseTo(whole.perStepModel[0], 12);
    expect(merged.accOracle[0]).toBeCloseTo(whole.accOracle[0], 12);
    expect(merged.ratio[0]).toBeCloseTo(whole.ratio[0], 12);
  });

  it("mergeOracleExposureBias: no error on either side (0/0) gives ratio 1; error only on the model's, ∞", () => {
    const measure = (perStepModel: number[]): OracleExposureBias => ({
      lengths: [1, 2],
      accModel: [],
      accOracle: [],
      ratio: [],
      perStepModel,
      perStepOracle: [0, 0],
      rollouts: 2,
    });
    const merged = mergeOracleExposureBias([measure([0, 0]), measure([0, 0.5])]);
    expect(merged.accOracle).toEqual([0, 0]);
    expect(merged.accModel).toEqual([0, 0.25]);
    expect(merged.ratio).toEqual([1, Number.POSITIVE_INFINITY]);
  });

  it("mergeOracleExposureBias(no measures, or of different lengths) throws a ShapeError", () => {
    const stub = new OracleStub(oracle, () => 0.3);
    const measure = (maxLength: number) =>
      oracleExposureBias(stub, oracle, { count: 2, prefixLength: 3, maxLength, rng: new Rng(11) });
    expect(() => mergeOracleExposureBias([])).toThrow(ShapeError);
    expect(() => mergeOracleExposureBias([measure(3), measure(4)])).toThrow(/maxLength 4, measure 0 has 3/);
  });

  it("oracleExposureBias(bad input) throws one clear ConfigError or ShapeError", () => {
    const stub = new OracleStub(oracle, () => 0);
    const rng = new Rng(6);
    expect(() => oracleExposureBias(smallModel(7), oracle, { count: 2, prefixLength: 2, rng })).toThrow(
      /7 outputs but the oracle's vocabulary has 6/,
    );
    expect(() => oracleExposureBias(stub, oracle, { count: 2, prefixLength: 0, rng })).toThrow(ShapeError);
    expect(() => oracleExposureBias(stub, oracle, { prefixes: [new Int32Array(0)], rng })).toThrow(
      ShapeError,
    );
    expect(() =>
      oracleExposureBias(stub, oracle, { prefixes: [Int32Array.from([1, 2]), Int32Array.from([1])], rng }),
    ).toThrow(ShapeError);
    expect(() => oracleExposureBias(stub, oracle, { prefixes: [Int32Array.from([9])], rng })).toThrow(
      ShapeError,
    );
    expect(() => oracleExposureBias(stub, oracle, { count: 2, prefixLength: 2, maxLength: 0, rng })).toThrow(
      ConfigError,
    );
    expect(() =>
      oracleExposureBias(stub, oracle, { count: 2, prefixLength: 2, temperature: 0, rng }),
    ).toThrow(ConfigError);
    expect(() => oracleExposureBias(stub, oracle, { rng })).toThrow(ConfigError);
  });
});

/** A bigram stub: after token a its logits are log M[a] (no state needed). */
function bigramStub(M: number[][]): StepModel {
  const W = M.length;
  return {
    config: { outputSize: W, layers: 1, hiddenSize: 1, dtype: "float64" },
    forward({ T, B, tokens }) {
      const logits = new Float64Array(T * B * W);
      for (let n = 0; n < T * B; n++)
        for (let v = 0; v < W; v++) logits[n * W + v] = Math.log(M[tokens[n]][v]);
      return logits;
    },
    finalState: (out) => out,
  };
}

describe("textExposureBias(model, tokens, options)", () => {
  const M = [
    [0.1, 0.6, 0.3],
    [0.8, 0.1, 0.1],
    [0.7, 0.2, 0.1],
  ];

  it("textExposureBias(bigram stub, a 6-token text) matches the losses computed by hand", () => {
    // One window only (the text is prefixLength + length long); a tiny temperature makes the
    // model's own tokens its argmax: after 1 → 0, after 0 → 1.
    const text = Int32Array.from([0, 1, 0, 2, 0, 2]);
    const r = textExposureBias(bigramStub(M), text, {
      prefixLength: 2,
      length: 4,
      count: 1,
      rng: new Rng(1),
      temperature: 1e-3,
    });
    expect(r.positions).toEqual([1, 2, 3, 4]);
    // Teacher forced: −log M[1][0], −log M[0][2], −log M[2][0], −log M[0][2].
    const teacher = [0.8, 0.3, 0.7, 0.3].map((p) => -Math.log(p));
    // Free running: contexts 1 (true), then ŷ = 0, 1, 0: −log M[1][0], M[0][2], M[1][0], M[0][2].
    const free = [0.8, 0.3, 0.8, 0.3].map((p) => -Math.log(p));
    for (let i = 0; i < 4; i++) {
      expect(r.teacherForcedLoss[i]).toBeCloseTo(teacher[i], 12);
      expect(r.freeRunningLoss[i]).toBeCloseTo(free[i], 12);
    }
  });

  it("textExposureBias(the true bigram model) gives the entropy rate teacher forced and the cross term free running", () => {
    // The text comes from M and the model is M: teacher forced, every position costs the entropy
    // rate H = Σ_a π(a) Σ_c M(a,c)(−log M(a,c)). Free running, position i scores the true x_i ~ M^i(a,·)
    // under the model's own ŷ_{i−1} ~ M^{i−1}(a,·), independent given the last prefix token a ~ π:
    // larger than H for i >= 2, even though the model is perfect.
    const text = markovText(M, 200_000, new Rng(2));
    const L = 5;
    const r = textExposureBias(bigramStub(M), text, {
      prefixLength: 3,
      length: L,
      count: 8000,
      rng: new Rng(3),
    });
    const matmul = (A: number[][], B: number[][]) =>
      A.map((row) => B[0].map((_, j) => row.reduce((s, x, k) => s + x * B[k][j], 0)));
    let pi = [1 / 3, 1 / 3, 1 / 3];
    for (let i = 0; i < 200; i++) pi = matmul([pi], M)[0];
    const powers = [
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    ];
    for (let i = 1; i <= L; i++) powers.push(matmul(powers[i - 1], M));
    const expectedFree = (i: number) => {
      let sum = 0;
      for (let a = 0; a < 3; a++)
        for (let y = 0; y < 3; y++)
          for (let c = 0; c < 3; c++)
            sum += pi[a] * powers[i - 1][a][y] * powers[i][a][c] * -Math.log(M[y][c]);
      return sum;
    };
    const entropyRate = expectedFree(1);
    // Standard error of a mean of 8000 losses (spread about 0.7 nats): about 0.01.
    for (let i = 1; i <= L; i++) {
      expect(Math.abs(r.teacherForcedLoss[i - 1] - entropyRate)).toBeLessThan(0.05);
      expect(Math.abs(r.freeRunningLoss[i - 1] - expectedFree(i))).toBeLessThan(0.05);
    }
    expect(r.freeRunningLoss[0]).toBe(r.teacherForcedLoss[0]); // position 1: the same true context
    expect(expectedFree(3) - entropyRate).toBeGreaterThan(0.3); // so the test can tell them apart
  });

  it("textExposureBias(an untrained SequenceModel): finite losses, position 1 equal in both modes", () => {
    const text = markovText(CHAIN, 500, new Rng(4));
    const r = textExposureBias(smallModel(), text, {
      prefixLength: 8,
      length: 12,
      count: 10,
      rng: new Rng(5),
      batchSize: 3,
    });
    expect(r.positions.length).toBe(12);
    expect(r.teacherForcedLoss.length).toBe(12);
    expect(r.freeRunningLoss.length).toBe(12);
    expect(r.count).toBe(10);
    for (const x of [...r.teacherForcedLoss, ...r.freeRunningLoss]) {
      expect(Number.isFinite(x)).toBe(true);
      expect(x).toBeGreaterThan(0);
    }
    expect(r.freeRunningLoss[0]).toBeCloseTo(r.teacherForcedLoss[0], 5);
  });

  it("textExposureBias(bad input) throws one clear ConfigError or ShapeError", () => {
    const stub = bigramStub(M);
    const text = Int32Array.from([0, 1, 2, 0, 1, 2]);
    const rng = new Rng(6);
    expect(() => textExposureBias(stub, text, { prefixLength: 3, length: 4, count: 1, rng })).toThrow(
      /the text has 6 tokens, fewer than prefixLength \+ length = 3 \+ 4/,
    );
    expect(() => textExposureBias(stub, text, { prefixLength: 0, length: 2, count: 1, rng })).toThrow(
      ShapeError,
    );
    expect(() => textExposureBias(stub, text, { prefixLength: 2, length: 0, count: 1, rng })).toThrow(
      ConfigError,
    );
    expect(() => textExposureBias(stub, text, { prefixLength: 2, length: 2, count: 0, rng })).toThrow(
      ConfigError,
    );
    expect(() =>
      textExposureBias(stub, Int32Array.from([0, 1, 3, 0]), { prefixLength: 1, length: 2, count: 1, rng }),
    ).toThrow(ShapeError);
  });
});
