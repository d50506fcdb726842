import { type Buf, type InputConfig, type Rng, SequenceModel } from "../../src/index.js";

/** The first layer's input x [tokens.length × width] for `input`, as the library's input layer builds
 *  it: read from a one-layer model of width 1 (an embedding table initialized as the library does,
 *  from `rng`). The buffer belongs to that model. */
export function libraryInputs(input: InputConfig, tokens: Int32Array, rng?: Rng): Buf {
  const model = new SequenceModel(
    {
      cell: "rnn",
      activation: "tanh",
      straightThrough: false,
      skip: 0,
      hiddenSize: 1,
      layers: 1,
      input,
      outputSize: 0,
      loss: "mse",
      dtype: "float32",
    },
    rng ? { rng } : {},
  );
  return model.input.forward(model.params, tokens.length, tokens, null);
}

/** Fraction of non-zero entries. */
export function nonZeroFraction(x: ArrayLike<number>): number {
  let nonZero = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) nonZero++;
  return nonZero / x.length;
}
