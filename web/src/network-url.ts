import { cloneWired, type WiredNet } from "../../lab/wired/net.js";
import { applyEdits, encodeEdits } from "./network-params.js";
import { DEFAULT_PRESET, presets } from "./network-presets.js";
import { parseSequence, sequenceText } from "./network-sequence.js";

// The network view's state in the URL, so a link reproduces an edited network and reload restores it:
// ?view=network&preset=q5b-seed&w=l0-bias-0-0:0.5&input=110010&n=6. Only what differs from the preset
// is written; a malformed value is reported and replaced by the preset's.

export interface NetworkSetup {
  preset: string;
  net: WiredNet;
  /** The input sequence as the field shows it. */
  sequence: string;
  /** The exhaustive check's longest input. */
  maxLength: number;
}

/** Up to 8: a check of 4^1 + … + 4^8 sequences takes well under 100 ms, 4^10 several hundred. */
export const MAX_LENGTH = { min: 1, max: 8, default: 6 } as const;

/** The preset as it comes, with its example sequence. */
export function presetSetup(preset: string, maxLength: number = MAX_LENGTH.default): NetworkSetup {
  return { preset, net: presets[preset].net(), sequence: presets[preset].example, maxLength };
}

/** The setup a query names, and one message per value that could not be read (then the preset's is used). */
export function setupFromQuery(search: string): { setup: NetworkSetup; problems: string[] } {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  let preset = params.get("preset") ?? DEFAULT_PRESET;
  if (!(preset in presets)) {
    problems.push(`preset: no network "${preset}", showing ${DEFAULT_PRESET}`);
    preset = DEFAULT_PRESET;
  }
  const setup = presetSetup(preset);
  const n = params.get("n");
  if (n !== null) {
    const value = Number(n);
    if (Number.isInteger(value) && value >= MAX_LENGTH.min && value <= MAX_LENGTH.max)
      setup.maxLength = value;
    else problems.push(`n: expected an integer from ${MAX_LENGTH.min} to ${MAX_LENGTH.max}, not "${n}"`);
  }
  const edits = params.get("w");
  if (edits !== null) {
    const net = cloneWired(setup.net);
    try {
      applyEdits(net, edits);
      setup.net = net;
    } catch (error) {
      problems.push(`w: ${(error as Error).message}; showing the preset's weights`);
    }
  }
  const input = params.get("input");
  if (input !== null) {
    const format = presets[preset].check.format;
    try {
      setup.sequence = sequenceText(parseSequence(input, format), format);
    } catch (error) {
      problems.push(`input: ${(error as Error).message}; showing ${setup.sequence}`);
    }
  }
  return { setup, problems };
}

const compact = (text: string) => text.replace(/\s+/g, "");

/** The query for a setup: the preset, then only what differs from it. ":" and "," stay readable. */
export function queryOf(setup: NetworkSetup): string {
  const preset = presets[setup.preset];
  let query = `?view=network&preset=${setup.preset}`;
  const edits = encodeEdits(preset.net(), setup.net);
  if (edits !== "") query += `&w=${encodeURIComponent(edits).replace(/%3A/g, ":").replace(/%2C/g, ",")}`;
  if (compact(setup.sequence) !== compact(preset.example))
    query += `&input=${encodeURIComponent(compact(setup.sequence))}`;
  if (setup.maxLength !== MAX_LENGTH.default) query += `&n=${setup.maxLength}`;
  return query;
}
