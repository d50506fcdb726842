// Q2's shared set-up: the timing sweep of one-hot products and embedding lookups (Q2.dimension,
// Q2.sparsity), the word vocabulary of the corpus (Q2.sparsity and the word model) and the word model
// trained on it (Q2.growth, Q2.similarity). Each is computed once per lab run through ctx.shared.

import { type CostSweep, type CostSweepSpec, measureCosts } from "../embeddings/costs.js";
import {
  type TrainedWordModel,
  trainWordModel,
  type Vocabulary,
  type WordModelSpec,
  type WordModelSummary,
  wordVocabulary,
} from "../embeddings/word-model.js";
import type { LabContext } from "../types.js";

/** A word as a one-hot vector, or as a row of an embedding table. */
export type Representation = "one-hot" | "embedding";

export const COST_SWEEP: CostSweepSpec = {
  vocabSizes: [100, 1_000, 10_000, 100_000],
  hiddenSize: 128,
  embeddingSize: 64,
  bytesPerNumber: 4,
  bytesPerIndex: 4,
  productRows: 8,
  lookupRows: 1024,
  minMs: { full: 5, quick: 2 },
  trials: { full: 15, quick: 7 },
};

export function costSweep(ctx: LabContext, spec: CostSweepSpec): CostSweep {
  return ctx.shared(`q2.costs:${JSON.stringify(spec)}:${ctx.quick}`, () => {
    ctx.progress("Q2: timing one-hot products and embedding lookups");
    return measureCosts(spec, ctx.quick, ctx.rng("q2.costs"));
  });
}

/** The word model both word claims read. About 4 s in a full run (900 steps of 512 words: 1.6
 *  passes over the corpus), under 1 s in a quick one. The 599 most frequent tokens cover the words the
 *  lab looks at (king, queen, woman...) and keep the readout, which dominates the cost, small. */
export const WORD_MODEL: WordModelSpec = {
  lowercase: true,
  maxVocab: 600,
  cell: "gru",
  hiddenSize: 32,
  embeddingSize: 32,
  embeddingInitScale: 0.05,
  seqLen: 16,
  batch: 32,
  lr: 0.01,
  clipNorm: 1,
  steps: { full: 900, quick: 60 },
};

export function sharedVocabulary(
  ctx: LabContext,
  spec: Pick<WordModelSpec, "lowercase" | "maxVocab">,
): Vocabulary {
  return ctx.shared(`q2.vocab:${spec.lowercase}:${spec.maxVocab}`, () => wordVocabulary(ctx.corpus(), spec));
}

export function trainedWordModel(ctx: LabContext, spec: WordModelSpec): TrainedWordModel {
  return ctx.shared(`q2.word-model:${JSON.stringify(spec)}:${ctx.quick}`, () => {
    const vocabulary = sharedVocabulary(ctx, spec);
    ctx.progress("Q2: training the word model");
    return trainWordModel(
      vocabulary,
      spec,
      ctx.quick,
      { init: ctx.rng("q2.word-model.init"), batches: ctx.rng("q2.word-model.batches") },
      ctx.progress,
    );
  });
}

export function describeWordModel(m: WordModelSummary): string {
  return `a word-level ${m.cell.toUpperCase()} language model (V = ${m.vocabSize} tokens of the lower-cased corpus, E = ${m.embeddingSize}, H = ${m.hiddenSize}) trained with teacher forcing for ${m.steps} steps in ${m.seconds.toFixed(1)} s (training loss ${m.lossFirst.toFixed(2)} → ${m.lossLast.toFixed(2)} nats per word)`;
}
