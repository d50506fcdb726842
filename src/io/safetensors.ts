// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
// unsigned header length N, N bytes of UTF-8 JSON
//   { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ...,
//     "__metadata__": { "<key>": "<string>" } }
// then the raw little-endian tensor data; data_offsets count from the start of the data section.
// Reading evaluates nothing from the file: the header goes through JSON.parse (data, never code)
// into records with no prototype, and every length, offset and shape is checked against the file's
// size before anything is allocated.

import { FormatError } from "../errors.js";
import { alloc, type Buf, type DType, shapeSize, Tensor } from "../tensor.js";
import { utf8Decode, utf8Encode } from "../utf8.js";
import { withPrintableErrors } from "./printable.js";
import { CHECKSUM_KEY, checksumValue, type StoredTensor, verifyChecksums } from "./safetensors-checksum.js";

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

export interface EncodeSafetensorsOptions {
  /** Store a CRC-32C of every tensor and of the metadata under `__metadata__.crc32c`, checked on
   *  reading (safetensors-checksum.ts); default false. */
  checksum?: boolean;
}

/** The largest header read: 100 MB, the cap of the reference implementation (MAX_HEADER_SIZE),
 *  far above a header of thousands of tensors, and never more than the file holds. */
export const MAX_HEADER_BYTES = 100_000_000;
/** The header is {name: {dtype, shape: [...], data_offsets: [...]}, "__metadata__": {...}}: three
 *  levels; deeper JSON is refused before parsing, so nothing recurses over a crafted nest. */
const MAX_HEADER_DEPTH = 8;

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
 *  spaces so the data section starts at a multiple of 8. `__metadata__` is written when given, or
 *  when `options.checksum` adds the checksum to it. */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
  options: EncodeSafetensorsOptions = {},
): Uint8Array {
  if (Object.hasOwn(tensors, METADATA_KEY)) {
    throw new FormatError(`a tensor cannot be named ${METADATA_KEY}: safetensors reserves that key`);
  }
  checkMetadata(metadata ?? {});
  if (options.checksum && metadata !== undefined && Object.hasOwn(metadata, CHECKSUM_KEY)) {
    throw new FormatError(`metadata key '${CHECKSUM_KEY}' is the checksum's: use another key`);
  }
  const names = storageOrder(tensors);
  // No prototype: a tensor named __proto__ is an ordinary key here too.
  const entries: Record<string, unknown> = Object.create(null);
  const stored: StoredTensor[] = [];
  const data = new Uint8Array(names.reduce((sum, name) => sum + tensors[name].data.byteLength, 0));
  const view = new DataView(data.buffer);
  let at = 0;
  for (const name of names) {
    const { data: values, shape } = tensors[name];
    const end = writeData(view, at, values);
    const dtype = storedDType(values);
    entries[name] = { dtype, shape: [...shape], data_offsets: [at, end] };
    stored.push({ name, dtype, shape, bytes: data.subarray(at, end) });
    at = end;
  }
  const withSum = options.checksum
    ? { ...metadata, [CHECKSUM_KEY]: checksumValue(stored, metadata ?? {}) }
    : metadata;
  const header = withSum === undefined ? entries : { [METADATA_KEY]: withSum, ...entries };
  const json = utf8Encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);
  bytes.set(data, 8 + headerLength);
  return bytes;
}

/** Reads F32, F64, F16 and BF16 tensors (copied out, never aliasing `bytes`) and the metadata, after
 *  checking the whole layout and, when the file has one, its checksum; any defect throws a
 *  FormatError that names it. Both records have no prototype: a tensor named `__proto__` or
 *  `constructor` is an ordinary key. The checksum entry is checked and left out of `metadata`. */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions = {},
): SafetensorsFile {
  return withPrintableErrors(() => readFile(bytes, options));
}

/** The metadata alone (the header checked, tensors and checksum not): enough to tell what a file
 *  is before decoding it (which then checks everything). */
export function decodeSafetensorsMetadata(bytes: Uint8Array): Record<string, string> {
  return withPrintableErrors(() => readMetadata(readHeader(bytes).header[METADATA_KEY]));
}

function readFile(bytes: Uint8Array, options: DecodeSafetensorsOptions): SafetensorsFile {
  const { header, dataStart } = readHeader(bytes);
  const metadata = readMetadata(header[METADATA_KEY]);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, value]) => readEntry(name, value));
  checkCoverage(entries, bytes.length - dataStart);
  const stored = entries.map(({ name, dtype, shape, begin, end }) => ({
    name,
    dtype,
    shape,
    bytes: bytes.subarray(dataStart + begin, dataStart + end),
  }));
  verifyChecksums(stored, metadata);
  delete metadata[CHECKSUM_KEY];
  const tensors: Record<string, Tensor> = Object.create(null);
  for (const entry of entries) tensors[entry.name] = readTensor(bytes, dataStart, entry, options.dtype);
  return { tensors, metadata };
}

function storedDType(data: Buf): StoredDType {
  return data instanceof Float64Array ? "F64" : "F32";
}

function storageOrder(tensors: Record<string, Tensor>): string[] {
  const itemSize = (name: string) => tensors[name].data.BYTES_PER_ELEMENT;
  return Object.keys(tensors).sort((a, b) => itemSize(b) - itemSize(a) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Writes `data` little-endian at byte `at` of `view`; returns the byte after it. */
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
  if (declared > BigInt(MAX_HEADER_BYTES) && declared <= BigInt(bytes.length - 8)) {
    throw new FormatError(
      `corrupt or unsupported safetensors file: its header says ${declared} bytes, more than the ${MAX_HEADER_BYTES} rnnlab reads`,
    );
  }
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
  checkNesting(text);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`corrupt safetensors header: not JSON (${(error as Error).message})`);
  }
  if (!isRecord(header)) throw new FormatError("corrupt safetensors header: not a JSON object");
  return header;
}

/** Refuses JSON nested deeper than MAX_HEADER_DEPTH, counting brackets outside strings. */
function checkNesting(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character.
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_HEADER_DEPTH) {
        throw new FormatError(
          `corrupt safetensors header: JSON nested deeper than ${MAX_HEADER_DEPTH} levels (a header has 3)`,
        );
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

function readMetadata(value: unknown): Record<string, string> {
  const metadata: Record<string, string> = Object.create(null);
  if (value === undefined) return metadata;
  if (!isRecord(value)) throw new FormatError(`corrupt safetensors header: ${METADATA_KEY} is not an object`);
  checkMetadata(value);
  for (const [key, text] of Object.entries(value)) metadata[key] = text as string;
  return metadata;
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
