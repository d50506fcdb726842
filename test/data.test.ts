import { describe, expect, it } from "vitest";
import { decodeCorpus, splitTrainVal, unigramLoss } from "../src/data/corpus.js";
import { Tokenizer, UNKNOWN } from "../src/data/tokenizer.js";
import { emptyBatch, sampleWindows, sequentialBatches } from "../src/data/windows.js";
import { FormatError } from "../src/errors.js";
import { Rng } from "../src/random.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("Tokenizer", () => {
  it("Tokenizer.fromText('char') has <unk> then the sorted characters, and round-trips its text", () => {
    const t = Tokenizer.fromText("char", "hello, world");
    expect(t.vocab).toEqual([UNKNOWN, " ", ",", "d", "e", "h", "l", "o", "r", "w"]);
    expect(t.decode(t.encode("hello, world"))).toBe("hello, world");
  });

  it("encode() maps characters it has not seen to <unk> (0)", () => {
    const t = Tokenizer.fromText("char", "abab");
    expect(Array.from(t.encode("abz"))).toEqual([1, 2, 0]);
    expect(t.decode([1, 0])).toBe("a\uFFFD");
  });

  it("Tokenizer.fromText('word', text, maxVocab) keeps the most frequent words and joins punctuation back", () => {
    const t = Tokenizer.fromText("word", "the cat, the dog.\nthe end, a cat", 5);
    expect(t.vocab).toEqual([UNKNOWN, "the", ",", "cat", "\n"]);
    expect(t.decode(t.encode("the cat, the cat"))).toBe("the cat, the cat");
    expect(Array.from(t.encode("the bird"))).toEqual([1, 0]);
  });

  it("Tokenizer.fromJSON(t.toJSON()) is the same tokenizer; a malformed one is a FormatError", () => {
    const t = Tokenizer.fromText("word", "to be or not to be");
    const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(t)));
    expect(Array.from(back.encode("not to be"))).toEqual(Array.from(t.encode("not to be")));
    expect(() => Tokenizer.fromJSON({ kind: "bytes", vocab: [] })).toThrow(FormatError);
    expect(() => Tokenizer.fromJSON({ kind: "char", vocab: ["a", "a"] })).toThrow(/lists "a" twice/);
  });

  it("a vocabulary without <unk> (an imported model's) encodes its own tokens and rejects others in one line", () => {
    const t = Tokenizer.fromJSON({ kind: "char", vocab: ["a", "b", "\n"] });
    expect(t.unknown).toBe(-1);
    expect(Array.from(t.encode("ab\na"))).toEqual([0, 1, 2, 0]);
    expect(t.decode([0, 1, 2])).toBe("ab\n");
    expect(() => t.encode("abc")).toThrow(/holds "c", which the vocabulary lacks/);
  });
});

describe("decodeCorpus(bytes, name)", () => {
  it("decodes UTF-8 text", () => {
    expect(decodeCorpus(bytes("żółw\n"), "x")).toBe("żółw\n");
  });
  it.each([
    [new Uint8Array(0), /x is empty/],
    [bytes("   \n "), /only whitespace/],
    [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]), /looks binary/],
    [new Uint8Array([0x68, 0xc3, 0x28]), /not valid UTF-8/],
  ])("rejects %s with one clear FormatError", (input, message) => {
    expect(() => decodeCorpus(input, "x")).toThrow(FormatError);
    expect(() => decodeCorpus(input, "x")).toThrow(message);
  });
});

describe("windows and splits", () => {
  const stream = Int32Array.from({ length: 100 }, (_, i) => i);

  it("sampleWindows() writes next-token pairs, time-major", () => {
    const batch = sampleWindows(stream, new Rng(1), emptyBatch(5, 3));
    for (let b = 0; b < 3; b++) {
      const start = batch.tokens[b];
      for (let t = 0; t < 5; t++) {
        expect(batch.tokens[t * 3 + b]).toBe(start + t);
        expect(batch.classes[t * 3 + b]).toBe(start + t + 1);
      }
    }
  });

  it("sequentialBatches() covers the stream in order without overlap", () => {
    const batches = sequentialBatches(stream, 10, 4);
    expect(batches.map((b) => b.B)).toEqual([4, 4, 1]);
    expect(Array.from(batches[1].tokens.subarray(0, 4))).toEqual([40, 50, 60, 70]);
  });

  it("a sequence length longer than the data is a ConfigError naming both", () => {
    expect(() => sampleWindows(stream.subarray(0, 5), new Rng(1), emptyBatch(10, 1))).toThrow(
      /sequence length 10 is longer than the training data \(5 tokens\)/,
    );
  });

  it("splitTrainVal() keeps the last fraction for validation; unigramLoss() is the unigram entropy", () => {
    const { train, val } = splitTrainVal(stream, 0.1);
    expect([train.length, val.length, val[0]]).toEqual([90, 10, 90]);
    expect(unigramLoss(Int32Array.from([0, 1, 0, 1]), 2)).toBeCloseTo(Math.log(2), 15);
    expect(unigramLoss(Int32Array.from([2, 2, 2]), 3)).toBe(0);
  });
});
