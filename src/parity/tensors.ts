import { FormatError } from "../errors.js";
import { type Buf, type DType, Tensor } from "../tensor.js";

/** Reads a nested array as a flat buffer of the expected shape. */
export function readTensor(nested: unknown, shape: readonly number[], dtype: DType, name: string): Buf {
  let tensor: Tensor;
  try {
    tensor = Tensor.fromNested(nested, dtype);
  } catch (error) {
    throw new FormatError(`'${name}': ${(error as Error).message}`);
  }
  if (tensor.shape.join(",") !== shape.join(",")) {
    throw new FormatError(`'${name}' has shape [${tensor.shape.join(", ")}], expected [${shape.join(", ")}]`);
  }
  return tensor.data;
}

/** A float64 copy of a nested array, for use as the reference side of a comparison. */
export function reference(nested: unknown, shape: readonly number[], name: string): Float64Array {
  return readTensor(nested, shape, "float64", name) as Float64Array;
}

/** record[key], or a FormatError naming the key's full path ("" for the top level). */
export function requireKey<T>(record: Record<string, T>, key: string, where = ""): T {
  const value = record[key];
  if (value === undefined) throw new FormatError(`missing key '${where ? `${where}.` : ""}${key}'`);
  return value;
}
