// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
// unsigned header length N, N bytes of UTF-8 JSON
//   { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ...,
//     "__metadata__": { "<key>": "<string>" } }
// then the raw little-endian tensor data; data_offsets count from the start of the data section.

import { FormatError } from "../errors.js";
import { alloc, type Buf, type DType, shapeSize, Tensor } from "../tensor.js";
import { utf8Decode, utf8Encode } from "../utf8.js";

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

export interface DecodeSafetensorsOptions {
  /** Convert every tensor to this dtype. By default F64 reads as float64; F32, F16 and BF16 as float32. */
  dtype?: DType;
}

const METADATA_KEY = "__metadata__";
const ITEM_SIZE = { F64: 8, F32: 4, F16: 2, BF16: 2 } as const;
type StoredDType = keyof typeof ITEM_SIZE;

interface Entry {
  name: string;
  dtype: StoredDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Writes F64 tensors first, then F32, each group sorted by name (as the reference implementation
 *  orders them), so every tensor starts at a multiple of its item size. The header is padded with
 *  spaces so the data section starts at a multiple of 8. `__metadata__` is written when given. */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  if (Object.hasOwn(tensors, METADATA_KEY)) {
    throw new FormatError(`a tensor cannot be named ${METADATA_KEY}: safetensors reserves that key`);
  }
  checkMetadata(metadata ?? {});
  const names = storageOrder(tensors);
  const header: Record<string, unknown> = metadata === undefined ? {} : { [METADATA_KEY]: metadata };
  let dataLength = 0;
  for (const name of names) {
    const { data, shape } = tensors[name];
    const end = dataLength + data.byteLength;
    header[name] = { dtype: storedDType(data), shape: [...shape], data_offsets: [dataLength, end] };
    dataLength = end;
  }
  const json = utf8Encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength + dataLength);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) at = writeData(view, at, tensors[name].data);
  return bytes;
}

/** Reads F32, F64, F16 and BF16 tensors (copied out, never aliasing `bytes`) and the metadata, after
 *  checking the whole layout; any defect throws a FormatError that names it. */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions = {},
): SafetensorsFile {
  const { header, dataStart } = readHeader(bytes);
  const metadata = readMetadata(header[METADATA_KEY]);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, value]) => readEntry(name, value));
  checkCoverage(entries, bytes.length - dataStart);
  const tensors = Object.fromEntries(
    entries.map((entry) => [entry.name, readTensor(bytes, dataStart, entry, options.dtype)]),
  );
  return { tensors, metadata };
}

function storedDType(data: Buf): StoredDType {
  return data instanceof Float64Array ? "F64" : "F32";
}

function storageOrder(tensors: Record<string, Tensor>): string[] {
  const itemSize = (name: string) => tensors[name].data.BYTES_PER_ELEMENT;
  return Object.keys(tensors).sort((a, b) => itemSize(b) - itemSize(a) || (a < b ? -1 : a > b ? 1 : 0));
}

function writeData(view: DataView, at: number, data: Buf): number {
  if (data instanceof Float64Array) {
    for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i], true);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
  }
  return at + data.byteLength;
}

function readHeader(bytes: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) {
    throw new FormatError(
      `truncated or not a safetensors file: ${bytes.length} bytes, fewer than the 8 of the header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) {
    throw new FormatError(
      `truncated or not a safetensors file: header says ${declared} bytes but the file has ${bytes.length} (${bytes.length - 8} after the length field)`,
    );
  }
  const dataStart = 8 + Number(declared);
  const header = parseHeaderJson(bytes.subarray(8, dataStart));
  return { header, dataStart };
}

function parseHeaderJson(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = utf8Decode(headerBytes);
  } catch {
    throw new FormatError("corrupt safetensors header: not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`corrupt safetensors header: not JSON (${(error as Error).message})`);
  }
  if (!isRecord(header)) throw new FormatError("corrupt safetensors header: not a JSON object");
  return header;
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new FormatError(`corrupt safetensors header: ${METADATA_KEY} is not an object`);
  checkMetadata(value);
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

function checkMetadata(metadata: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      throw new FormatError(
        `safetensors metadata '${key}' is ${describe(value)}, but values must be strings`,
      );
    }
  }
}

function readEntry(name: string, value: unknown): Entry {
  if (!isRecord(value)) throw new FormatError(`corrupt safetensors header: entry '${name}' is not an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== "string" || !Object.hasOwn(ITEM_SIZE, dtype)) {
    throw new FormatError(
      `tensor '${name}' has unknown or unsupported dtype ${describe(dtype)}; rnnlab reads F32, F64, F16 and BF16`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw new FormatError(
      `tensor '${name}': shape must be an array of non-negative integers, got ${describe(shape)}`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every(isNonNegativeInteger) ||
    offsets[0] > offsets[1]
  ) {
    throw new FormatError(
      `truncated or corrupt: tensor '${name}' data_offsets must be [begin, end] with 0 <= begin <= end, got ${describe(offsets)}`,
    );
  }
  const entry: Entry = { name, dtype: dtype as StoredDType, shape, begin: offsets[0], end: offsets[1] };
  const needed = shapeSize(shape) * ITEM_SIZE[entry.dtype];
  if (entry.end - entry.begin !== needed) {
    throw new FormatError(
      `corrupt safetensors header: tensor '${name}' spans ${entry.end - entry.begin} bytes but shape [${shape}] of ${dtype} needs ${needed}`,
    );
  }
  return entry;
}

/** The tensors must tile the data section exactly: no gap, no overlap, nothing past its end. */
function checkCoverage(entries: Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const entry of sorted) {
    const span = `data_offsets [${entry.begin}, ${entry.end}]`;
    if (entry.end > dataLength) {
      throw new FormatError(
        `truncated or corrupt: tensor '${entry.name}' ${span} run past the end of the ${dataLength}-byte data section`,
      );
    }
    if (previous !== undefined && entry.begin < covered) {
      throw new FormatError(
        `truncated or corrupt: tensor '${entry.name}' ${span} overlaps tensor '${previous.name}' [${previous.begin}, ${previous.end}]`,
      );
    }
    if (entry.begin > covered) {
      throw new FormatError(
        `truncated or corrupt: data bytes ${covered}..${entry.begin} belong to no tensor`,
      );
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) {
    throw new FormatError(
      `truncated or corrupt: the tensors cover ${covered} bytes but the data section has ${dataLength}`,
    );
  }
}

const READERS: Record<StoredDType, (view: DataView, i: number) => number> = {
  F64: (view, i) => view.getFloat64(8 * i, true),
  F32: (view, i) => view.getFloat32(4 * i, true),
  F16: (view, i) => halfToNumber(view.getUint16(2 * i, true)),
  BF16: (view, i) => bfloat16ToNumber(view.getUint16(2 * i, true)),
};

function readTensor(bytes: Uint8Array, dataStart: number, entry: Entry, target?: DType): Tensor {
  const view = new DataView(
    bytes.buffer,
    bytes.byteOffset + dataStart + entry.begin,
    entry.end - entry.begin,
  );
  const data = alloc(target ?? (entry.dtype === "F64" ? "float64" : "float32"), shapeSize(entry.shape));
  const read = READERS[entry.dtype];
  for (let i = 0; i < data.length; i++) data[i] = read(view, i);
  return new Tensor(data, entry.shape);
}

/** IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const bfloat16Scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 is the upper half of a float32. */
function bfloat16ToNumber(bits: number): number {
  bfloat16Scratch.setUint32(0, bits << 16);
  return bfloat16Scratch.getFloat32(0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
