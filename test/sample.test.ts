import { describe, expect, it } from "vitest";
import { sampleSequences, TokenSampler } from "../src/eval/sampling.js";
import type { ModelConfig } from "../src/model/config.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import type { DType } from "../src/tensor.js";
import { sampleSoftmax } from "../src/train/feeding.js";
import { sampleText } from "../src/train/trainer.js";

const V = 9;

function model(cell: "lstm" | "gru" | "rnn", dtype: DType, seed = 3): SequenceModel {
  const config: ModelConfig = {
    cell,
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: 6,
    layers: 2,
    input: { kind: "embedding", vocabSize: V, embeddingSize: 4 },
    outputSize: V,
    loss: "cross-entropy",
    dtype,
  };
  const m = new SequenceModel(config, { seed });
  // Sharper distributions than the default initialization's near-uniform ones.
  for (let i = 0; i < m.params.data.length; i++) m.params.data[i] *= 4;
  return m;
}

/** sampleText as it was before batched sampling: B = 1, sampleSoftmax, a forward per token. */
function sampleTextBefore(
  m: SequenceModel,
  prime: Int32Array,
  length: number,
  rng: Rng,
  temperature: number,
  topK: number,
): Int32Array {
  const out = new Int32Array(length);
  const weights = new Float64Array(V);
  let logits = m.forward({ T: prime.length, B: 1, tokens: prime });
  let offset = (prime.length - 1) * V;
  let carried = m.finalState();
  for (let i = 0; i < length; i++) {
    out[i] = sampleSoftmax(logits, offset, V, rng, weights, temperature, topK);
    logits = m.forward({ T: 1, B: 1, tokens: Int32Array.of(out[i]) }, carried);
    carried = m.finalState(carried);
    offset = 0;
  }
  return out;
}

/** The weights TokenSampler hands to the generator, normalised (a stub Rng records them). */
function drawnDistribution(logits: number[], options: Parameters<TokenSampler["draw"]>[3]): number[] {
  let seen: number[] = [];
  const recorder = {
    categorical: (w: ArrayLike<number>) => {
      seen = Array.from(w);
      return 0;
    },
  } as unknown as Rng;
  new TokenSampler(logits.length).draw(logits, 0, recorder, options);
  const total = seen.reduce((a, b) => a + b, 0);
  return seen.map((w) => w / total);
}

/** The textbook composition: softmax(z/τ), keep the top k, renormalise, keep the smallest
 *  most-likely set of mass ≥ p, renormalise. */
function referenceDistribution(logits: number[], temperature: number, topK: number, topP: number): number[] {
  const exp = logits.map((z) => Math.exp(z / temperature));
  const ranked = exp.map((_, v) => v).sort((a, b) => exp[b] - exp[a]);
  const kept = new Set(ranked.slice(0, topK > 0 ? topK : logits.length));
  const keptMass = [...kept].reduce((a, v) => a + exp[v], 0);
  const nucleus = new Set<number>();
  let cumulative = 0;
  for (const v of ranked) {
    if (!kept.has(v) || cumulative >= topP) break;
    nucleus.add(v);
    cumulative += exp[v] / keptMass;
  }
  const mass = [...nucleus].reduce((a, v) => a + exp[v], 0);
  return exp.map((e, v) => (nucleus.has(v) ? e / mass : 0));
}

describe("TokenSampler: temperature, then top-k, then top-p over the renormalised rest", () => {
  const logits = [Math.log(0.05), Math.log(0.5), Math.log(0.15), Math.log(0.3)];

  it.each([
    [1, 0, 0.79, [0, 0.5 / 0.8, 0, 0.3 / 0.8]],
    [1, 0, 0.81, [0, 0.5 / 0.95, 0.15 / 0.95, 0.3 / 0.95]],
    [1, 0, 0.4, [0, 1, 0, 0]],
    [1, 0, 1, [0.05, 0.5, 0.15, 0.3]],
  ])("τ = %d, k = %d, p = %d gives the nucleus's renormalised probabilities", (t, k, p, expected) => {
    const got = drawnDistribution(logits, { temperature: t, topK: k, topP: p });
    for (let v = 0; v < 4; v++) expect(got[v]).toBeCloseTo(expected[v], 12);
  });

  it("over random logits and settings it matches the textbook composition", () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 200; trial++) {
      const row = Array.from({ length: 12 }, () => 2 * rng.normal());
      const temperature = 0.3 + 2 * rng.uniform();
      const topK = rng.int(13);
      const topP = 0.05 + 0.95 * rng.uniform();
      const got = drawnDistribution(row, { temperature, topK, topP });
      const expected = referenceDistribution(row, temperature, topK, topP);
      for (let v = 0; v < row.length; v++) expect(got[v]).toBeCloseTo(expected[v], 12);
    }
  });

  it("without top-p it draws exactly as sampleSoftmax, generator state included", () => {
    const a = new Rng(9);
    const b = new Rng(9);
    const sampler = new TokenSampler(4);
    for (let i = 0; i < 100; i++) {
      expect(sampler.draw(logits, 0, a, { temperature: 0.7, topK: 3 })).toBe(
        sampleSoftmax(logits, 0, 4, b, new Float64Array(4), 0.7, 3),
      );
    }
    expect(a.state()).toEqual(b.state());
  });
});

describe("sampleText and sampleSequences", () => {
  const prime = Int32Array.of(1, 4, 2);

  it("sampleText(model, prime, 60, rng, {temperature, topK}) is unchanged from the B = 1 loop it replaced", () => {
    const m = model("lstm", "float32");
    for (const [t, k] of [
      [1, 0],
      [0.8, 3],
    ]) {
      expect(Array.from(sampleText(m, prime, 60, new Rng(7), { temperature: t, topK: k }))).toEqual(
        Array.from(sampleTextBefore(m, prime, 60, new Rng(7), t, k)),
      );
    }
  });

  it.each([
    ["lstm", "float64"],
    ["gru", "float32"],
    ["rnn", "float32"],
  ] as const)(
    "%s %s: row i of 6 batched samples equals the unbatched sample with seed s + i",
    (cell, dtype) => {
      const m = model(cell, dtype);
      const options = { temperature: 0.9, topK: 6, topP: 0.9, stop: [Int32Array.of(3, 3)] };
      const rows = sampleSequences(
        m,
        prime,
        80,
        Array.from({ length: 6 }, (_, i) => new Rng(100 + i)),
        options,
      );
      for (const [i, row] of rows.entries()) {
        expect(Array.from(row)).toEqual(Array.from(sampleText(m, prime, 80, new Rng(100 + i), options)));
      }
      expect(new Set(rows.map((r) => r.join(","))).size).toBeGreaterThan(1);
    },
  );

  it("a stop sequence ends each row at its first occurrence, kept; the tokens before are the unstopped draw's", () => {
    const m = model("gru", "float64");
    const stops = [Int32Array.of(5), Int32Array.of(2, 7)];
    let stoppedRows = 0;
    for (let seed = 0; seed < 30; seed++) {
      const free = sampleText(m, prime, 50, new Rng(seed));
      const cut = sampleText(m, prime, 50, new Rng(seed), { stop: stops });
      const end = Array.from(free).findIndex((t, i) => t === 5 || (i > 0 && free[i - 1] === 2 && t === 7));
      const expected = end < 0 ? free : free.slice(0, end + 1);
      expect(Array.from(cut)).toEqual(Array.from(expected));
      if (cut.length < 50) {
        stoppedRows++;
        const tail = Array.from(cut.slice(-2));
        expect(tail[1] === 5 || (tail[0] === 2 && tail[1] === 7)).toBe(true);
      }
    }
    expect(stoppedRows).toBeGreaterThan(20);
  });

  it("a stop sequence must lie in the generated tokens: the prime's last token does not complete one", () => {
    const m = model("rnn", "float64");
    for (let seed = 0; seed < 20; seed++) {
      const free = sampleText(m, Int32Array.of(2), 30, new Rng(seed));
      const cut = sampleText(m, Int32Array.of(2), 30, new Rng(seed), { stop: [Int32Array.of(2, 7)] });
      const at = Array.from(free).findIndex((t, i) => i > 0 && free[i - 1] === 2 && t === 7);
      expect(cut.length).toBe(at < 0 ? 30 : at + 1);
    }
  });

  it("bad options are one-line ConfigErrors", () => {
    const m = model("rnn", "float64");
    const run =
      (options: object, length = 5) =>
      () =>
        sampleText(m, prime, length, new Rng(1), options);
    expect(run({ topP: 0 })).toThrow(/top-p must be in \(0, 1\], got 0/);
    expect(run({ topP: 1.5 })).toThrow(/top-p must be in/);
    expect(run({ temperature: 0 })).toThrow(/temperature must be > 0/);
    expect(run({ topK: 1.5 })).toThrow(/top-k must be an integer/);
    expect(run({ stop: [new Int32Array(0)] })).toThrow(/stop sequence must have at least one token/);
    expect(run({}, -1)).toThrow(/length must be an integer >= 0/);
    expect(() => sampleSequences(m, prime, 5, [])).toThrow(/at least one generator/);
  });
});
