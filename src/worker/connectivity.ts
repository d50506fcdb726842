import { ConfigError } from "../errors.js";
import { SequenceModel } from "../model/sequence-model.js";
import { alloc, type Buf } from "../tensor.js";

// Connectivity (RNNbow, Cashman et al. 2018; Madsen, "Visualizing memorization in RNNs", Distill
// 2019): how much the prediction at step t depends on the input at each earlier step s, measured as
// ‖∂L_t/∂x_s‖, where L_t = −log p(token_{t+1} | token_0..token_t) and x_s is the first layer's input
// vector at s: the embedding row E[token_s], or the one-hot vector e_{token_s}.
//
// The model's own backward does not hand out ∂L/∂x_s for tokens (it adds the rows of dx straight
// into dE, or drops them for one-hot), so the same network is read as a model of dense inputs: a
// twin whose parameters are the token model's flat buffer without the embedding table (which comes
// first in it), shared, not copied. Fed x_s = E[token_s] (or e_{token_s}) it computes the same
// logits, and its backward returns dx_s = dA_s W_ih (dA_s the gradient of the first layer's gate
// pre-activations at s), which is ∂L_t/∂x_s. One backward from the single loss at t gives every s.

export class InputSensitivity {
  private readonly twin: SequenceModel;
  private readonly width: number;

  constructor(private readonly model: SequenceModel) {
    const { config } = model;
    if (config.input.kind === "dense" || config.outputSize === 0 || config.loss !== "cross-entropy") {
      throw new ConfigError("connectivity needs a token model with a cross-entropy readout");
    }
    const input = config.input;
    this.width = input.kind === "embedding" ? input.embeddingSize : input.vocabSize;
    const table = input.kind === "embedding" ? input.vocabSize * input.embeddingSize : 0;
    const data = model.params.data.subarray(table);
    this.twin = new SequenceModel(
      { ...config, input: { kind: "dense", size: this.width } },
      { params: { data, grad: alloc(config.dtype, data.length) } },
    );
    this.twin.eval(); // the trained function, without dropout
  }

  /** ∂L_t/∂x_s for s = 0..t, rows [(t+1)×I] (a buffer the next call overwrites). */
  gradients(tokens: Int32Array, t: number): Buf {
    if (!Number.isInteger(t) || t < 0 || t + 1 >= tokens.length) {
      throw new ConfigError(
        `the position must be an integer in [0, ${tokens.length - 2}] (a next token to predict), got ${t}`,
      );
    }
    const T = t + 1;
    const I = this.width;
    const x = alloc(this.model.config.dtype, T * I);
    const input = this.model.config.input;
    const table = input.kind === "embedding" ? this.model.params.value(this.model.input.embeddingName) : null;
    for (let s = 0; s < T; s++) {
      const token = tokens[s];
      if (table) x.set(table.subarray(token * I, (token + 1) * I), s * I);
      else x[s * I + token] = 1;
    }
    // One target, at t: the mean loss over the counted positions is L_t itself.
    const classes = new Int32Array(T).fill(-1);
    classes[t] = tokens[t + 1];
    const { inputGrad } = this.twin.lossAndGrad({ T, B: 1, inputs: x }, { classes });
    return inputGrad as Buf;
  }

  /** ‖∂L_t/∂x_s‖ (Euclidean) for s = 0..t. */
  norms(tokens: Int32Array, t: number): Float64Array {
    const grad = this.gradients(tokens, t);
    const I = this.width;
    return Float64Array.from({ length: t + 1 }, (_, s) => {
      let sum = 0;
      for (let j = 0; j < I; j++) sum += grad[s * I + j] ** 2;
      return Math.sqrt(sum);
    });
  }
}
