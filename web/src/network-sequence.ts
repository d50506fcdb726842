// The input sequence of the network view as a person types it: bits ("1101"), pairs of bits, one a
// step ("11 00 10" or "110010"), or digits ("1201"). The URL carries it without spaces.

export type SequenceFormat = "bits" | "pairs" | "digits";

/** The longest sequence the graph draws. */
export const MAX_STEPS = 24;

const hints: Record<SequenceFormat, string> = {
  bits: "type bits, one a step: 1101",
  pairs: "type pairs of bits (m1 m2), one a step: 11 00 10",
  digits: "type digits 0–9, one a step: 1201",
};

/** Inputs x_1..x_T; throws a one-line Error saying what to type. */
export function parseSequence(text: string, format: SequenceFormat): number[][] {
  const compact = text.replace(/\s+/g, "");
  if (compact === "") throw new Error(`the sequence is empty: ${hints[format]}`);
  const valid = format === "digits" ? /^[0-9]+$/ : /^[01]+$/;
  if (!valid.test(compact) || (format === "pairs" && compact.length % 2 !== 0))
    throw new Error(hints[format]);
  const width = format === "pairs" ? 2 : 1;
  const steps = compact.length / width;
  if (steps > MAX_STEPS) throw new Error(`at most ${MAX_STEPS} steps, not ${steps}`);
  return Array.from({ length: steps }, (_, t) => [...compact.slice(t * width, (t + 1) * width)].map(Number));
}

/** The sequence as the field shows it: "1101", "11 00 10", "1201". */
export function sequenceText(inputs: readonly (readonly number[])[], format: SequenceFormat): string {
  return inputs.map((x) => x.join("")).join(format === "pairs" ? " " : "");
}
