import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, type SafetensorsFile } from "../src/io/safetensors.js";
import { shapeSize, Tensor } from "../src/tensor.js";
import {
  flipBit,
  fuzzOptions,
  fuzzRuns,
  fuzzTimeout,
  loadOrRefuse,
  newStats,
  statsLine,
} from "./helpers/fuzz.js";

// Property tests of decodeSafetensors (issue 14): valid files from random tensors and metadata,
// then mutated (bit flips, bytes set, cuts, insertions, length fields, header edits), and random
// bytes. Every input is read correctly or refused with the library's own error, one line, in time;
// none hangs or throws a foreign error; and with the checksum, no single flipped bit is accepted
// unless what the file decodes to is unchanged.

const RUNS = fuzzRuns(12_000);
const stats = newStats();
afterAll(() => console.log(statsLine("fuzz-safetensors", stats)));

const NAMES = [
  "w",
  "rnn.weight_ih_l0",
  "__proto__",
  "constructor",
  "toString",
  "optimizer.exp_avg",
  "é✓",
  "",
];
const nameArb = fc
  .oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 10 }))
  .filter((n) => n !== "__metadata__");
const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const tensorArb = fc
  .tuple(fc.boolean(), shapeArb, fc.array(fc.double(), { minLength: 1, maxLength: 8 }))
  .map(([f64, shape, values]) => {
    const n = shapeSize(shape);
    const data = f64 ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = values[i % values.length];
    return new Tensor(data, shape);
  });
const tensorsArb = fc
  .uniqueArray(fc.tuple(nameArb, tensorArb), { maxLength: 4, selector: ([name]) => name })
  .map((entries) => Object.fromEntries(entries) as Record<string, Tensor>);
const metadataArb = fc
  .uniqueArray(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 12 })), {
    maxLength: 3,
    selector: ([key]) => key,
  })
  .map((entries) => Object.fromEntries(entries.filter(([key]) => key !== "crc32c")));
/** A valid file, with or without metadata and checksum. */
const fileArb = fc
  .tuple(tensorsArb, fc.option(metadataArb), fc.boolean())
  .map(([tensors, metadata, checksum]) => ({
    bytes: encodeSafetensors(tensors, metadata ?? undefined, { checksum }),
    checksum,
  }));

/** Same names, dtypes, shapes and bytes, and the same metadata. */
function sameFile(a: SafetensorsFile, b: SafetensorsFile): boolean {
  const names = Object.keys(a.tensors).sort();
  if (names.join("\u0000") !== Object.keys(b.tensors).sort().join("\u0000")) return false;
  for (const name of names) {
    const [x, y] = [a.tensors[name], b.tensors[name]];
    if (x.dtype !== y.dtype || x.shape.join() !== y.shape.join()) return false;
    const [bx, by] = [new Uint8Array(x.data.buffer), new Uint8Array(y.data.buffer)];
    if (bx.length !== by.length || bx.some((v, i) => v !== by[i])) return false;
  }
  return (
    JSON.stringify(Object.entries(a.metadata).sort()) === JSON.stringify(Object.entries(b.metadata).sort())
  );
}

/** Every accepted file is self-consistent: each tensor holds as many values as its shape says. */
function wellFormed(file: SafetensorsFile): void {
  for (const [name, tensor] of Object.entries(file.tensors)) {
    expect(tensor.data.length, name).toBe(shapeSize(tensor.shape));
  }
  for (const value of Object.values(file.metadata)) expect(typeof value).toBe("string");
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const show = (bytes: Uint8Array) =>
  `${bytes.length} bytes: ${Buffer.from(bytes.subarray(0, 48)).toString("hex")}…`;

describe("decodeSafetensors under fuzzing", () => {
  it(
    "one flipped bit of a checksummed file is refused, or the file decodes to what it held",
    () => {
      const checked = fileArb.filter((f) => f.checksum);
      const arb = checked.chain((f) =>
        fc.tuple(fc.constant(f.bytes), fc.nat({ max: f.bytes.length * 8 - 1 })),
      );
      fc.assert(
        fc.property(arb, ([bytes, bit]) => {
          const flipped = flipBit(bytes, bit);
          const read = loadOrRefuse(
            stats,
            () => `bit ${bit} of ${show(bytes)}`,
            () => decodeSafetensors(flipped),
          );
          if (read === null) return;
          const original = decodeSafetensors(bytes);
          // The one flip that leaves a valid file: the checksum's key itself, renamed; then the
          // file reads as one without a checksum, with that key as ordinary metadata.
          const renamed = Object.keys(read.metadata).filter((key) => !(key in original.metadata));
          if (renamed.length === 1) {
            expect(renamed[0]).toHaveLength("crc32c".length);
            delete read.metadata[renamed[0]];
          }
          expect(sameFile(read, original), `bit ${bit}`).toBe(true);
        }),
        fuzzOptions(RUNS, 0.35),
      );
    },
    fuzzTimeout(RUNS),
  );

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ maxLength: 16 }),
    }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ kind: fc.constant("length" as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
    const at = "at" in m && bytes.length > 0 ? m.at % bytes.length : 0;
    switch (m.kind) {
      case "flip":
        return bytes.length === 0 ? bytes : flipBit(bytes, at * 8 + m.bit);
      case "set": {
        const out = bytes.slice();
        if (out.length > 0) out[at] = m.value;
        return out;
      }
      case "cut":
        return bytes.slice(0, at);
      case "insert":
        return Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
      case "delete":
        return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + m.count)]);
      case "length": {
        const out = bytes.length >= 8 ? bytes.slice() : new Uint8Array(8);
        new DataView(out.buffer).setBigUint64(0, m.value, true);
        return out;
      }
    }
  }

  it(
    "a file after 1 to 6 random mutations is read self-consistently or refused",
    () => {
      fc.assert(
        fc.property(fileArb, fc.array(mutation, { minLength: 1, maxLength: 6 }), (file, mutations) => {
          const bytes = mutations.reduce(mutate, file.bytes);
          const read = loadOrRefuse(
            stats,
            () => JSON.stringify(mutations, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
            () => decodeSafetensors(bytes),
          );
          if (read !== null) wellFormed(read);
        }),
        fuzzOptions(RUNS, 0.25),
      );
    },
    fuzzTimeout(RUNS),
  );

  /** Header edits: a field of an entry, an entry, or __metadata__ set to some JSON value. */
  const oddValue = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(
      -1,
      1.5,
      2 ** 53,
      2 ** 64,
      1e308,
      "F32",
      "F64",
      "F16",
      "BF16",
      "I64",
      [0, 2 ** 53],
      [4, 2],
      [[1]],
    ),
  );
  const editArb = fc.record({
    target: fc.oneof(nameArb, fc.constant("__metadata__")),
    field: fc.constantFrom("dtype", "shape", "data_offsets", "crc32c", null),
    value: oddValue,
    length: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { freq: 4 }),
  });

  it(
    "a file whose header JSON was edited is read or refused; with its checksum kept, read unchanged",
    () => {
      fc.assert(
        fc.property(fileArb, editArb, (file, edit) => {
          const length = Number(new DataView(file.bytes.buffer).getBigUint64(0, true));
          const header = JSON.parse(new TextDecoder().decode(file.bytes.subarray(8, 8 + length)));
          if (edit.field === null) header[edit.target] = edit.value;
          else if (typeof header[edit.target] === "object" && header[edit.target] !== null)
            header[edit.target][edit.field] = edit.value;
          else header[edit.target] = { [edit.field]: edit.value };
          const json = new TextEncoder().encode(JSON.stringify(header));
          const data = file.bytes.subarray(8 + length);
          const bytes = new Uint8Array(8 + json.length + data.length);
          new DataView(bytes.buffer).setBigUint64(0, edit.length ?? BigInt(json.length), true);
          bytes.set(json, 8);
          bytes.set(data, 8 + json.length);
          const read = loadOrRefuse(
            stats,
            () => JSON.stringify(edit, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
            () => decodeSafetensors(bytes),
          );
          if (read === null) return;
          wellFormed(read);
          // As the file holds it (fast-check's objects may inherit keys JSON.stringify leaves out).
          const written = JSON.parse(new TextDecoder().decode(json));
          const metadata = Object.hasOwn(written, "__metadata__") ? written.__metadata__ : null;
          const kept =
            isObject(metadata) && Object.hasOwn(metadata, "crc32c") && typeof metadata.crc32c === "string";
          if (file.checksum && kept) expect(sameFile(read, decodeSafetensors(file.bytes))).toBe(true);
        }),
        fuzzOptions(RUNS, 0.25),
      );
    },
    fuzzTimeout(RUNS),
  );

  it(
    "random bytes, and a length field before random JSON, are read or refused",
    () => {
      const plausible = fc
        .tuple(fc.json({ maxDepth: 4 }), fc.uint8Array({ maxLength: 32 }))
        .map(([json, tail]) => {
          const text = new TextEncoder().encode(json);
          const bytes = new Uint8Array(8 + text.length + tail.length);
          new DataView(bytes.buffer).setBigUint64(0, BigInt(text.length), true);
          bytes.set(text, 8);
          bytes.set(tail, 8 + text.length);
          return bytes;
        });
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), plausible), (bytes) => {
          const read = loadOrRefuse(
            stats,
            () => show(bytes),
            () => decodeSafetensors(bytes),
          );
          if (read !== null) wellFormed(read);
        }),
        fuzzOptions(RUNS, 0.15),
      );
    },
    fuzzTimeout(RUNS),
  );
});
