import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint } from "../src/io/checkpoint.js";
import { fromCheckpoint } from "../src/io/model-checkpoint.js";
import { Tokenizer } from "../src/data/tokenizer.js";
import { LoadedModel } from "../src/worker/inference.js";
import { rnnlab as cli } from "./helpers/cli.js";

// A checkpoint loaded in a worker to look inside (rnnlab/worker's load, generate, activations),
// against the CLI's `rnnlab sample` and the model's own forward pass.

const scratch = mkdtempSync(join(tmpdir(), "rnnlab-inference-"));
const checkpoint = join(scratch, "run", "checkpoint.safetensors");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeAll(() => {
  const flags = ["--steps", "8", "--hidden", "12", "--layers", "2", "--seq-len", "16", "--batch", "4"];
  const result = cli(["train", ...flags, "--threads", "1", "--out", join(scratch, "run"), "--force"]);
  if (result.status !== 0) throw new Error(result.stderr);
}, 60_000);

describe("LoadedModel.fromBytes(checkpoint)", () => {
  it("generate() prints what rnnlab sample prints", () => {
    const loaded = LoadedModel.fromBytes(readFileSync(checkpoint));
    expect(loaded.info()).toMatchObject({
      cell: "lstm",
      hiddenSize: 12,
      layers: 2,
      tokenizer: "char",
      step: 8,
    });
    const options = { prime: "ROMEO:", length: 60, temperature: 0.7, topK: 5, seed: 9 };
    const flags = [
      "--prime",
      "ROMEO:",
      "--length",
      "60",
      "--temperature",
      "0.7",
      "--top-k",
      "5",
      "--seed",
      "9",
    ];
    const sampled = cli(["sample", checkpoint, ...flags]);
    expect(sampled.status).toBe(0);
    expect(loaded.generate(options)).toBe(sampled.stdout.slice(0, -1));
  });

  it("activations(text) are each layer's h_t after each character, as the model's forward pass gives", () => {
    const bytes = readFileSync(checkpoint);
    const loaded = LoadedModel.fromBytes(bytes);
    const text = "To be, or not";
    const top = loaded.activations(text);
    const bottom = loaded.activations(text, 0);
    expect(top.tokens).toEqual([...text]);
    expect(top.states).toHaveLength(text.length * 12);
    const ckpt = decodeCheckpoint(bytes);
    const { model } = fromCheckpoint(ckpt);
    const tokens = Tokenizer.fromJSON(ckpt.extra?.tokenizer).encode(text);
    model.forward({ T: tokens.length, B: 1, tokens });
    expect(Array.from(top.states)).toEqual(Array.from(model.stack.hiddenStates(1).subarray(12)));
    expect(Array.from(bottom.states)).toEqual(Array.from(model.stack.hiddenStates(0).subarray(12)));
    expect(() => loaded.activations(text, 2)).toThrow(/^layer must be an integer in \[0, 1\], got 2$/);
  });

  it.each([
    [
      "a truncated file",
      (bytes: Uint8Array) => bytes.subarray(0, 100),
      /^.*(truncated|shorter|bytes|header)/,
    ],
    [
      "a checkpoint without a tokenizer",
      (bytes: Uint8Array) => encodeCheckpoint({ ...decodeCheckpoint(bytes), extra: {} }),
      /^the checkpoint has no tokenizer, so it cannot read text/,
    ],
  ])("refuses %s with one line", (_, spoil, message) => {
    const spoiled = spoil(readFileSync(checkpoint));
    expect(() => LoadedModel.fromBytes(spoiled)).toThrow(message);
  });

  it("refuses an empty prime and bad sampling options with one line each", () => {
    const loaded = LoadedModel.fromBytes(readFileSync(checkpoint));
    const options = { prime: "a", length: 5, temperature: 1, topK: 0, seed: 1 };
    expect(() => loaded.generate({ ...options, prime: "" })).toThrow(/^give a non-empty text$/);
    expect(() => loaded.generate({ ...options, temperature: 0 })).toThrow(/^temperature must be > 0, got 0$/);
    expect(() => loaded.generate({ ...options, topK: -1 })).toThrow(/^top-k must be an integer >= 0/);
    expect(() => loaded.generate({ ...options, topP: 0 })).toThrow(/^top-p must be in \(0, 1\], got 0$/);
  });
});
