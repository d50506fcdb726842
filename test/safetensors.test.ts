import { describe, expect, it } from "vitest";
import { FormatError } from "../src/errors.js";
import { decodeSafetensors, encodeSafetensors } from "../src/io/safetensors.js";
import { Tensor } from "../src/tensor.js";

/** A safetensors file from a header given as JSON text or an object, with its length field set to
 *  the header's length unless `declaredLength` says otherwise. */
function rawFile(header: object | string, data: number[] = [], declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

function headerOf(bytes: Uint8Array): { length: number; json: Record<string, unknown> } {
  const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  return { length, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) };
}

const f32 = (values: number[], shape = [values.length]) => new Tensor(new Float32Array(values), shape);
const f64 = (values: number[], shape = [values.length]) => new Tensor(new Float64Array(values), shape);
const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

describe("encodeSafetensors", () => {
  it("encodeSafetensors({x: [1, -2] f32}) lays out the length field, the space-padded JSON and the data", () => {
    const bytes = encodeSafetensors({ x: f32([1, -2]) });
    const json = '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(json.length).toBe(54);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([56, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(bytes.subarray(8, 64))).toBe(`${json}  `);
    expect(Array.from(bytes.subarray(64))).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
  });

  it("encodeSafetensors(tensors) stores F64 before F32, each sorted by name, data starting at a multiple of 8", () => {
    const bytes = encodeSafetensors({ b: f32([1]), a: f32([2, 3]), z: f64([4]) }, { note: "hi" });
    const { length, json } = headerOf(bytes);
    expect(length % 8).toBe(0);
    expect(Object.keys(json)).toEqual(["__metadata__", "z", "a", "b"]);
    expect(json.z).toEqual(entry("F64", [1], [0, 8]));
    expect(json.a).toEqual(entry("F32", [2], [8, 16]));
    expect(json.b).toEqual(entry("F32", [1], [16, 20]));
    expect(json.__metadata__).toEqual({ note: "hi" });
  });

  it("encodeSafetensors({__metadata__: t}) throws a FormatError: the name is reserved", () => {
    expect(() => encodeSafetensors({ __metadata__: f32([1]) })).toThrow(/reserves/);
  });
});

describe("decodeSafetensors", () => {
  it("decodeSafetensors(encodeSafetensors(f32, f64, metadata)) gives back the same values, dtypes and metadata", () => {
    const tensors = {
      "layer.weight": f32([0.1, -2.5, 3e-8, 7, 0, -0], [2, 3]),
      "layer.bias": f64([Math.PI, -1e300, 5e-324]),
      empty: f32([], [0, 4]),
    };
    const metadata = { format: "test", note: "ünïcödé ✓" };
    const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata));
    expect(decoded.metadata).toEqual(metadata);
    for (const [name, tensor] of Object.entries(tensors)) {
      expect(decoded.tensors[name].shape).toEqual(tensor.shape);
      expect(decoded.tensors[name].data).toEqual(tensor.data);
    }
    expect(decoded.tensors["layer.bias"].data).toBeInstanceOf(Float64Array);
    expect(Object.is(decoded.tensors["layer.weight"].data[5], -0)).toBe(true);
  });

  it("decodeSafetensors(bytes, {dtype}) converts every tensor to the requested dtype", () => {
    const bytes = encodeSafetensors({ a: f32([1.5]), b: f64([1 / 3]) });
    const as64 = decodeSafetensors(bytes, { dtype: "float64" }).tensors;
    expect(as64.a.data).toEqual(new Float64Array([1.5]));
    const as32 = decodeSafetensors(bytes, { dtype: "float32" }).tensors;
    expect(as32.b.data).toEqual(new Float32Array([1 / 3]));
  });

  it("decodeSafetensors(file without __metadata__) gives empty metadata", () => {
    expect(decodeSafetensors(encodeSafetensors({ a: f32([1]) })).metadata).toEqual({});
  });

  it("decodeSafetensors(F16 data) reads known half-precision values as float32", () => {
    const halves = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x7c00, 0xfc00, 0x8000, 0x7e00];
    const data = halves.flatMap((h) => [h & 0xff, h >> 8]);
    const file = rawFile({ h: entry("F16", [9], [0, 18]) }, data);
    const values = Array.from(decodeSafetensors(file).tensors.h.data);
    expect(values.slice(0, 7)).toEqual([1, -2, 65504, 2 ** -24, 0.333251953125, Infinity, -Infinity]);
    expect(Object.is(values[7], -0)).toBe(true);
    expect(values[8]).toBeNaN();
    expect(decodeSafetensors(file).tensors.h.data).toBeInstanceOf(Float32Array);
  });

  it("decodeSafetensors(BF16 data) reads known bfloat16 values as float32", () => {
    const words = [0x3f80, 0xc040, 0x4049, 0x7f80, 0x0001];
    const data = words.flatMap((w) => [w & 0xff, w >> 8]);
    const file = rawFile({ b: entry("BF16", [5], [0, 10]) }, data);
    const values = Array.from(decodeSafetensors(file).tensors.b.data);
    expect(values).toEqual([1, -3, 3.140625, Infinity, 2 ** -133]);
  });

  it("decodeSafetensors(bytes at an odd offset of a larger buffer) reads them and copies the data out", () => {
    const file = encodeSafetensors({ a: f64([1.25, -8]), b: f32([3]) });
    const host = new Uint8Array(file.length + 3);
    host.set(file, 3);
    const decoded = decodeSafetensors(host.subarray(3));
    expect(Array.from(decoded.tensors.a.data)).toEqual([1.25, -8]);
    host.fill(0);
    expect(Array.from(decoded.tensors.a.data)).toEqual([1.25, -8]);
    expect(Array.from(decoded.tensors.b.data)).toEqual([3]);
  });
});

describe("decodeSafetensors on a corrupt file", () => {
  const valid = encodeSafetensors({ a: f32([1, 2, 3]), b: f64([4, 5]) }, { k: "v" });
  const twelve = Array.from({ length: 12 }, (_, i) => i);

  it("decodeSafetensors(every truncation of a valid file) throws a FormatError saying truncated", () => {
    for (let cut = 0; cut < valid.length; cut++) {
      expect(() => decodeSafetensors(valid.subarray(0, cut)), `cut at ${cut}`).toThrow(FormatError);
      expect(() => decodeSafetensors(valid.subarray(0, cut)), `cut at ${cut}`).toThrow(/truncated/);
    }
  });

  it("decodeSafetensors(5 bytes) throws: shorter than the length field", () => {
    expect(() => decodeSafetensors(new Uint8Array(5))).toThrow(/5 bytes, fewer than the 8/);
  });

  it("decodeSafetensors(header length beyond the file) throws 'truncated: header says N bytes but the file has M'", () => {
    expect(() => decodeSafetensors(rawFile("{}", [], 100n))).toThrow(
      /truncated.*header says 100 bytes but the file has 10/,
    );
  });

  it("decodeSafetensors(header length 2^40) throws without allocating it", () => {
    expect(() => decodeSafetensors(rawFile("{}", [], 2n ** 40n))).toThrow(/header says 1099511627776 bytes/);
    expect(() => decodeSafetensors(rawFile("{}", [], 2n ** 64n - 1n))).toThrow(/truncated/);
  });

  it("decodeSafetensors(a flipped header byte) throws a FormatError", () => {
    const notJson = valid.slice();
    notJson[8] ^= 0x01; // the opening brace
    expect(() => decodeSafetensors(notJson)).toThrow(/not JSON/);
    const wrongShape = valid.slice();
    const at = new TextDecoder().decode(valid).indexOf('"shape":[3]') + '"shape":['.length;
    wrongShape[at] = "4".charCodeAt(0);
    expect(() => decodeSafetensors(wrongShape)).toThrow(
      /tensor 'a' spans 12 bytes but shape \[4\] of F32 needs 16/,
    );
  });

  it("decodeSafetensors(header not UTF-8, not an object) throws naming the problem", () => {
    const badUtf8 = rawFile("{}");
    badUtf8[9] = 0xff;
    expect(() => decodeSafetensors(badUtf8)).toThrow(/not valid UTF-8/);
    expect(() => decodeSafetensors(rawFile("[1, 2]"))).toThrow(/not a JSON object/);
    expect(() => decodeSafetensors(rawFile("null"))).toThrow(/not a JSON object/);
    expect(() => decodeSafetensors(rawFile({ a: 5 }))).toThrow(/entry 'a' is not an object/);
  });

  it("decodeSafetensors(unknown or unsupported dtype) throws naming the dtype and what is read", () => {
    for (const dtype of ["I64", "Q8", "toString"]) {
      const file = rawFile({ a: entry(dtype, [1], [0, 8]) }, [0, 0, 0, 0, 0, 0, 0, 0]);
      expect(() => decodeSafetensors(file)).toThrow(
        new RegExp(`dtype "${dtype}"; rnnlab reads F32, F64, F16`),
      );
    }
  });

  it("decodeSafetensors(shape not an array of non-negative integers) throws", () => {
    for (const shape of [[-1], [1.5], "3", [null], null]) {
      const file = rawFile({ a: entry("F32", shape, [0, 4]) }, [0, 0, 0, 0]);
      expect(() => decodeSafetensors(file)).toThrow(/shape must be an array of non-negative integers/);
    }
  });

  it("decodeSafetensors(malformed data_offsets) throws 'truncated or corrupt'", () => {
    for (const offsets of [[4, 0], [0], [0, -4], "0,4", [0, 4.5]]) {
      const file = rawFile({ a: entry("F32", [1], offsets) }, [0, 0, 0, 0]);
      expect(() => decodeSafetensors(file)).toThrow(/truncated or corrupt: tensor 'a' data_offsets must be/);
    }
  });

  it("decodeSafetensors(data_offsets past the data section) throws 'truncated or corrupt'", () => {
    const file = rawFile({ a: entry("F32", [4], [0, 16]) }, twelve);
    expect(() => decodeSafetensors(file)).toThrow(
      /truncated or corrupt: tensor 'a' .* run past the end of the 12-byte/,
    );
  });

  it("decodeSafetensors(overlapping data_offsets) throws naming both tensors", () => {
    const file = rawFile({ a: entry("F32", [2], [0, 8]), b: entry("F32", [2], [4, 12]) }, twelve);
    expect(() => decodeSafetensors(file)).toThrow(/truncated or corrupt: tensor 'b' .*overlaps tensor 'a'/);
  });

  it("decodeSafetensors(a gap or trailing bytes in the data section) throws 'truncated or corrupt'", () => {
    const gap = rawFile({ a: entry("F32", [1], [0, 4]), b: entry("F32", [1], [8, 12]) }, twelve);
    expect(() => decodeSafetensors(gap)).toThrow(/data bytes 4\.\.8 belong to no tensor/);
    const trailing = rawFile({ a: entry("F32", [2], [0, 8]) }, twelve);
    expect(() => decodeSafetensors(trailing)).toThrow(/tensors cover 8 bytes but the data section has 12/);
  });

  it("decodeSafetensors(byte size != product(shape) * itemsize) throws", () => {
    const file = rawFile({ a: entry("F64", [2], [0, 12]) }, twelve);
    expect(() => decodeSafetensors(file)).toThrow(
      /tensor 'a' spans 12 bytes but shape \[2\] of F64 needs 16/,
    );
  });

  it("decodeSafetensors(metadata not an object of strings) throws", () => {
    expect(() => decodeSafetensors(rawFile({ __metadata__: { step: 3 } }))).toThrow(
      /metadata 'step' is 3, but values must be strings/,
    );
    expect(() => decodeSafetensors(rawFile({ __metadata__: [] }))).toThrow(/__metadata__ is not an object/);
  });
});
