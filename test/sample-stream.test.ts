import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTrainedModel } from "../cli/checkpoint-arg.js";
import { importTorchCommand } from "../cli/commands/import-torch.js";
import { type SampleOptions, sampleCommand } from "../cli/commands/sample.js";
import { writeSamples } from "../cli/commands/sample-stream.js";
import { ChunkDecoder, Tokenizer } from "../src/data/tokenizer.js";
import { drawSteps, type SamplingOptions, TokenSampler } from "../src/eval/sampling.js";
import { type StepModel, TokenStepper } from "../src/eval/stepper.js";
import { Rng } from "../src/random.js";
import { utf8Encode } from "../src/utf8.js";

// Streamed generation: `rnnlab sample` writes what it wrote before it streamed (checked against the
// pre-streaming code, kept below), and the core keeps nothing that grows with the length.

const weights = "test/fixtures/torch-state-dict/gru_L1_V13_E6_H8.safetensors";
const dir = mkdtempSync(join(tmpdir(), "rnnlab-stream-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHARS = "aé日😀bcdefghi\n"; // 13 code points, some of 2, 3 and 4 UTF-8 bytes
const WORDS = ["the", "cat", "é", "日本", "\n", ",", ".", "it's", "(", ")", "😀", "ab", "<unk>"];
const checkpoints = { char: join(dir, "char.ckpt"), word: join(dir, "word.ckpt") };

beforeAll(() => {
  const vocab = { char: join(dir, "chars.txt"), word: join(dir, "words.json") };
  writeFileSync(vocab.char, CHARS);
  writeFileSync(vocab.word, JSON.stringify(WORDS));
  for (const kind of ["char", "word"] as const)
    importTorchCommand(weights, { out: checkpoints[kind], dtype: "float32", vocab: vocab[kind] }, () => {});
});

/** sampleSequences as it was before drawSteps: the rows allocated whole, stops checked on them. */
function sampleSequencesBefore(
  model: StepModel,
  prime: Int32Array,
  length: number,
  rngs: Rng[],
  options: SamplingOptions,
): Int32Array[] {
  const B = rngs.length;
  const stop = options.stop ?? [];
  const stepper = new TokenStepper(model, B);
  const sampler = new TokenSampler(stepper.V);
  const V = stepper.V;
  const primed = new Int32Array(prime.length * B);
  for (let t = 0; t < prime.length; t++) primed.fill(prime[t], t * B, (t + 1) * B);
  let logits = stepper.feed(primed, prime.length);
  let first = (prime.length - 1) * B;
  const out = Array.from({ length: B }, () => new Int32Array(length));
  const ends = new Int32Array(B).fill(length);
  const fed = new Int32Array(B);
  let live = B;
  const ended = (row: Int32Array, n: number) =>
    stop.some((s) => n >= s.length && s.every((token, j) => row[n - s.length + j] === token));
  for (let i = 0; i < length && live > 0; i++) {
    for (let b = 0; b < B; b++) {
      if (ends[b] <= i) continue;
      out[b][i] = fed[b] = sampler.draw(logits, (first + b) * V, rngs[b], options);
      if (ended(out[b], i + 1)) {
        ends[b] = i + 1;
        live--;
      }
    }
    if (i + 1 < length && live > 0) {
      logits = stepper.feed(fed, 1);
      first = 0;
    }
  }
  return out.map((row, b) => row.slice(0, ends[b]));
}

/** Tokenizer.decode as it was before ChunkDecoder. */
function decodeBefore(tokenizer: Tokenizer, tokens: ArrayLike<number>): string {
  const pieces = Array.from(tokens, (t) =>
    t === tokenizer.unknown ? (tokenizer.kind === "char" ? "\uFFFD" : "<unk>") : tokenizer.vocab[t],
  );
  if (tokenizer.kind === "char") return pieces.join("");
  let out = "";
  for (const piece of pieces) {
    const glue =
      out === "" || out.endsWith("\n") || piece === "\n" || /^[.,;:!?')\]]$/.test(piece) ? "" : " ";
    out += glue + piece;
  }
  return out;
}

const flags = (over: Partial<SampleOptions>): SampleOptions => ({
  prime: "a",
  length: "300",
  temperature: "0.8",
  topK: "0",
  topP: "1",
  seed: "1",
  num: "1",
  stop: [],
  ...over,
});

/** What `rnnlab sample` printed before it streamed, for these flags (stop texts without escapes). */
function printedBefore(kind: "char" | "word", o: SampleOptions): string {
  const { model, tokenizer } = loadTrainedModel(checkpoints[kind]);
  const num = Number(o.num);
  const seed = Number(o.seed);
  const rngs = Array.from({ length: num }, (_, i) => new Rng(seed + i));
  const options = {
    temperature: Number(o.temperature),
    topK: Number(o.topK),
    topP: Number(o.topP),
    stop: o.stop.map((text) => tokenizer.encode(text)),
  };
  const rows = sampleSequencesBefore(model, tokenizer.encode(o.prime), Number(o.length), rngs, options);
  let text = "";
  for (const [i, row] of rows.entries()) {
    if (num > 1) text += `--- sample ${i + 1}/${num} (seed ${seed + i}) ---\n`;
    text += `${o.prime}${decodeBefore(tokenizer, row)}\n`;
  }
  return text;
}

const combos: ["char" | "word", Partial<SampleOptions>][] = [
  ["char", {}],
  ["char", { num: "4", seed: "7", length: "700" }],
  ["char", { num: "6", stop: ["\n", "e"], topP: "0.9" }],
  ["char", { num: "3", topK: "3", temperature: "1.3", length: "1000", stop: ["b\n"] }],
  ["char", { num: "5", temperature: "0.3", topP: "0.5", seed: "4294967290" }],
  ["word", { prime: "the", length: "600" }],
  ["word", { prime: "the cat", num: "4", seed: "3" }],
  ["word", { prime: "the", num: "5", stop: ["."], topP: "0.8", temperature: "1.5" }],
  ["word", { prime: "it's", num: "3", topK: "4", stop: ["\n"], length: "700" }],
];

describe("rnnlab sample streams what it printed before", () => {
  it.each(combos)("%s %o: batched, and each sample streamed alone, print the same text", (kind, over) => {
    const o = flags(over);
    const expected = printedBefore(kind, o);
    let printed = "";
    sampleCommand(checkpoints[kind], o, (text) => {
      printed += text;
    });
    expect(printed).toBe(expected);
    const { model, tokenizer } = loadTrainedModel(checkpoints[kind]);
    const request = {
      model,
      tokenizer,
      primeText: o.prime,
      prime: tokenizer.encode(o.prime),
      length: Number(o.length),
      seed: Number(o.seed),
      num: Number(o.num),
      sampling: {
        temperature: Number(o.temperature),
        topK: Number(o.topK),
        topP: Number(o.topP),
        stop: o.stop.map((text) => tokenizer.encode(text)),
      },
    };
    let streamed = "";
    const writes: string[] = [];
    writeSamples(
      request,
      (text) => {
        streamed += text;
        writes.push(text);
      },
      0,
    );
    expect(streamed).toBe(expected);
    if (o.stop.length === 0) expect(writes.length).toBeGreaterThan(2 * request.num); // in chunks
  });

  it("a 200,000-token sample is written in chunks as it is drawn, its buffers flat", () => {
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let chars = 0;
    let writes = 0;
    sampleCommand(checkpoints.char, flags({ length: "200000" }), (text) => {
      chars += text.length;
      writes++;
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    });
    expect(chars).toBeGreaterThan(200_000); // each code point 1 or 2 UTF-16 units, prime and newline
    expect(writes).toBeGreaterThan(700); // 256 tokens a write
    // holding the tokens would take 800 kB at least
    expect(peak).toBeLessThan(200_000);
  });
});

describe("drawSteps", () => {
  it("keeps nothing of the length: a generator of 2^53 − 1 steps draws its first thousand", () => {
    const { model } = loadTrainedModel(checkpoints.char);
    const steps = drawSteps(model, Int32Array.of(1), Number.MAX_SAFE_INTEGER, [new Rng(1), new Rng(2)]);
    let n = 0;
    for (const drawn of steps) {
      expect(drawn).toHaveLength(2);
      if (++n === 1000) break;
    }
    expect(n).toBe(1000);
  });

  it("checks its options when called, before the first step", () => {
    const { model } = loadTrainedModel(checkpoints.char);
    expect(() => drawSteps(model, Int32Array.of(1), 5, [])).toThrow(/at least one generator/);
    expect(() => drawSteps(model, Int32Array.of(1), -1, [new Rng(1)])).toThrow(/length must be an integer/);
    expect(() => drawSteps(model, Int32Array.of(1), 5, [new Rng(1)], { topP: 0 })).toThrow(/top-p/);
  });

  it("an ended row yields −1 while the others go on; a stop longer than the window of the last tokens", () => {
    const { model } = loadTrainedModel(checkpoints.char);
    const rngs = Array.from({ length: 8 }, (_, i) => new Rng(i));
    const stop = [Int32Array.of(2), Int32Array.of(5, 6, 7)];
    const expected = sampleSequencesBefore(
      model,
      Int32Array.of(1),
      200,
      rngs.map((_, i) => new Rng(i)),
      { stop },
    );
    const rows: number[][] = rngs.map(() => []);
    for (const drawn of drawSteps(model, Int32Array.of(1), 200, rngs, { stop })) {
      for (const [b, token] of drawn.entries()) {
        if (token >= 0) rows[b].push(token);
        else expect(rows[b].length).toBe(expected[b].length);
      }
    }
    expect(rows).toEqual(expected.map((row) => Array.from(row)));
    expect(expected.some((row) => row.length < 200)).toBe(true);
  });
});

describe("ChunkDecoder", () => {
  const rng = new Rng(3);
  const split = (tokens: Int32Array, decoder: ChunkDecoder): string[] => {
    const texts: string[] = [];
    for (let at = 0; at < tokens.length; ) {
      const n = rng.int(6);
      texts.push(decoder.push(tokens.subarray(at, at + n)));
      at += n;
    }
    texts.push(decoder.end());
    return texts;
  };

  it.each([
    ["char", Array.from(CHARS)],
    ["word", WORDS],
    ["word", ["<unk>", "", "\n", "x\n", "a", ".", "]", "'", "b"]],
  ] as const)("%s %j: chunks at random places join to decode()", (kind, vocab) => {
    const tokenizer = new Tokenizer(kind, vocab);
    for (let trial = 0; trial < 200; trial++) {
      const tokens = Int32Array.from({ length: rng.int(40) }, () => rng.int(vocab.length));
      expect(split(tokens, new ChunkDecoder(tokenizer)).join("")).toBe(decodeBefore(tokenizer, tokens));
      expect(tokenizer.decode(tokens)).toBe(decodeBefore(tokenizer, tokens));
    }
  });

  it("a surrogate pair split across tokens is never split across chunks, so each chunk is valid UTF-8", () => {
    const tokenizer = new Tokenizer("char", ["<unk>", "\ud83d", "\ude00", "a"]);
    for (let trial = 0; trial < 200; trial++) {
      const tokens = Int32Array.from({ length: 30 }, () => 1 + rng.int(3));
      const texts = split(tokens, new ChunkDecoder(tokenizer));
      const whole = decodeBefore(tokenizer, tokens);
      expect(texts.join("")).toBe(whole);
      const bytes = texts.flatMap((text) => Array.from(utf8Encode(text)));
      expect(bytes).toEqual(Array.from(utf8Encode(whole)));
    }
  });
});
