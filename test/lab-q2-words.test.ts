import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, Rng } from "../src/index.js";
import { createLabContext } from "../lab/context.js";
import { Lexicon, sampleWords } from "../lab/embeddings/lexicon.js";
import { distanceSpread, pairGeometry } from "../lab/embeddings/vectors.js";
import { addWord, foldToOneHot, type WordModelSummary } from "../lab/embeddings/word-model.js";
import { type GrowthData, type GrownModel, growth } from "../lab/q2/added-word.js";
import { trainedWordModel, WORD_MODEL } from "../lab/q2/setup.js";
import { equidistant, type SimilarityData, similarity } from "../lab/q2/word-distances.js";

// Q2.growth and Q2.similarity. The judges on hand-made numbers; then measure → judge → describe,
// quick, on one context: the word model is trained once (a few seconds) and shared by every test, as
// in a lab run.

const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

const summary: WordModelSummary = {
  cell: "gru",
  vocabSize: 10,
  embeddingSize: 4,
  hiddenSize: 4,
  steps: 1,
  seconds: 0,
  lossFirst: 2,
  lossLast: 1,
};

function grownModel(representation: GrownModel["representation"], vectorsLengthened: number): GrownModel {
  const [widthBefore, widthAfter] = vectorsLengthened > 0 ? [10, 11] : [4, 4];
  return {
    representation,
    widthBefore,
    widthAfter,
    vectorsLengthened,
    changes: [],
    added: 0,
    changed: 0,
    oldOutputsDiff: 0,
  };
}

/** Growth data for V = 10 with the given counts of lengthened one-hot and embedding vectors. */
function lengthened(oneHot: number, embedding: number): GrowthData {
  return {
    model: summary,
    newWord: "new",
    V: 10,
    foldedShape: [12, 10],
    foldDiff: 0,
    grownAgree: 0,
    results: { "one-hot": grownModel("one-hot", oneHot), embedding: grownModel("embedding", embedding) },
  };
}

/** Similarity data whose distinct pairs lie between the two distances. */
function distances(minDistance: number, maxDistance: number): SimilarityData {
  return {
    model: summary,
    vocabSize: 10,
    wordCount: 9,
    words: [],
    randomWords: 0,
    spread: { minDistance, maxDistance, minCosine: 0, maxCosine: 0, pairs: 3 },
    claimPair: null,
    learned: [],
    oneHotCosines: [],
  };
}

describe("Q2.growth judge", () => {
  const stated = growth.stated;

  it("judge: all 10 of 10 one-hot vectors lengthened → holds", () => {
    expect(growth.judge(lengthened(10, 0), stated)).toBe("holds");
  });

  it("judge: 9 of 10 one-hot vectors lengthened, one short of all → partly", () => {
    expect(growth.judge(lengthened(9, 0), stated)).toBe("partly");
  });

  it("judge: no one-hot vector lengthened → fails", () => {
    expect(growth.judge(lengthened(0, 10), stated)).toBe("fails");
  });

  it("judge reads the stated representation: no embedding vector lengthened → fails", () => {
    expect(growth.judge(lengthened(10, 0), { ...stated, representation: "embedding" })).toBe("fails");
  });
});

describe("Q2.similarity judge", () => {
  const stated = similarity.stated;

  it("judge: every pair at distance √2 (spread 0) → holds", () => {
    expect(similarity.judge(distances(Math.SQRT2, Math.SQRT2), stated)).toBe("holds");
  });

  it("judge: a spread of 1e-9 at √2, over the tolerance 1e-12 → fails", () => {
    expect(similarity.judge(distances(Math.SQRT2, Math.SQRT2 + 1e-9), stated)).toBe("fails");
  });

  it("judge: spread 0.5 exactly at tolerance 0.25 of the largest distance 2 → holds; 0.5001 → fails", () => {
    const loose = { ...stated, tolerance: 0.25 };
    expect(similarity.judge(distances(1.5, 2), loose)).toBe("holds");
    expect(similarity.judge(distances(1.4999, 2), loose)).toBe("fails");
  });

  it("equidistant: below distance 1 the tolerance is absolute (0.25 apart at tolerance 0.25 holds)", () => {
    expect(equidistant(distances(0.25, 0.5).spread, 0.25)).toBe(true);
    expect(equidistant(distances(0.2499, 0.5).spread, 0.25)).toBe(false);
  });
});

describe("word vectors", () => {
  it("distanceSpread of three basis vectors: every pair at cosine 0 and distance √2", () => {
    const x = Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(distanceSpread(pairGeometry(x, 3, 3))).toEqual({
      minDistance: Math.SQRT2,
      maxDistance: Math.SQRT2,
      minCosine: 0,
      maxCosine: 0,
      pairs: 3,
    });
  });

  it("Lexicon counts tokens with a letter as words; sampleWords draws distinct words only", () => {
    const lexicon = new Lexicon(["<unk>", "\n", "king", ",", "queen", "lord"]);
    expect(lexicon.wordCount).toBe(3);
    expect(lexicon.hasWords("king", "queen")).toBe(true);
    expect(lexicon.hasWords("king", ",")).toBe(false);
    expect(() => lexicon.id("duke")).toThrow(ConfigError);
    const drawn = sampleWords(lexicon, [lexicon.id("king")], 5, new Rng(1));
    expect([...drawn].sort((a, b) => a - b)).toEqual([lexicon.id("queen"), lexicon.id("lord")]);
  });
});

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

  it("addWord(model) without the new embedding row throws a ConfigError naming the parameter", () => {
    const { model } = trainedWordModel(ctx, WORD_MODEL);
    const missingRow = () => addWord(model, { readoutRow: [0], readoutBias: 0 });
    expect(missingRow).toThrow(ConfigError);
    expect(missingRow).toThrow(/embedding\.weight/);
  });
});

describe("Q2.growth", () => {
  it("run(Q2.growth) holds: every one-hot vector grows by one, W_ih gains a column, old outputs unchanged", () => {
    const r = growth.run(ctx);
    expect(r.verdict).toBe("holds");
    expect(r.correction).toBeNull();
    const { V, results } = r.data;
    expect(V).toBe(WORD_MODEL.maxVocab);
    const G = 3 * WORD_MODEL.hiddenSize; // GRU: three gate blocks
    const H = WORD_MODEL.hiddenSize;
    expect(r.data.foldedShape).toEqual([G, V]);
    const oneHot = results["one-hot"];
    expect([oneHot.widthBefore, oneHot.widthAfter, oneHot.vectorsLengthened]).toEqual([V, V + 1, V]);
    expect(oneHot.added).toBe(G + H + 1);
    expect(oneHot.changes.find((c) => c.name === "rnn.weight_ih_l0")?.rowsLengthened).toBe(G);
    const emb = results.embedding;
    expect([emb.widthBefore, emb.widthAfter, emb.vectorsLengthened]).toEqual([32, 32, 0]);
    expect(emb.added).toBe(WORD_MODEL.embeddingSize + H + 1);
    expect(emb.changes.find((c) => c.name === "rnn.weight_ih_l0")?.added).toBe(0);
    for (const g of [oneHot, emb]) {
      expect(g.changed).toBe(0);
      expect(g.oldOutputsDiff).toBeLessThanOrEqual(1e-5);
    }
    expect(r.data.foldDiff).toBeLessThan(1e-5);
    expect(r.data.grownAgree).toBeLessThan(1e-5);
    expect(r.evidence).toContain(`"${r.data.newWord}"`);
  });

  it("run(Q2.growth, representation = embedding) fails: no embedding vector changes length", () => {
    const r = growth.run(ctx, { ...growth.stated, representation: "embedding" });
    expect(r.verdict).toBe("fails");
    expect(r.correction).toContain("one row of 32 numbers");
  });

  it("run(Q2.growth, newWord = 'wherefore') adds that word", () => {
    const r = growth.run(ctx, { ...growth.stated, newWord: "wherefore" });
    expect(r.data.newWord).toBe("wherefore");
    expect(r.verdict).toBe("holds");
  });

  it("measure(Q2.growth, newWord = 'king') throws a ConfigError: the word is already in the vocabulary", () => {
    expect(() => growth.measure({ ...growth.stated, newWord: "king" }, ctx)).toThrow(ConfigError);
  });
});

describe("Q2.similarity", () => {
  it("run(Q2.similarity) holds: every distinct pair of one-hot vectors has cosine 0 and distance √2", () => {
    const r = similarity.run(ctx);
    expect(r.verdict).toBe("holds");
    const { spread, claimPair, learned } = r.data;
    expect(spread.pairs).toBe((212 * 211) / 2);
    expect([spread.minCosine, spread.maxCosine]).toEqual([0, 0]);
    expect([spread.minDistance, spread.maxDistance]).toEqual([Math.SQRT2, Math.SQRT2]);
    expect(claimPair).toEqual({ a: "king", b: "queen", cosine: 0, distance: Math.SQRT2 });
    // The learned vectors are ranked: king–queen first, every rank within the vocabulary's words.
    expect(learned.map((l) => l.name)).toEqual(["input embeddings", "readout word vectors"]);
    for (const l of learned) {
      expect([l.pairs[0].a, l.pairs[0].b]).toEqual(["king", "queen"]);
      for (const p of l.pairs) expect(p.rank).toBeGreaterThanOrEqual(1);
      for (const p of l.pairs) expect(p.rank).toBeLessThanOrEqual(p.of);
      expect(l.lists.length).toBe(12);
      expect(l.cosines.length).toBe(12);
    }
    expect(r.data.oneHotCosines[0]).toEqual([1, ...new Array(11).fill(0)]);
    const ids = r.figures?.map((f) => f.id) ?? [];
    expect(ids).toContain("q2-similarity-input-neighbours-king");
    expect(ids).toContain("q2-similarity-onehot-cosine");
    expect(ids).toContain("q2-similarity-readout-cosine");
  });

  it("run(Q2.similarity, representation = embedding) fails: learned embeddings are not equidistant", () => {
    const r = similarity.run(ctx, { ...similarity.stated, representation: "embedding" });
    expect(r.verdict).toBe("fails");
    expect(r.data.spread.maxDistance - r.data.spread.minDistance).toBeGreaterThan(0.01);
    expect(r.correction).toContain("Only one-hot vectors");
  });
});
