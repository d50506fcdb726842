import { describe, expect, it } from "vitest";
import { Tokenizer } from "../src/data/tokenizer.js";
import { ConfigError } from "../src/errors.js";
import { beamSearch } from "../src/eval/beam.js";
import { oracleExposureBias } from "../src/eval/exposure-bias.js";
import { NGramModel } from "../src/eval/ngram.js";
import { sampleSequences } from "../src/eval/sampling.js";
import { TokenStepper } from "../src/eval/stepper.js";
import type { ModelConfig } from "../src/model/config.js";
import { normsOverTime } from "../src/model/grad-flow.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { runModelConfig } from "../src/run/text-run.js";
import { createOptimizer } from "../src/train/optimizers.js";
import { TruncatedBptt } from "../src/train/tbptt.js";
import { Trainer } from "../src/train/trainer.js";
import { resolveTrainingConfig } from "../src/worker/config.js";
import { LoadedModel } from "../src/worker/inference.js";
import { relativeError } from "./helpers/gradcheck.js";
import { modelCheckpoint } from "./helpers/text-checkpoint.js";

// What reads a trained model, with PyTorch's layer options: an LSTM projection (H_out = projSize < H)
// through truncated BPTT, training, generation and the worker's inference; a bidirectional model
// refused wherever text is read or written left to right.

const V = 7;
const H = 6;
const P = 3;

function lstm(options: Partial<ModelConfig> = {}): SequenceModel {
  const config: ModelConfig = {
    cell: "lstm",
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: H,
    layers: 2,
    input: { kind: "embedding", vocabSize: V, embeddingSize: 4 },
    outputSize: V,
    loss: "cross-entropy",
    dtype: "float64",
    ...options,
  };
  return new SequenceModel(config, { seed: 4 });
}

const tokensOf = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(V));
};

const bidirectionalLine = /the model is bidirectional: generation runs left to right/;

describe("an LSTM with a projection (projSize < hiddenSize)", () => {
  it("TruncatedBptt(k1 = 3, k2 = 5) carries the exact [L·B×H_out] and [L·B×H] state: logits and final state equal one full forward", () => {
    const N = 12;
    const B = 2;
    const model = lstm({ projSize: P });
    const stream = { N, B, tokens: tokensOf(N * B, 1), classes: tokensOf(N * B, 2) };
    model.forward({ T: N, B, tokens: stream.tokens });
    const logits = model.forwardOutputs().slice();
    const final = model.finalState();
    expect(final.h.length).toBe(2 * B * P);
    const tbptt = new TruncatedBptt(model, stream, 3, 5);
    while (!tbptt.done) {
      const w = tbptt.step();
      const offset = (w.lossFrom - w.start) * B * V;
      const expected = logits.subarray(w.lossFrom * B * V, w.end * B * V);
      const got = model.forwardOutputs().subarray(offset, offset + expected.length);
      expect(relativeError(got, expected)).toBeLessThan(1e-12);
    }
    expect(tbptt.carriedState().h.length).toBe(2 * B * P);
    expect(relativeError(tbptt.carriedState().h, final.h)).toBeLessThan(1e-12);
    expect(relativeError(tbptt.carriedState().c, final.c)).toBeLessThan(1e-12);
  });

  it("TruncatedBptt with k1 = k2 = N gives full BPTT's gradient", () => {
    const N = 8;
    const B = 2;
    const model = lstm({ projSize: P });
    const stream = { N, B, tokens: tokensOf(N * B, 3), classes: tokensOf(N * B, 4) };
    const full = model.lossAndGrad({ T: N, B, tokens: stream.tokens }, { classes: stream.classes });
    const grad = model.params.grad.slice();
    const only = new TruncatedBptt(model, stream, N, N).step();
    expect(only.loss).toBe(full.loss);
    expect(Array.from(model.params.grad)).toEqual(Array.from(grad));
  });

  it("Trainer.trainStep's ‖dL/dh_t‖ are over the top layer's [(T+1)·B×H_out] gradients", () => {
    const T = 6;
    const B = 3;
    const model = lstm({ projSize: P, dtype: "float32" });
    const optimizer = createOptimizer({ name: "adam", lr: 0.01 }, model);
    const data = tokensOf(400, 5);
    const trainer = new Trainer({ model, optimizer, data, seqLen: T, batch: B, clip: null, seed: 1 });
    // The step's backward, watched: a copy of the top layer's dL/dh_t.
    let top = new Float32Array(0);
    const backward = model.backward.bind(model);
    model.backward = (targets) => {
      const result = backward(targets);
      top = Float32Array.from(result.hiddenGrads[model.stack.layers.length - 1]);
      return result;
    };
    const figures = trainer.trainStep();
    expect(top).toHaveLength((T + 1) * B * P);
    const expected = normsOverTime(top, T, B, P);
    expect(Array.from(figures.hiddenGradNorms)).toEqual(Array.from(expected));
    expect(expected[T]).toBeGreaterThan(0);
  });

  it("sampleSequences continues the carried state: a row's logits equal one forward over prime and draws", () => {
    const model = lstm({ projSize: P });
    for (let i = 0; i < model.params.data.length; i++) model.params.data[i] *= 3;
    const prime = Int32Array.of(1, 2, 3);
    const [drawn] = sampleSequences(model, prime, 6, [new Rng(9)]);
    const stepper = new TokenStepper(model, 1);
    const all = Int32Array.from([...prime, ...drawn.subarray(0, 5)]);
    const pieces = [stepper.feed(prime, 3)].map((l) => Array.from(l));
    for (let i = 0; i < 5; i++) pieces.push(Array.from(stepper.feed(drawn.subarray(i, i + 1), 1)));
    const whole = Array.from(model.forward({ T: all.length, B: 1, tokens: all }));
    expect(relativeError(Float64Array.from(pieces.flat()), Float64Array.from(whole))).toBeLessThan(1e-12);
  });

  it("LoadedModel (the worker's inference) shows h as H_out units, and finds span matches over the corpus", () => {
    const text = "abcabcabd abcab cabcd";
    const tokenizer = Tokenizer.fromText("char", text);
    const model = new SequenceModel(
      {
        cell: "lstm",
        hiddenSize: H,
        projSize: P,
        layers: 2,
        input: { kind: "embedding", vocabSize: tokenizer.size, embeddingSize: 3 },
      },
      { seed: 2 },
    );
    const loaded = LoadedModel.fromBytes(modelCheckpoint(model, tokenizer, 5));
    expect(loaded.info()).toMatchObject({ hiddenSize: H, stateSize: P, layers: 2 });
    const { tokens, states } = loaded.activations("abcab", 0);
    expect(tokens).toHaveLength(5);
    expect(states).toHaveLength(5 * P);
    model.forward({ T: 5, B: 1, tokens: tokenizer.encode("abcab") });
    expect(Array.from(states)).toEqual(
      Array.from(Float32Array.from(model.stack.hiddenStates(0).subarray(P))),
    );
    loaded.setCorpus(text.repeat(3));
    const request = { layer: 1, start: 1, end: 2, threshold: -1, margin: 0 };
    const result = loaded.hypothesis("abcab", request);
    expect(result.units.every((u) => u >= 0 && u < P)).toBe(true);
    expect(result.searched).toBe("corpus");
    expect(loaded.generate({ prime: "ab", length: 5, temperature: 1, topK: 0, seed: 1 })).toHaveLength(7);
  });
});

describe("a bidirectional model is refused where text is read left to right", () => {
  const bidirectional = () => lstm({ bidirectional: true, layers: 1 });

  it("TokenStepper, sampleSequences, beamSearch and the exposure-bias measure throw one ConfigError", () => {
    const model = bidirectional();
    const prime = Int32Array.of(1, 2);
    const oracle = NGramModel.fit(tokensOf(200, 6), 2, V);
    for (const run of [
      () => new TokenStepper(model, 1),
      () => sampleSequences(model, prime, 4, [new Rng(1)]),
      () => beamSearch(model, prime, { width: 2, maxLength: 3 }),
      () => oracleExposureBias(model, oracle, { count: 2, prefixLength: 2, maxLength: 3, rng: new Rng(1) }),
    ]) {
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(bidirectionalLine);
    }
  });

  it("TruncatedBptt refuses it: its reverse direction has no state to carry forward", () => {
    const stream = { N: 4, B: 1, tokens: tokensOf(4, 1), classes: tokensOf(4, 2) };
    expect(() => new TruncatedBptt(bidirectional(), stream, 2, 2)).toThrow(
      /truncated BPTT carries the state forward.*bidirectional/,
    );
  });

  it("LoadedModel.fromBytes refuses a bidirectional checkpoint with one line", () => {
    const tokenizer = Tokenizer.fromText("char", "abcdef");
    const model = new SequenceModel(
      {
        cell: "gru",
        hiddenSize: 4,
        bidirectional: true,
        input: { kind: "embedding", vocabSize: tokenizer.size, embeddingSize: 3 },
      },
      { seed: 2 },
    );
    expect(() => LoadedModel.fromBytes(modelCheckpoint(model, tokenizer))).toThrow(
      /^the checkpoint's model is bidirectional: generation and these views read text left to right/,
    );
  });

  it("a language model's run refuses it: runModelConfig and the worker's text config", () => {
    const model = {
      cell: "lstm" as const,
      activation: "tanh" as const,
      straightThrough: false,
      skip: 0,
      hiddenSize: 8,
      layers: 1,
      dtype: "float32" as const,
      embedding: 4,
      bidirectional: true,
    };
    expect(() => runModelConfig({ model }, 10)).toThrow(/^model\.bidirectional: a language model cannot be/);
    expect(() => resolveTrainingConfig({ data: { text: "abc ".repeat(100) }, model })).toThrow(
      /^config\.model\.bidirectional: a language model cannot be bidirectional: its reverse direction reads the very token it must predict/,
    );
  });
});
