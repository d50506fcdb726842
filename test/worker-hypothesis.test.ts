import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoadedModel } from "../src/worker/inference.js";
import { findMatches, unitsOnInSpan } from "../src/worker/span.js";
import { rnnlab as cli } from "./helpers/cli.js";

// A loaded checkpoint's span hypotheses and connectivity (LoadedModel.hypothesis, .connectivity),
// against the pure functions on its own activations.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-hypothesis-"));
const checkpoint = join(scratch, "run", "checkpoint.safetensors");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeAll(() => {
  const flags = ["--steps", "10", "--hidden", "16", "--layers", "2", "--seq-len", "16", "--batch", "4"];
  const result = cli(["train", ...flags, "--threads", "1", "--out", join(scratch, "run"), "--force"]);
  if (result.status !== 0) throw new Error(result.stderr);
}, 60_000);

const corpus = readFileSync("data/tinyshakespeare.txt", "utf8").slice(0, 5000);
const text = "First Citizen:\nBefore we proceed any further, hear me speak.";

describe("LoadedModel.hypothesis(text, request)", () => {
  it("without a corpus, searches the text itself, leaving out the span", () => {
    const loaded = LoadedModel.fromBytes(readFileSync(checkpoint));
    const request = { layer: 1, start: 15, end: 20, threshold: 0.1, margin: 0 };
    const { states } = loaded.activations(text, 1);
    const units = unitsOnInSpan(states, 16, request);
    const result = loaded.hypothesis(text, request);
    expect(result.units).toEqual(units);
    expect(result).toMatchObject({ searched: "text", searchedTokens: text.length });
    const options = { threshold: 0.1, length: 6, limit: 8, exclude: { start: 15, end: 20 } };
    const expected = findMatches(states, 16, units, options);
    expect(result.matches.map(({ start, end }) => [start, end])).toEqual(
      expected.map(({ start, end }) => [start, end]),
    );
    for (const match of result.matches) {
      expect(match.text).toBe(text.slice(match.start, match.end + 1));
      expect(match.before).toBe(text.slice(Math.max(0, match.start - 30), match.start));
    }
  });

  it("with a corpus, searches its states, carried from one forward pass to the next", () => {
    const loaded = LoadedModel.fromBytes(readFileSync(checkpoint));
    loaded.setCorpus(corpus);
    const result = loaded.hypothesis(text, { layer: 0, start: 0, end: 4, threshold: 0.2, margin: 1 });
    expect(result).toMatchObject({ searched: "corpus", searchedTokens: 5000 });
    // The corpus is read 1024 tokens at a time: the same states as one pass over all of it.
    const chunked = (loaded as unknown as { corpusStates(layer: number): Float32Array }).corpusStates(0);
    const whole = loaded.activations(corpus, 0).states;
    expect(chunked).toHaveLength(whole.length);
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(chunked[i] - whole[i]));
    expect(worst).toBeLessThan(1e-5);
    for (const match of result.matches) expect(match.text).toBe(corpus.slice(match.start, match.end + 1));
  });

  it("refuses a span outside the text and an empty corpus with one line", () => {
    const loaded = LoadedModel.fromBytes(readFileSync(checkpoint));
    const request = { layer: 0, start: 3, end: 99, threshold: 0.3, margin: 2 };
    expect(() => loaded.hypothesis("abcdef", request)).toThrow(/^the span must be tokens start..end with/);
    expect(() => loaded.setCorpus("")).toThrow(/^the corpus has no tokens this model knows$/);
  });
});

describe("LoadedModel.connectivity(text, t)", () => {
  it("gives ‖∂L_t/∂x_s‖ for s = 0..t, finite and positive, and the token predicted", () => {
    const loaded = LoadedModel.fromBytes(readFileSync(checkpoint));
    const result = loaded.connectivity(text, 20);
    expect(result.tokens).toEqual([...text]);
    expect(result.target).toBe(text[21]);
    expect(result.norms).toHaveLength(21);
    for (const norm of result.norms) expect(Number.isFinite(norm) && norm > 0).toBe(true);
    expect(() => loaded.connectivity(text, text.length - 1)).toThrow(/^the position must be an integer in/);
  });
});
