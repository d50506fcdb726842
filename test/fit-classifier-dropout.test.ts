import { describe, expect, it } from "vitest";
import { SequenceClassifier } from "../src/fit/classifier.js";
import type { Batch } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { numericGradient, randomBuffer, relativeError } from "./helpers/gradcheck.js";

// outputDropout in the classifier head: r̃ = r ⊙ M on the vector the head reads. Gradients against
// float64 central differences with the mask held (the same seed and pass draw the same mask in every
// perturbed forward), uni- and bidirectional; and evaluation mode is the identity.

const T = 4;
const B = 5;
const PASS = 3;
const lengths = Int32Array.from([T, 2, 3, 1, 4]);
const labels = Int32Array.from([2, 0, 1, 1, 0]);

function build(bidirectional: boolean, outputDropout: number) {
  const classifier = new SequenceClassifier(
    {
      cell: "gru",
      hiddenSize: 4,
      bidirectional,
      outputDropout,
      input: { kind: "dense", size: 2 },
      dtype: "float64",
    },
    3,
    { seed: 9 },
  );
  const rng = new Rng(4);
  const batch: Batch = { T, B, lengths, inputs: randomBuffer(T * B * 2, () => rng.normal()) };
  return { classifier, batch };
}

describe("SequenceClassifier outputDropout", () => {
  it.each([false, true])(
    "bidirectional=%s: gradients match finite differences with the mask held",
    (bidirectional) => {
      const { classifier, batch } = build(bidirectional, 0.5);
      const loss = () => {
        classifier.model.masks.pass = PASS;
        classifier.forward(batch);
        return classifier.loss(labels);
      };
      classifier.model.masks.pass = PASS;
      classifier.lossAndGrad(batch, labels);
      const analytic = classifier.params.grad.slice();
      const numeric = numericGradient(loss, classifier.params.data);
      expect(relativeError(analytic, numeric)).toBeLessThan(1e-6);
      // The mask drops something: the logits differ from evaluation mode's.
      classifier.model.masks.pass = PASS;
      const dropped = classifier.forward(batch).slice();
      classifier.model.eval();
      const plain = classifier.forward(batch).slice();
      expect(relativeError(dropped, plain)).toBeGreaterThan(1e-3);
    },
  );

  it("is the identity in evaluation mode", () => {
    const withDropout = build(true, 0.5).classifier;
    const { classifier: without, batch } = build(true, 0);
    withDropout.model.eval();
    without.model.eval();
    expect(Array.from(withDropout.forward(batch))).toEqual(Array.from(without.forward(batch)));
  });
});
