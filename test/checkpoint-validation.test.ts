import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { INTEGER_LIMITS } from "../cli/train/limits.js";
import { FormatError } from "../src/errors.js";
import { decodeCheckpoint, encodeCheckpoint } from "../src/io/checkpoint.js";
import { fromCheckpoint, toCheckpoint } from "../src/io/model-checkpoint.js";
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES } from "../src/io/safetensors.js";
import { importTorchStateDict } from "../src/io/torch-import.js";
import { Tensor } from "../src/tensor.js";
import { RUN_CONFIG_LIMITS } from "../src/train/run-config.js";
import { rnnlab } from "./helpers/cli.js";
import { type EditableFile, edited, TEXT, textCheckpoint } from "./helpers/text-checkpoint.js";

// Issue 14: stored state is validated on the way in (run config, tokenizer, finite numbers, steps,
// tensor names, sizes), and a checkpoint rnnlab writes carries CRC-32C checksums checked on load.

const valid = textCheckpoint();
const refuse = (bytes: Uint8Array, message: RegExp) => {
  expect(() => decodeCheckpoint(bytes)).toThrow(FormatError);
  expect(() => decodeCheckpoint(bytes)).toThrow(message);
};
const train = (file: EditableFile) => file.extra.train as Record<string, unknown>;

describe("a checkpoint's stored run config goes through the run-config schema", () => {
  it.each<[string, (t: Record<string, unknown>) => void, RegExp]>([
    ["seqLen: 0", (t) => (t.seqLen = 0), /extra\.train\.seqLen: expected a positive integer, got 0/],
    ["seqLen: -5", (t) => (t.seqLen = -5), /extra\.train\.seqLen: expected a positive integer, got -5/],
    ["model: null", (t) => (t.model = null), /extra\.train\.model: expected an object, got null/],
    ["feed.kind: bogus", (t) => (t.feed = { kind: "bogus" }), /extra\.train\.feed\.kind: expected one of/],
    ["evalEvery: 0", (t) => (t.evalEvery = 0), /extra\.train\.evalEvery: expected a positive integer/],
    [
      "2^32 layers",
      (t) => (t.model = { ...(t.model as object), layers: 2 ** 32 }),
      /extra\.train\.model\.layers: expected an integer from 1 to 64, got 4294967296/,
    ],
    [
      "hidden 1e8",
      (t) => (t.model = { ...(t.model as object), hiddenSize: 1e8 }),
      /extra\.train\.model\.hiddenSize: expected an integer from 1 to 4096/,
    ],
    [
      "a model other than the checkpoint's",
      (t) => (t.model = { ...(t.model as object), hiddenSize: 7 }),
      /extra\.train\.model\.hiddenSize is 7 but the model's config has 6/,
    ],
  ])("%s is refused with one line naming the field", (_, change, message) => {
    const bytes = edited(valid, (file) => change(train(file)));
    refuse(bytes, message);
    expect(() => decodeCheckpoint(bytes)).not.toThrow(/\n/);
  });

  it("a worker's open-ended run (steps and minutes null) loads", () => {
    const bytes = edited(valid, (file) => {
      train(file).steps = null;
    });
    const extra = decodeCheckpoint(bytes).extra as { train: { steps: unknown } };
    expect(extra.train.steps).toBeNull();
  });

  it("the run config's bounds are the ones `rnnlab train` gives its flags", () => {
    const flags: Record<keyof typeof RUN_CONFIG_LIMITS, string> = {
      hiddenSize: "--hidden",
      layers: "--layers",
      embedding: "--embedding",
      skip: "--skip",
      projSize: "--proj-size",
      maxVocab: "--max-vocab",
      oracle: "--oracle",
      seqLen: "--seq-len",
      batch: "--batch",
      prefix: "--prefix",
      steps: "--steps",
      evalEvery: "--eval-every",
      valBatches: "--val-batches",
      sampleLength: "--sample-length",
    };
    for (const [field, flag] of Object.entries(flags)) {
      expect(INTEGER_LIMITS[flag]?.[1], flag).toBe(RUN_CONFIG_LIMITS[field as keyof typeof flags]);
    }
  });
});

describe("the tokenizer, the numbers, the steps and the names must agree with the model", () => {
  it("a tokenizer shorter than the vocabulary is refused", () => {
    const bytes = edited(valid, (file) => {
      const tokenizer = file.extra.tokenizer as { vocab: string[] };
      tokenizer.vocab = tokenizer.vocab.slice(0, -1);
    });
    refuse(bytes, /extra\.tokenizer has \d+ tokens but the model reads \d+ tokens and predicts \d+/);
  });

  it("a tokenizer that is no tokenizer is refused", () => {
    const bytes = edited(valid, (file) => {
      file.extra.tokenizer = { kind: "char", vocab: [1, 2] };
    });
    refuse(bytes, /extra\.tokenizer is invalid: a tokenizer must be/);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    "a weight of %s is refused, naming the tensor and the index",
    (bad) => {
      const bytes = edited(valid, (file) => {
        const data = Float32Array.from(file.tensors["rnn.weight_hh_l0"].data);
        data[5] = bad;
        file.tensors["rnn.weight_hh_l0"] = new Tensor(data, file.tensors["rnn.weight_hh_l0"].shape);
      });
      refuse(bytes, new RegExp(`parameter rnn\\.weight_hh_l0 holds ${bad} at index 5`));
    },
  );

  it("import-torch refuses a PyTorch state dict with a NaN weight, naming it", () => {
    const file = readFileSync("test/fixtures/torch-state-dict/gru_L1_V13_E6_H8.safetensors");
    const { tensors } = decodeSafetensors(file);
    const key = Object.keys(tensors).find((name) => name.endsWith("weight_hh_l0")) as string;
    tensors[key].data[2] = Number.NaN;
    expect(() => importTorchStateDict(tensors)).toThrow(
      /imported parameter rnn\.weight_hh_l0 holds NaN at index 2/,
    );
  });

  it("a non-finite optimizer buffer is refused, naming it", () => {
    const bytes = edited(valid, (file) => {
      const data = Float32Array.from(file.tensors["optimizer.exp_avg_sq"].data);
      data[0] = Number.NaN;
      file.tensors["optimizer.exp_avg_sq"] = new Tensor(data, [data.length]);
    });
    refuse(bytes, /optimizer buffer exp_avg_sq holds NaN at index 0/);
  });

  it("a step that disagrees with the optimizer's is refused", () => {
    const bytes = edited(valid, (file) => {
      file.metadata.step = "7";
    });
    refuse(bytes, /checkpoint step is 7 but its optimizer has taken 2 steps/);
  });

  it.each(["__proto__", "constructor", "toString", "hasOwnProperty"])(
    "an extra tensor named %s is refused as an unknown parameter, and pollutes nothing",
    (name) => {
      const bytes = edited(valid, (file) => {
        Object.defineProperty(file.tensors, name, {
          value: Tensor.zeros([2]),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      });
      expect(decodeSafetensors(bytes).tensors[name].shape).toEqual([2]);
      refuse(bytes, new RegExp(`unknown parameter ${name}`));
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).shape).toBeUndefined();
    },
  );

  it("an unknown metadata key is refused", () => {
    const bytes = edited(valid, (file) => {
      file.metadata.note = "x";
    });
    refuse(bytes, /unknown key 'note'/);
  });

  it("a config claiming 2^32 layers is refused at once; hidden 1e8 by the shapes", () => {
    const layers = edited(valid, (file) => {
      file.metadata.config = JSON.stringify({ ...JSON.parse(file.metadata.config), layers: 2 ** 32 });
    });
    refuse(layers, /config\.layers is 4294967296, but the file holds only \d+ parameter tensors/);
    const hidden = edited(valid, (file) => {
      file.metadata.config = JSON.stringify({ ...JSON.parse(file.metadata.config), hiddenSize: 1e8 });
    });
    refuse(hidden, /has shape \[\d+,\d+\], the config needs \[300000000,\d+\]/);
  });

  it("encodeCheckpoint refuses what decodeCheckpoint would: NaN weights, steps that disagree", () => {
    const state = fromCheckpoint(decodeCheckpoint(valid));
    const ckpt = toCheckpoint(state);
    expect(() => encodeCheckpoint({ ...ckpt, step: 5 })).toThrow(/step is 5 but its optimizer has taken 2/);
    state.model.params.data[3] = Number.POSITIVE_INFINITY;
    expect(() => encodeCheckpoint(toCheckpoint(state))).toThrow(/holds Infinity at index/);
  });
});

describe("the safetensors header is bounded", () => {
  it("a header longer than MAX_HEADER_BYTES (100 MB) is refused before it is read", () => {
    const bytes = new Uint8Array(8 + MAX_HEADER_BYTES + 8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 8), true);
    expect(() => decodeSafetensors(bytes)).toThrow(/header says 100000008 bytes, more than the 100000000/);
  });

  it("a header nested deeper than a header can be is refused before JSON.parse", () => {
    const json = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const bytes = new Uint8Array(8 + json.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(new TextEncoder().encode(json), 8);
    expect(() => decodeSafetensors(bytes)).toThrow(/nested deeper than 8 levels/);
  });
});

describe("checksums", () => {
  const { metadata } = decodeSafetensors(valid);
  const names = Object.keys(decodeSafetensors(valid).tensors);

  it("a checkpoint rnnlab writes stores a crc32c entry for each tensor and the metadata", () => {
    const length = Number(new DataView(valid.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(valid.subarray(8, 8 + length)));
    const sums = JSON.parse(header.__metadata__.crc32c);
    expect(Object.keys(sums).sort()).toEqual(["__metadata__", ...names].sort());
    for (const sum of Object.values(sums)) expect(sum).toMatch(/^[0-9a-f]{8}$/);
    expect(metadata.crc32c).toBeUndefined(); // checked, then left out of what decoding returns
  });

  it("a flipped bit in each tensor's data is refused, naming that tensor", () => {
    const length = Number(new DataView(valid.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(valid.subarray(8, 8 + length)));
    for (const name of names) {
      const [begin] = header[name].data_offsets as number[];
      const bytes = valid.slice();
      bytes[8 + length + begin] ^= 0x10;
      refuse(bytes, new RegExp(`checksum mismatch in tensor '${name.replace(".", "\\.")}'`));
    }
  });

  it("a changed metadata value is refused as a checksum mismatch in the metadata", () => {
    const text = new TextDecoder().decode(valid);
    const at = text.indexOf('"step":"2"') + '"step":"'.length;
    const bytes = valid.slice();
    bytes[at] = "3".charCodeAt(0);
    refuse(bytes, /checksum mismatch in the metadata/);
  });

  it("a file without the checksum (an older rnnlab's, re-encoded) still loads", () => {
    const plain = edited(valid, () => {}, false);
    expect(new TextDecoder().decode(plain)).not.toContain("crc32c");
    const a = decodeCheckpoint(plain);
    const b = decodeCheckpoint(valid);
    expect(a.params).toEqual(b.params);
    expect(a.extra).toEqual(b.extra);
  });

  it("PyTorch's safetensors (no checksum) still decode", () => {
    const bytes = encodeSafetensors({ w: Tensor.zeros([2, 3]) }, { format: "pt" });
    expect(decodeSafetensors(bytes).metadata).toEqual({ format: "pt" });
  });
});

describe("the CLI on a tampered checkpoint: one line, exit 2", () => {
  const scratch = mkdtempSync(join(tmpdir(), "rnnlab-validation-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const text = join(scratch, "text.txt");
  writeFileSync(text, TEXT);
  const good = textCheckpoint(text);

  it("rnnlab sample on a checkpoint with one flipped data bit", () => {
    const path = join(scratch, "flipped.safetensors");
    const bytes = good.slice();
    bytes[bytes.length - 3] ^= 0x01;
    writeFileSync(path, bytes);
    const r = rnnlab(["sample", path, "--length", "5"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/flipped\.safetensors' is corrupt: .*checksum mismatch in tensor/);
  });

  it("rnnlab eval on a checkpoint whose run config has seqLen 0 (it used to hang)", () => {
    const path = join(scratch, "seqlen0.safetensors");
    writeFileSync(
      path,
      edited(good, (file) => {
        train(file).seqLen = 0;
      }),
    );
    const r = rnnlab(["eval", path]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/extra\.train\.seqLen: expected a positive integer, got 0/);
  });

  it("rnnlab eval on the untouched checkpoint runs", () => {
    const path = join(scratch, "good.safetensors");
    writeFileSync(path, good);
    const r = rnnlab(["eval", path, "--length", "4", "--count", "2", "--prefix", "2"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
