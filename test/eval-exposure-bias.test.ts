import { describe, expect, it } from "vitest";
import { ConfigError, ShapeError } from "../src/errors.js";
import { oracleExposureBias, type StepModel, textExposureBias } from "../src/eval/exposure-bias.js";
import { NGramModel } from "../src/eval/ngram.js";
import type { ModelConfig } from "../src/model/config.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import type { StackState } from "../src/model/stack.js";
import { Rng } from "../src/random.js";

const V = 6;
const PEAK = Number(process.env.PEAK ?? 0.95);
const GROW = Number(process.env.GROW ?? 0.8);

/** Each token is followed by the next one (mod V) with probability 0.85, any other with 0.03. */
const CHAIN = Array.from({ length: V }, (_, a) => Array.from({ length: V }, (_, c) => (c === (a + 1) % V ? PEAK : (1 - PEAK) / (V - 1))));

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
    const stub = new OracleStub(oracle, (rare) => 1 - GROW ** rare);
    const r = oracleExposureBias(stub, oracle, { count: 300, prefixLength: 4, maxLength: 60, rng: new Rng(2) });
    console.log(r.ratio.filter((_, i) => i % 10 === 9), r.perStepModel.filter((_, i) => i % 10 === 9), r.perStepOracle.filter((_, i) => i % 10 === 9));
  });

  it("oracleExposureBias(a constant, context-independent error): the ratio stays near 1", () => {
    const stub = new OracleStub(oracle, () => 0.3);
    const r = oracleExposureBias(stub, oracle, { count: 300, prefixLength: 4, maxLength: 60, rng: new Rng(3) });
    console.log(r.ratio.filter((_, i) => i % 10 === 9), r.perStepModel.filter((_, i) => i % 10 === 9));
  });
});
