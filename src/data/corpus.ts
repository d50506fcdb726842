import { ConfigError, FormatError } from "../errors.js";
import { utf8Decode } from "../utf8.js";

/** Decodes a training text: UTF-8 (a BOM is dropped), not empty, not binary. */
export function decodeCorpus(bytes: Uint8Array, name: string): string {
  if (bytes.length === 0)
    throw new FormatError(`${name} is empty: give a UTF-8 text file with some text in it`);
  if (bytes.includes(0))
    throw new FormatError(`${name} looks binary (it contains NUL bytes): give a UTF-8 text file`);
  let text: string;
  try {
    text = utf8Decode(bytes);
  } catch {
    throw new FormatError(`${name} is not valid UTF-8 text (binary?): give a UTF-8 text file`);
  }
  if (text.trim().length === 0)
    throw new FormatError(`${name} holds only whitespace: give a file with some text in it`);
  return text;
}

/** Contiguous split: the first (1 − valFraction) of the tokens to train on, the rest to validate. */
export function splitTrainVal(
  tokens: Int32Array,
  valFraction: number,
): { train: Int32Array; val: Int32Array } {
  if (!(valFraction > 0 && valFraction < 1))
    throw new ConfigError(`the validation fraction must be in (0, 1), got ${valFraction}`);
  const cut = Math.round(tokens.length * (1 - valFraction));
  return { train: tokens.subarray(0, cut), val: tokens.subarray(cut) };
}

/** Cross-entropy of `tokens` under their own unigram frequencies (nats per token): the loss of
 *  the best model that ignores context, the baseline any sequence model should beat. */
export function unigramLoss(tokens: Int32Array, vocabSize: number): number {
  const counts = new Float64Array(vocabSize);
  for (const t of tokens) counts[t]++;
  let loss = 0;
  for (const c of counts) if (c > 0) loss -= (c / tokens.length) * Math.log(c / tokens.length);
  return loss;
}
