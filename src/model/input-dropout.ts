import type { Buf, DType } from "../tensor.js";
import { fillDropoutRows, type MaskSource } from "./dropout.js";
import { Scratch } from "./scratch.js";

/** Dropout on what a layer reads, x [T·B×W] (a layer's input, or the readout's): a fresh inverted
 *  mask per position (rate pFresh: PyTorch's dropout between layers, or before the readout) times
 *  one mask per sequence [B×W] (rate pSequence: variational input dropout), the same at every step.
 *    forward   x̃_t = x_t ⊙ M_t,  M_t = F_t ⊙ S      backward   dx_t = dx̃_t ⊙ M_t
 *  Active only in training: begin returns null otherwise, and the reader takes x as it is (no copy). */
export class InputDropout {
  private readonly scratch: Scratch;
  private mask: Buf;
  private dropped: Buf;
  private sequenceMask: Buf;
  private x: Buf;
  private B = 0;
  /** Whether the pass begun last drew masks (backward then applies them). */
  on = false;

  constructor(
    private readonly pFresh: number,
    private readonly pSequence: number,
    private readonly width: number,
    private readonly freshSite: number,
    private readonly sequenceSite: number,
    private readonly source: MaskSource,
    dtype: DType,
  ) {
    this.scratch = new Scratch(dtype);
    this.mask = this.dropped = this.sequenceMask = this.x = this.scratch.view("empty", 0);
  }

  /** Bytes of its buffers now. */
  get bytes(): number {
    return this.scratch.bytes;
  }

  /** Whether this mask does anything in the current mode. */
  get active(): boolean {
    return this.source.training && (this.pFresh > 0 || this.pSequence > 0);
  }

  /** Starts a pass over x [T·B×W]: returns x̃, filled by fill(from, to), or null when inactive. */
  begin(x: Buf, T: number, B: number): Buf | null {
    this.on = this.active;
    if (!this.on) return null;
    const W = this.width;
    this.x = x;
    this.B = B;
    this.mask = this.scratch.view("mask", T * B * W);
    this.dropped = this.scratch.view("dropped", T * B * W);
    if (this.pSequence > 0) {
      this.sequenceMask = this.scratch.view("sequenceMask", B * W);
      fillDropoutRows(this.sequenceMask, 0, B, W, this.pSequence, this.source, this.sequenceSite, 0);
    }
    return this.dropped;
  }

  /** M and x̃ for steps from+1..to (row blocks from..to−1). */
  fill(from: number, to: number): void {
    const { B, width: W, mask, dropped, x } = this;
    for (let t = from; t < to; t++) {
      const offset = t * B * W;
      if (this.pFresh > 0)
        fillDropoutRows(mask, offset, B, W, this.pFresh, this.source, this.freshSite, t + 1);
      else mask.set(this.sequenceMask, offset);
      if (this.pFresh > 0 && this.pSequence > 0) {
        for (let i = 0; i < B * W; i++) mask[offset + i] *= this.sequenceMask[i];
      }
      for (let i = offset; i < offset + B * W; i++) dropped[i] = x[i] * mask[i];
    }
  }

  /** dx = dx̃ ⊙ M, in place (grad [T·B×W]); nothing when the pass drew no masks. */
  backward(grad: Buf): void {
    if (!this.on) return;
    const mask = this.mask;
    for (let i = 0; i < grad.length; i++) grad[i] *= mask[i];
  }

  /** The mask M [T·B×W] of the pass begun last (for tests and figures). */
  masks(): Buf {
    return this.mask;
  }
}
