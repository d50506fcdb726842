import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type Checkpoint, decodeCheckpoint } from "../src/io/checkpoint.js";
import { fromCheckpoint } from "../src/io/model-checkpoint.js";
import { encodeSafetensors } from "../src/io/safetensors.js";
import { Tensor } from "../src/tensor.js";
import {
  flipBit,
  fuzzOptions,
  fuzzRuns,
  fuzzTimeout,
  loadOrRefuse,
  newStats,
  statsLine,
} from "./helpers/fuzz.js";
import { type EditableFile, edited, textCheckpoint } from "./helpers/text-checkpoint.js";

// Property tests of decodeCheckpoint (issue 14) on a checkpoint as `rnnlab train` writes it: every
// single flipped bit, JSON edits of its metadata (config, run config, tokenizer, optimizer, steps),
// tensor edits (names, shapes, values) and random mutations of a file without a checksum. Every
// input is read or refused with the library's own error, one line, in time; what is read is
// usable: the model rebuilds and gives a finite loss. With the checksum, no flipped bit is accepted.

const RUNS = fuzzRuns(10_000);
const stats = newStats();
afterAll(() => console.log(statsLine("fuzz-checkpoint", stats)));

const valid = textCheckpoint();
const original = decodeCheckpoint(valid);
const legacy = edited(valid, () => {}, false);

/** A read checkpoint is usable: finite, rebuilt with its optimizer, and a forward pass gives a finite loss. */
function usable(ckpt: Checkpoint): void {
  for (const [name, tensor] of Object.entries(ckpt.params)) {
    expect(tensor.data.every(Number.isFinite), name).toBe(true);
  }
  const state = fromCheckpoint(ckpt);
  const V = ckpt.config.outputSize;
  const tokens = Int32Array.from({ length: 6 }, (_, i) => i % V);
  const { loss } = state.model.lossAndGrad({ T: 3, B: 2, tokens }, { classes: tokens });
  expect(Number.isFinite(loss)).toBe(true);
}

/** Same parameters, step, generator, optimizer and extra as the file rnnlab wrote. */
function unchanged(ckpt: Checkpoint): void {
  expect(ckpt.config).toEqual(original.config);
  expect(ckpt.params).toEqual(original.params);
  expect([ckpt.step, ckpt.rngState]).toEqual([original.step, original.rngState]);
  expect(ckpt.optimizer).toEqual(original.optimizer);
  expect(ckpt.extra).toEqual(original.extra);
}

describe("decodeCheckpoint under fuzzing", () => {
  it(
    "every flipped bit of a checkpoint rnnlab wrote is refused, or it reads unchanged",
    () => {
      fc.assert(
        fc.property(fc.nat({ max: valid.length * 8 - 1 }), (bit) => {
          const read = loadOrRefuse(
            stats,
            () => `bit ${bit}`,
            () => decodeCheckpoint(flipBit(valid, bit)),
          );
          if (read !== null) unchanged(read);
        }),
        fuzzOptions(RUNS, 0.4),
      );
    },
    fuzzTimeout(RUNS),
  );

  /** A path into the parsed metadata: which JSON field, then keys and indices chosen by number. */
  const oddValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(0, -5, -1, 1.5, 2 ** 32, 1e8, 2 ** 53, null, "bogus", "", [], {}, "onehot", "NaN"),
  );
  const metadataEdit = fc.record({
    field: fc.constantFrom("config", "extra", "optimizer", "rng_state", "step"),
    path: fc.array(fc.nat({ max: 40 }), { minLength: 0, maxLength: 4 }),
    value: oddValue,
  });

  function setAt(root: unknown, path: number[], value: unknown): unknown {
    if (path.length === 0 || typeof root !== "object" || root === null) return value;
    const node = root as Record<string, unknown>;
    const keys = Object.keys(node);
    if (keys.length === 0) return root;
    const key = keys[path[0] % keys.length];
    node[key] = setAt(node[key], path.slice(1), value);
    return root;
  }

  it(
    "a checkpoint whose metadata JSON was edited (checksum renewed) is refused or usable",
    () => {
      fc.assert(
        fc.property(metadataEdit, (edit) => {
          const bytes = edited(valid, (file: EditableFile) => {
            if (edit.field === "extra")
              file.extra = setAt(file.extra, edit.path, edit.value) as Record<string, unknown>;
            else if (edit.field === "step") file.metadata.step = String(edit.value);
            else {
              const parsed = setAt(JSON.parse(file.metadata[edit.field]), edit.path, edit.value);
              file.metadata[edit.field] = JSON.stringify(parsed) ?? "";
            }
          });
          const read = loadOrRefuse(
            stats,
            () => JSON.stringify(edit),
            () => {
              const ckpt = decodeCheckpoint(bytes);
              fromCheckpoint(ckpt); // a refusal here too must be the library's own error
              return ckpt;
            },
          );
          if (read !== null) usable(read);
        }),
        fuzzOptions(RUNS, 0.3),
      );
    },
    fuzzTimeout(RUNS),
  );

  const names = [...Object.keys(original.params), "optimizer.exp_avg", "optimizer.exp_avg_sq"];
  const tensorEdit = fc.record({
    name: fc.oneof(
      fc.constantFrom(
        ...names,
        "__proto__",
        "constructor",
        "toString",
        "optimizer.__proto__",
        "rnn.weight_ih_l1",
      ),
      fc.string({ maxLength: 8 }),
    ),
    action: fc.constantFrom("remove", "reshape", "value", "add"),
    shape: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 2 }),
    index: fc.nat(),
    value: fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 3.4e38, -0)),
  });

  it(
    "a checkpoint whose tensors were removed, reshaped, changed or added is refused or usable",
    () => {
      fc.assert(
        fc.property(tensorEdit, (edit) => {
          const bytes = edited(valid, ({ tensors }) => {
            const old = Object.hasOwn(tensors, edit.name) ? tensors[edit.name] : undefined;
            const size = edit.shape.reduce((a, b) => a * b, 1);
            if (edit.action === "remove") delete tensors[edit.name];
            else if (edit.action === "value" && old !== undefined && old.data.length > 0) {
              const data = Float32Array.from(old.data);
              data[edit.index % data.length] = edit.value;
              tensors[edit.name] = new Tensor(data, old.shape);
            } else {
              const data = new Float32Array(size).fill(edit.value);
              Object.defineProperty(tensors, edit.name, {
                value: new Tensor(data, edit.shape),
                enumerable: true,
                configurable: true,
                writable: true,
              });
            }
          });
          const read = loadOrRefuse(
            stats,
            () => JSON.stringify(edit),
            () => decodeCheckpoint(bytes),
          );
          if (read !== null) usable(read);
          expect(Object.getPrototypeOf({})).toBe(Object.prototype);
        }),
        fuzzOptions(RUNS, 0.2),
      );
    },
    fuzzTimeout(RUNS),
  );

  it(
    "a checkpoint without a checksum, after random byte changes, is refused or usable",
    () => {
      const change = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });
      fc.assert(
        fc.property(fc.array(change, { minLength: 1, maxLength: 4 }), (changes) => {
          const bytes = legacy.slice();
          for (const { at, value } of changes) bytes[at % bytes.length] = value;
          const read = loadOrRefuse(
            stats,
            () => JSON.stringify(changes),
            () => decodeCheckpoint(bytes),
          );
          if (read !== null) usable(read);
        }),
        fuzzOptions(RUNS, 0.1),
      );
    },
    fuzzTimeout(RUNS),
  );

  it("a plain safetensors file of random tensors is refused as no checkpoint", () => {
    const plain = encodeSafetensors({ w: Tensor.zeros([2]) }, { format: "pt" });
    expect(() => decodeCheckpoint(plain)).toThrow(/not an rnnlab checkpoint/);
  });
});
