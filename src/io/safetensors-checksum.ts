// The checksum rnnlab writes into a safetensors file's metadata (docs/checkpoint-format.md):
//   "__metadata__": { ..., "crc32c": "{\"__metadata__\":\"1a2b3c4d\",\"<tensor>\":\"5e6f7a8b\",...}" }
// one CRC-32C per tensor, over its header entry [name, dtype, shape] as JSON and then its raw
// bytes, and one over the other metadata entries, sorted by key, as JSON. Together they cover every
// byte that decides what the file decodes to, so a flipped bit anywhere in the file either makes it
// invalid or changes a checksum. A file without the key (PyTorch's, an older rnnlab's) is read unchecked.

import { FormatError } from "../errors.js";
import { crc32cHex, crc32cUpdate } from "./crc32c.js";
import { utf8Encode } from "../utf8.js";

export const CHECKSUM_KEY = "crc32c";
/** Where the metadata's own checksum sits among the tensors' (a name no tensor may have). */
const METADATA_ENTRY = "__metadata__";
const HEX = /^[0-9a-f]{8}$/;

/** A tensor as stored: name, dtype and shape from its header entry, and its bytes in the file. */
export interface StoredTensor {
  name: string;
  dtype: string;
  shape: readonly number[];
  bytes: Uint8Array;
}

export function tensorChecksum(tensor: StoredTensor): string {
  const entry = utf8Encode(JSON.stringify([tensor.name, tensor.dtype, tensor.shape]));
  return crc32cHex(crc32cUpdate(crc32cUpdate(0, entry), tensor.bytes));
}

/** Over every metadata entry but the checksum's own, in key order. */
export function metadataChecksum(metadata: Readonly<Record<string, string>>): string {
  const entries = Object.keys(metadata)
    .filter((key) => key !== CHECKSUM_KEY)
    .sort()
    .map((key) => [key, metadata[key]]);
  return crc32cHex(crc32cUpdate(0, utf8Encode(JSON.stringify(entries))));
}

/** The checksum metadata value for these tensors and metadata. */
export function checksumValue(tensors: StoredTensor[], metadata: Readonly<Record<string, string>>): string {
  const sums: Record<string, string> = Object.create(null);
  sums[METADATA_ENTRY] = metadataChecksum(metadata);
  for (const tensor of tensors) sums[tensor.name] = tensorChecksum(tensor);
  return JSON.stringify(sums);
}

/** Throws a FormatError naming the first tensor (or the metadata) whose bytes do not match the
 *  stored checksum, or the checksum entry that is malformed; does nothing when there is none. */
export function verifyChecksums(tensors: StoredTensor[], metadata: Readonly<Record<string, string>>): void {
  const stored = metadata[CHECKSUM_KEY];
  if (stored === undefined) return;
  const sums = parseSums(stored);
  const names = new Set(tensors.map((tensor) => tensor.name));
  for (const name of sums.keys()) {
    if (name !== METADATA_ENTRY && !names.has(name)) {
      throw new FormatError(`corrupt file: the checksum lists tensor '${name}', which the file lacks`);
    }
  }
  expectSum(sums, METADATA_ENTRY, "the metadata", metadataChecksum(metadata));
  for (const tensor of tensors)
    expectSum(sums, tensor.name, `tensor '${tensor.name}'`, tensorChecksum(tensor));
}

function expectSum(sums: Map<string, string>, key: string, what: string, computed: string): void {
  const stored = sums.get(key);
  if (stored === undefined) throw new FormatError(`corrupt file: the checksum has no entry for ${what}`);
  if (stored !== computed) {
    throw new FormatError(
      `corrupt file: checksum mismatch in ${what} (stored crc32c ${stored}, computed ${computed}); the file was changed after rnnlab wrote it`,
    );
  }
}

function parseSums(text: string): Map<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FormatError(`corrupt file: metadata '${CHECKSUM_KEY}' is not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FormatError(`corrupt file: metadata '${CHECKSUM_KEY}' must be a JSON object`);
  }
  const sums = new Map<string, string>();
  for (const [name, sum] of Object.entries(value)) {
    if (typeof sum !== "string" || !HEX.test(sum)) {
      throw new FormatError(
        `corrupt file: metadata '${CHECKSUM_KEY}' entry '${name}' must be 8 lower-case hex digits`,
      );
    }
    sums.set(name, sum);
  }
  return sums;
}
