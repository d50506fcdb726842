import { ShapeError } from "../errors.js";
import { alloc, type Buf, type DType, dtypeOf, shapeSize, Tensor } from "../tensor.js";
import type { ParamSpec } from "./param-shapes.js";

interface Slot {
  spec: ParamSpec;
  offset: number;
  value: Buf;
  grad: Buf;
}

/** All parameters of a model in one flat buffer (and their gradients in another of the same
 *  layout), with a named view of each. Clipping and optimizers work on the flat buffers; cells
 *  and layers on the views. */
export class Params {
  readonly data: Buf;
  readonly grad: Buf;
  readonly specs: readonly ParamSpec[];
  private readonly slots = new Map<string, Slot>();
  private views: Buf[] | null = null;

  /** `storage`: buffers to use instead of new ones (a replica over shared memory, say); each must
   *  hold exactly the parameters' total size in `dtype`. */
  constructor(specs: readonly ParamSpec[], dtype: DType, storage?: { data: Buf; grad: Buf }) {
    this.specs = specs;
    const total = specs.reduce((sum, spec) => sum + shapeSize(spec.shape), 0);
    if (storage) {
      for (const [name, buf] of [
        ["data", storage.data],
        ["grad", storage.grad],
      ] as const) {
        if (buf.length !== total || dtypeOf(buf) !== dtype) {
          throw new ShapeError(
            `parameter ${name} buffer holds ${buf.length} ${dtypeOf(buf)} values; this model needs ${total} ${dtype}`,
          );
        }
      }
    }
    this.data = storage?.data ?? alloc(dtype, total);
    this.grad = storage?.grad ?? alloc(dtype, total);
    let offset = 0;
    for (const spec of specs) {
      const size = shapeSize(spec.shape);
      this.slots.set(spec.name, {
        spec,
        offset,
        value: this.data.subarray(offset, offset + size),
        grad: this.grad.subarray(offset, offset + size),
      });
      offset += size;
    }
  }

  get dtype(): DType {
    return this.data instanceof Float64Array ? "float64" : "float32";
  }

  get names(): string[] {
    return this.specs.map((spec) => spec.name);
  }

  has(name: string): boolean {
    return this.slots.has(name);
  }

  value(name: string): Buf {
    return this.slot(name).value;
  }

  gradOf(name: string): Buf {
    return this.slot(name).grad;
  }

  shape(name: string): readonly number[] {
    return this.slot(name).spec.shape;
  }

  /** Per-parameter gradient views, in order (what per-parameter clipping takes); one array, made
   *  once, so a training loop allocates nothing here. */
  gradViews(): readonly Buf[] {
    this.views ??= this.specs.map((spec) => this.gradOf(spec.name));
    return this.views;
  }

  zeroGrad(): void {
    this.grad.fill(0);
  }

  /** Copies a named tensor in, checking its shape. */
  set(name: string, tensor: Tensor | ArrayLike<number>): void {
    const slot = this.slot(name);
    const data = tensor instanceof Tensor ? tensor.data : tensor;
    if (tensor instanceof Tensor && tensor.shape.join(",") !== slot.spec.shape.join(",")) {
      throw new ShapeError(
        `parameter ${name} has shape [${slot.spec.shape.join(", ")}], got [${tensor.shape.join(", ")}]`,
      );
    }
    if (data.length !== slot.value.length) {
      throw new ShapeError(`parameter ${name} holds ${slot.value.length} values, got ${data.length}`);
    }
    slot.value.set(data);
  }

  /** Copies every parameter out as a tensor of its own shape. */
  toTensors(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const spec of this.specs) out[spec.name] = new Tensor(this.value(spec.name).slice(), spec.shape);
    return out;
  }

  gradTensors(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const spec of this.specs) out[spec.name] = new Tensor(this.gradOf(spec.name).slice(), spec.shape);
    return out;
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new ShapeError(`unknown parameter '${name}'; this model has: ${this.names.join(", ")}`);
    return slot;
  }
}
