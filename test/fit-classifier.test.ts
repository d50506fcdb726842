import { describe, expect, it } from "vitest";
import { SequenceClassifier } from "../src/fit/classifier.js";
import type { InputConfig } from "../src/model/config.js";
import type { Batch } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { maxAbsOf, numericGradient, randomBuffer, relativeError } from "./helpers/gradcheck.js";

// The classifier head on the last valid step (and, bidirectional, the reverse direction's step 1)
// against float64 central differences: every parameter of the model and the head, and the dense
// input, on a padded batch.

const T = 4;
const B = 3;
const lengths = Int32Array.from([T, 2, 3]);
const labels = Int32Array.from([2, 0, 1]);
const inputs: InputConfig[] = [
  { kind: "dense", size: 2 },
  { kind: "embedding", vocabSize: 5, embeddingSize: 2 },
];
const cases = inputs.flatMap((input) =>
  (["lstm", "gru"] as const).flatMap((cell) =>
    [false, true].map((bidirectional) => ({ input, cell, bidirectional })),
  ),
);

function build(input: InputConfig, cell: "lstm" | "gru", bidirectional: boolean) {
  const classifier = new SequenceClassifier(
    { cell, hiddenSize: 3, layers: 2, bidirectional, input, dtype: "float64" },
    3,
    { seed: 5 },
  );
  const rng = new Rng(7);
  const batch: Batch = { T, B, lengths };
  if (input.kind === "dense") batch.inputs = randomBuffer(T * B * input.size, () => rng.normal());
  else batch.tokens = Int32Array.from({ length: T * B }, () => rng.int(5));
  const loss = () => {
    classifier.forward(batch);
    return classifier.loss(labels);
  };
  return { classifier, batch, loss };
}

describe("SequenceClassifier", () => {
  it.each(cases)(
    "$input.kind $cell bidirectional=$bidirectional: gradients match finite differences",
    ({ input, cell, bidirectional }) => {
      const { classifier, batch, loss } = build(input, cell, bidirectional);
      classifier.lossAndGrad(batch, labels);
      const analytic = classifier.params.grad.slice();
      const numeric = numericGradient(loss, classifier.params.data);
      expect(relativeError(analytic, numeric)).toBeLessThan(1e-6);
      expect(maxAbsOf(classifier.params.gradOf("head.weight"))).toBeGreaterThan(1e-3);
      expect(maxAbsOf(classifier.model.params.grad)).toBeGreaterThan(1e-4);
    },
  );

  it("reads the last valid step: padding past a row's length changes nothing", () => {
    const { classifier, batch } = build(inputs[0], "gru", true);
    const before = classifier.forward(batch).slice();
    const x = batch.inputs as Float64Array;
    for (let b = 0; b < B; b++)
      for (let t = lengths[b]; t < T; t++) x.fill(9, (t * B + b) * 2, (t * B + b + 1) * 2);
    expect(Array.from(classifier.forward(batch))).toEqual(Array.from(before));
  });

  it("puts the head after the model's parameters in one flat buffer", () => {
    const { classifier } = build(inputs[0], "lstm", false);
    const names = classifier.params.names;
    expect(names.slice(-2)).toEqual(["head.weight", "head.bias"]);
    expect(classifier.params.shape("head.weight")).toEqual([3, 3]);
    expect(classifier.model.params.data.buffer).toBe(classifier.params.data.buffer);
  });

  it("rejects a readout of its own and fewer than 2 classes", () => {
    const input = inputs[0];
    expect(() => new SequenceClassifier({ cell: "gru", hiddenSize: 2, input, outputSize: 3 }, 2)).toThrow(
      /outputSize/,
    );
    expect(() => new SequenceClassifier({ cell: "gru", hiddenSize: 2, input }, 1)).toThrow(
      /at least 2 classes/,
    );
  });
});
