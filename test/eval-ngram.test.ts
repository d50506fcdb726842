import { describe, expect, it } from "vitest";
import { ConfigError, FormatError, ShapeError } from "../src/errors.js";
import { NGramModel } from "../src/eval/ngram.js";
import { Rng } from "../src/random.js";

/** A text from a first-order Markov chain with transition rows M[a]. */
function markovText(M: number[][], length: number, rng: Rng): Int32Array {
  const out = new Int32Array(length);
  out[0] = rng.int(M.length);
  for (let i = 1; i < length; i++) out[i] = rng.categorical(M[out[i - 1]]);
  return out;
}

function randomText(V: number, length: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  // Skewed so that some contexts are frequent and some unseen.
  return Int32Array.from({ length }, () => Math.min(rng.int(V), rng.int(V)));
}

/** Every context of length 0..maxLen over 0..V−1. */
function allContexts(V: number, maxLen: number): number[][] {
  const out: number[][] = [[]];
  let layer: number[][] = [[]];
  for (let len = 1; len <= maxLen; len++) {
    layer = layer.flatMap((c) => Array.from({ length: V }, (_, a) => [a, ...c]));
    out.push(...layer);
  }
  return out;
}

/** Brute force: occurrences of `context` immediately followed by `token`. */
function bruteCount(text: Int32Array, context: number[], token: number): number {
  let n = 0;
  for (let i = context.length; i < text.length; i++) {
    if (text[i] !== token) continue;
    if (context.every((a, j) => text[i - context.length + j] === a)) n++;
  }
  return n;
}

/** Interpolated Witten-Bell, from brute-force counts, written independently of the trie. */
function bruteWittenBell(text: Int32Array, n: number, V: number, context: number[]): number[] {
  let p = new Array<number>(V).fill(1 / V);
  const h = context.slice(Math.max(0, context.length - n + 1));
  for (let len = 0; len <= h.length; len++) {
    const ctx = h.slice(h.length - len);
    const c = Array.from({ length: V }, (_, w) => bruteCount(text, ctx, w));
    const total = c.reduce((s, x) => s + x, 0);
    if (total === 0) break; // a longer context than any seen: back off to the shorter one
    const types = c.filter((x) => x > 0).length;
    p = p.map((q, w) => (c[w] + types * q) / (total + types));
  }
  return p;
}

describe("NGramModel.fit(tokens, n, V)", () => {
  it("distribution(context, out) sums to 1 and is strictly positive, seen and unseen contexts, both smoothings", () => {
    const V = 5;
    const text = randomText(V, 400, 1);
    const out = new Float64Array(V);
    for (const smoothing of ["witten-bell", "add-k"] as const) {
      for (const n of [1, 2, 3, 4]) {
        const model = NGramModel.fit(text, n, V, { smoothing, k: 0.5 });
        for (const context of allContexts(V, 4)) {
          model.distribution(context, out);
          expect(Math.abs(out.reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-12);
          expect(Math.min(...out)).toBeGreaterThan(0);
        }
      }
    }
  });

  it("fit('abcabc…', 3, 3) puts nearly all mass on the right next token", () => {
    const text = Int32Array.from({ length: 300 }, (_, i) => i % 3);
    const model = NGramModel.fit(text, 3, 3);
    const out = new Float64Array(3);
    for (const [context, next] of [
      [[0, 1], 2],
      [[1, 2], 0],
      [[2, 0], 1],
      [[2, 2, 0, 1], 2], // only the last n − 1 tokens count
      [[1], 2], // the start of a text: a shorter context
    ] as const) {
      model.distribution(context, out);
      expect(out[next]).toBeGreaterThan(0.98);
    }
  });

  it("count(context, token) and total(context) match a brute-force count on a small text", () => {
    const V = 3;
    const text = randomText(V, 60, 2);
    const model = NGramModel.fit(text, 4, V);
    let seen = 0;
    for (const context of allContexts(V, 3)) {
      let total = 0;
      for (let w = 0; w < V; w++) {
        const c = bruteCount(text, context, w);
        expect(model.count(context, w)).toBe(c);
        total += c;
      }
      expect(model.total(context)).toBe(total);
      if (total > 0) seen++;
    }
    expect(model.contextCount).toBe(seen);
    expect(model.total([])).toBe(text.length);
  });

  it("distribution(context) is interpolated Witten-Bell, as recomputed from brute-force counts", () => {
    const V = 4;
    const text = randomText(V, 80, 3);
    const model = NGramModel.fit(text, 3, V);
    const out = new Float64Array(V);
    for (const context of allContexts(V, 3)) {
      model.distribution(context, out);
      const expected = bruteWittenBell(text, 3, V, context);
      for (let w = 0; w < V; w++) expect(out[w]).toBeCloseTo(expected[w], 12);
    }
  });

  it("add-k: distribution(context) = (c(h,w) + k) / (c(h) + kV) on the longest seen context", () => {
    const text = Int32Array.from([0, 1, 0, 1, 1, 2, 0, 1]);
    const model = NGramModel.fit(text, 2, 4, { smoothing: "add-k", k: 0.5 });
    const out = new Float64Array(4);
    model.distribution([0], out); // 0 → 1 three times
    expect(Array.from(out)).toEqual([0.5 / 5, 3.5 / 5, 0.5 / 5, 0.5 / 5]);
    model.distribution([3], out); // 3 never seen: unigram counts 3, 4, 1, 0 over 8
    expect(Array.from(out)).toEqual([3.5 / 10, 4.5 / 10, 1.5 / 10, 0.5 / 10]);
  });

  it("logProb(tokens, start) is the sum of log distribution(tokens[..i])[tokens[i]]", () => {
    const V = 4;
    const text = randomText(V, 200, 4);
    const model = NGramModel.fit(text, 3, V);
    const seq = [3, 0, 1, 2, 2, 0];
    const out = new Float64Array(V);
    let expected = 0;
    for (let i = 2; i < seq.length; i++)
      expected += Math.log(model.distribution(seq.slice(0, i), out)[seq[i]]);
    expect(model.logProb(seq, 2)).toBeCloseTo(expected, 12);
    expect(model.logProb(seq, seq.length)).toBe(0);
  });

  it("toJSON() / fromJSON() round trip through JSON text gives identical distributions", () => {
    const V = 5;
    const text = randomText(V, 500, 5);
    for (const options of [{}, { smoothing: "add-k" as const, k: 0.25 }]) {
      const model = NGramModel.fit(text, 4, V, options);
      const copy = NGramModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
      expect(copy.n).toBe(4);
      expect(copy.smoothing).toBe(model.smoothing);
      const a = new Float64Array(V);
      const b = new Float64Array(V);
      for (const context of allContexts(V, 3)) {
        expect(Array.from(copy.distribution(context, b))).toEqual(Array.from(model.distribution(context, a)));
      }
    }
  });

  it("fromJSON(bad) throws FormatError", () => {
    const json = NGramModel.fit(randomText(3, 50, 6), 2, 3).toJSON();
    expect(() => NGramModel.fromJSON({ ...json, kind: "other" })).toThrow(FormatError);
    expect(() => NGramModel.fromJSON({ ...json, start: json.start.slice(1) })).toThrow(FormatError);
    expect(() => NGramModel.fromJSON({ ...json, next: json.next.map(() => 7) })).toThrow(FormatError);
    expect(() => NGramModel.fromJSON({ ...json, n: 0 })).toThrow(FormatError);
    expect(() => NGramModel.fromJSON(null)).toThrow(FormatError);
  });

  it("sample(length, rng) of a fitted bigram reproduces its transition frequencies within sampling error", () => {
    const M = [
      [0.1, 0.6, 0.3],
      [0.5, 0.05, 0.45],
      [0.2, 0.2, 0.6],
    ];
    const model = NGramModel.fit(markovText(M, 5000, new Rng(7)), 2, 3);
    const samples = model.sample(100_000, new Rng(8), [0]);
    expect(samples.length).toBe(100_000);
    const counts = [0, 1, 2].map(() => [0, 0, 0]);
    let prev = 0;
    for (const x of samples) {
      counts[prev][x]++;
      prev = x;
    }
    const p = new Float64Array(3);
    for (let a = 0; a < 3; a++) {
      const rowTotal = counts[a].reduce((s, x) => s + x, 0);
      model.distribution([a], p);
      for (let w = 0; w < 3; w++) {
        const se = Math.sqrt((p[w] * (1 - p[w])) / rowTotal);
        expect(Math.abs(counts[a][w] / rowTotal - p[w])).toBeLessThan(4 * se);
      }
    }
  });

  it("sample(length, rng, prefix) is reproducible from the seed and continues the prefix", () => {
    const text = Int32Array.from({ length: 300 }, (_, i) => i % 3);
    const model = NGramModel.fit(text, 3, 3);
    const a = model.sample(50, new Rng(9), [1, 2]);
    expect(Array.from(a)).toEqual(Array.from(model.sample(50, new Rng(9), [1, 2])));
    // Almost deterministic text: the continuation of …1, 2 is 0, 1, 2, 0, …
    const agree = a.filter((x, i) => x === i % 3).length;
    expect(agree).toBeGreaterThan(45);
  });

  it("bad arguments throw ConfigError or ShapeError", () => {
    const text = Int32Array.from([0, 1, 2]);
    expect(() => NGramModel.fit(text, 0, 3)).toThrow(ConfigError);
    expect(() => NGramModel.fit(text, 2, 2)).toThrow(ShapeError);
    expect(() => NGramModel.fit(new Int32Array(0), 2, 3)).toThrow(ShapeError);
    expect(() => NGramModel.fit(text, 2, 3, { smoothing: "add-k", k: 0 })).toThrow(ConfigError);
    const model = NGramModel.fit(text, 2, 3);
    expect(() => model.distribution([5], new Float64Array(3))).toThrow(ShapeError);
    expect(() => model.distribution([1], new Float64Array(2))).toThrow(ShapeError);
  });
});
