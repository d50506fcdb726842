// Dense tensors: a flat typed array in row-major order plus a shape. Dimension letters used
// throughout: T time steps, B batch rows, I input features, H hidden units, G gate blocks
// (1 RNN, 3 GRU, 4 LSTM), V vocabulary, E embedding width, L layers.

export type DType = "float32" | "float64";
export type Buf = Float32Array | Float64Array;

export function alloc(dtype: DType, size: number): Buf {
  return dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
}

export function dtypeOf(buf: Buf): DType {
  return buf instanceof Float64Array ? "float64" : "float32";
}

export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

export class Tensor {
  constructor(
    readonly data: Buf,
    readonly shape: readonly number[],
  ) {
    if (shapeSize(shape) !== data.length) {
      throw new RangeError(
        `tensor of shape [${shape.join(", ")}] needs ${shapeSize(shape)} values, got ${data.length}`,
      );
    }
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  static zeros(shape: readonly number[], dtype: DType = "float32"): Tensor {
    return new Tensor(alloc(dtype, shapeSize(shape)), shape);
  }

  /** From nested arrays (e.g. parsed JSON) of a regular shape. */
  static fromNested(nested: unknown, dtype: DType = "float32"): Tensor {
    const shape = nestedShape(nested);
    const data = alloc(dtype, shapeSize(shape));
    let i = 0;
    const walk = (node: unknown, depth: number): void => {
      if (depth === shape.length) {
        if (typeof node !== "number")
          throw new TypeError(`expected a number at depth ${depth}, got ${typeof node}`);
        data[i++] = node;
        return;
      }
      if (!Array.isArray(node) || node.length !== shape[depth]) {
        throw new TypeError(`ragged nested array: expected length ${shape[depth]} at depth ${depth}`);
      }
      for (const child of node) walk(child, depth + 1);
    };
    walk(nested, 0);
    return new Tensor(data, shape);
  }

  toNested(): unknown {
    const build = (offset: number, depth: number): unknown => {
      if (depth === this.shape.length) return this.data[offset];
      const stride = shapeSize(this.shape.slice(depth + 1));
      return Array.from({ length: this.shape[depth] }, (_, k) => build(offset + k * stride, depth + 1));
    };
    return build(0, 0);
  }
}

export function nestedShape(nested: unknown): number[] {
  const shape: number[] = [];
  let node = nested;
  while (Array.isArray(node)) {
    shape.push(node.length);
    node = node[0];
  }
  return shape;
}
