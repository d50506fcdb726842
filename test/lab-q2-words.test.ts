import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../src/lab/context.js";
import { addWord, foldToOneHot } from "../src/lab/embeddings/word-model.js";
import type { GrowthData, SimilarityData } from "../src/lab/experiments/q2-words.js";
import { q2Experiments, trainedWordModel, WORD_MODEL } from "../src/lab/experiments/q2.js";
import type { ClaimResult, Experiment } from "../src/lab/types.js";

// Q2.growth and Q2.similarity, quick, on one context: the word model is trained once (a few
// seconds) and shared by every test, as in a lab run.

const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

function run<C>(id: string, change: (data: C) => C = (d) => d): ClaimResult {
  const e = q2Experiments.find((x) => x.id === id) as Experiment<C> | undefined;
  if (!e) throw new Error(`no experiment ${id}`);
  return e.run(change(structuredClone(e.data)), ctx);
}

interface Grown {
  widthBefore: number;
  widthAfter: number;
  vectorsLengthened: number;
  added: number;
  changed: number;
  oldOutputsDiff: number;
  changes: { name: string; added: number; rowsLengthened: number }[];
}

describe("the word model's vocabulary surgery", () => {
  it("foldToOneHot(model) computes the embedding model's logits; addWord keeps the old words' logits", () => {
    const { model, stream, tokenizer } = trainedWordModel(ctx, WORD_MODEL);
    const V = tokenizer.size;
    const tokens = stream.slice(1000, 1000 + 40);
    const logits = Float64Array.from(model.forward({ T: 20, B: 2, tokens }));
    const folded = foldToOneHot(model);
    expect(folded.config.input).toEqual({ kind: "onehot", vocabSize: V });
    const foldedLogits = folded.forward({ T: 20, B: 2, tokens });
    for (let i = 0; i < logits.length; i++) expect(Math.abs(foldedLogits[i] - logits[i])).toBeLessThan(1e-5);
    const H = WORD_MODEL.hiddenSize;
    const grown = addWord(model, {
      embeddingRow: new Float64Array(WORD_MODEL.embeddingSize).fill(0.5),
      readoutRow: new Float64Array(H).fill(0.1),
      readoutBias: 3,
    });
    const grownLogits = grown.model.forward({ T: 20, B: 2, tokens });
    for (let r = 0; r < 40; r++) {
      for (let k = 0; k < V; k++) expect(grownLogits[r * (V + 1) + k]).toBe(logits[r * V + k]);
      expect(grownLogits[r * (V + 1) + V]).not.toBe(0);
    }
    expect(grown.model.params.value("embedding.weight").subarray(V * WORD_MODEL.embeddingSize)[0]).toBe(0.5);
  });
});

describe("Q2.growth", () => {
  it("run(Q2.growth) holds: every one-hot vector grows by one, W_ih gains a column, old outputs unchanged", () => {
    const r = run("Q2.growth");
    expect(r.verdict).toBe("holds");
    expect(r.correction).toBeNull();
    const d = r.data as {
      V: number;
      newWord: string;
      foldDiff: number;
      grownAgree: number;
      results: Record<string, Grown>;
    };
    const { V } = d;
    expect(V).toBe(WORD_MODEL.maxVocab);
    const G = 3 * WORD_MODEL.hiddenSize; // GRU: three gate blocks
    const H = WORD_MODEL.hiddenSize;
    const oneHot = d.results["one-hot"];
    expect([oneHot.widthBefore, oneHot.widthAfter, oneHot.vectorsLengthened]).toEqual([V, V + 1, V]);
    expect(oneHot.added).toBe(G + H + 1);
    expect(oneHot.changes.find((c) => c.name === "rnn.weight_ih_l0")?.rowsLengthened).toBe(G);
    const emb = d.results.embedding;
    expect([emb.widthBefore, emb.widthAfter, emb.vectorsLengthened]).toEqual([32, 32, 0]);
    expect(emb.added).toBe(WORD_MODEL.embeddingSize + H + 1);
    expect(emb.changes.find((c) => c.name === "rnn.weight_ih_l0")?.added).toBe(0);
    for (const g of [oneHot, emb]) {
      expect(g.changed).toBe(0);
      expect(g.oldOutputsDiff).toBeLessThanOrEqual(1e-5);
    }
    expect(d.foldDiff).toBeLessThan(1e-5);
    expect(d.grownAgree).toBeLessThan(1e-5);
    expect(r.evidence).toContain(`"${d.newWord}"`);
  });

  it("run(Q2.growth, representation = embedding) fails: no embedding vector changes length", () => {
    const r = run<GrowthData>("Q2.growth", (d) => ({ ...d, representation: "embedding" }));
    expect(r.verdict).toBe("fails");
    expect(r.correction).toContain("one row of 32 numbers");
  });

  it("run(Q2.growth, newWord = 'wherefore') adds that word", () => {
    const r = run<GrowthData>("Q2.growth", (d) => ({ ...d, newWord: "wherefore" }));
    expect((r.data as { newWord: string }).newWord).toBe("wherefore");
    expect(r.verdict).toBe("holds");
  });
});

describe("Q2.similarity", () => {
  it("run(Q2.similarity) holds: every distinct pair of one-hot vectors has cosine 0 and distance √2", () => {
    const r = run("Q2.similarity");
    expect(r.verdict).toBe("holds");
    const d = r.data as {
      spread: { minD: number; maxD: number; minCos: number; maxCos: number; pairs: number };
      claimPair: { cosine: number; distance: number };
      learned: {
        name: string;
        pairs: { a: string; b: string; rank: number; of: number }[];
        lists: unknown[];
      }[];
    };
    expect(d.spread.pairs).toBe((212 * 211) / 2);
    expect([d.spread.minCos, d.spread.maxCos]).toEqual([0, 0]);
    expect([d.spread.minD, d.spread.maxD]).toEqual([Math.SQRT2, Math.SQRT2]);
    expect(d.claimPair).toEqual({ cosine: 0, distance: Math.SQRT2 });
    // The learned vectors are ranked: king–queen first, every rank within the vocabulary's words.
    expect(d.learned.map((l) => l.name)).toEqual(["input embeddings", "readout word vectors"]);
    for (const l of d.learned) {
      expect([l.pairs[0].a, l.pairs[0].b]).toEqual(["king", "queen"]);
      for (const p of l.pairs) expect(p.rank).toBeGreaterThanOrEqual(1);
      for (const p of l.pairs) expect(p.rank).toBeLessThanOrEqual(p.of);
      expect(l.lists.length).toBe(12);
    }
    const ids = r.figures?.map((f) => f.id) ?? [];
    expect(ids).toContain("q2-similarity-input-neighbours-king");
    expect(ids).toContain("q2-similarity-onehot-cosine");
    expect(ids).toContain("q2-similarity-readout-cosine");
  });

  it("run(Q2.similarity, representation = embedding) fails: learned embeddings are not equidistant", () => {
    const r = run<SimilarityData>("Q2.similarity", (d) => ({ ...d, representation: "embedding" }));
    expect(r.verdict).toBe("fails");
    const d = r.data as { spread: { minD: number; maxD: number } };
    expect(d.spread.maxD - d.spread.minD).toBeGreaterThan(0.01);
    expect(r.correction).toContain("Only one-hot vectors");
  });
});
