import { ShapeError } from "../errors.js";
import { alloc, type Buf, type DType } from "../tensor.js";

/** Token sequences padded into one batch: time-major tokens [T·B] (row t·B + b), lengths [B]. */
export interface PaddedTokens {
  T: number;
  B: number;
  tokens: Int32Array;
  lengths: Int32Array;
}

/** Feature sequences padded into one batch: time-major inputs [T·B×F], lengths [B]. */
export interface PaddedInputs {
  T: number;
  B: number;
  inputs: Buf;
  width: number;
  lengths: Int32Array;
}

/** Sequences of different lengths as one time-major batch (PyTorch's pad_sequence, then the
 *  lengths that pack_padded_sequence takes): T is the longest length, and every step past a
 *  sequence's end holds `padValue`. Pass the result as a Batch: a model masks the padded steps
 *  (outputs 0 there, final state at each sequence's last step, no gradient through them).
 *  Token sequences (numbers) give `tokens`; sequences of feature vectors give `inputs` in `dtype`. */
export function padSequences(sequences: readonly (readonly number[])[], padValue?: number): PaddedTokens;
export function padSequences(
  sequences: readonly (readonly (readonly number[])[])[],
  padValue?: number,
  dtype?: DType,
): PaddedInputs;
export function padSequences(
  sequences: readonly (readonly (number | readonly number[])[])[],
  padValue = 0,
  dtype: DType = "float32",
): PaddedTokens | PaddedInputs {
  const B = sequences.length;
  if (B === 0) throw new ShapeError("padSequences needs at least one sequence");
  const lengths = Int32Array.from(sequences, (sequence) => sequence.length);
  const T = Math.max(...lengths);
  if (T === 0) throw new ShapeError("padSequences: every sequence is empty; give at least one step");
  const first = sequences.find((sequence) => sequence.length > 0)?.[0];
  if (typeof first === "number") return padTokens(sequences, T, lengths, padValue);
  return padInputs(sequences, T, lengths, padValue, dtype, (first as readonly number[]).length);
}

function padTokens(
  sequences: readonly (readonly (number | readonly number[])[])[],
  T: number,
  lengths: Int32Array,
  padValue: number,
): PaddedTokens {
  const B = sequences.length;
  if (!Number.isInteger(padValue)) throw new ShapeError(`padValue ${padValue} for tokens must be an integer`);
  const tokens = new Int32Array(T * B).fill(padValue);
  sequences.forEach((sequence, b) => {
    sequence.forEach((token, t) => {
      if (!Number.isInteger(token)) {
        throw new ShapeError(
          `sequence ${b}, step ${t}: expected a token (integer), got ${JSON.stringify(token)}`,
        );
      }
      tokens[t * B + b] = token as number;
    });
  });
  return { T, B, tokens, lengths };
}

function padInputs(
  sequences: readonly (readonly (number | readonly number[])[])[],
  T: number,
  lengths: Int32Array,
  padValue: number,
  dtype: DType,
  width: number,
): PaddedInputs {
  const B = sequences.length;
  const inputs = alloc(dtype, T * B * width).fill(padValue);
  sequences.forEach((sequence, b) => {
    sequence.forEach((step, t) => {
      if (typeof step === "number" || step.length !== width) {
        throw new ShapeError(
          `sequence ${b}, step ${t}: expected ${width} features like the first step, got ${JSON.stringify(step)}`,
        );
      }
      inputs.set(step, (t * B + b) * width);
    });
  });
  return { T, B, inputs, width, lengths };
}
