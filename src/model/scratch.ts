import { alloc, type Buf, type DType } from "../tensor.js";

/** Named buffers that only grow: view(name, size) is the first `size` entries of a backing buffer
 *  kept for the largest size asked so far, so alternating shapes (training, validation, sampling one
 *  step at a time) allocate nothing after the first of each. The previous contents of a view are
 *  unspecified; callers fill what they read. */
export class Scratch {
  private readonly backing = new Map<string, Buf>();

  constructor(readonly dtype: DType) {}

  view(name: string, size: number): Buf {
    let buf = this.backing.get(name);
    if (!buf || buf.length < size) {
      buf = alloc(this.dtype, size);
      this.backing.set(name, buf);
    }
    return buf.length === size ? buf : buf.subarray(0, size);
  }

  /** Bytes of the backing buffers: what this scratch holds now. */
  get bytes(): number {
    let sum = 0;
    for (const buf of this.backing.values()) sum += buf.byteLength;
    return sum;
  }
}
