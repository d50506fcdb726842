import { matmulPacked, type PackedOperand } from "../kernels/matmul.js";
import type { Buf, DType } from "../tensor.js";
import { fillDropoutRows, fillZoneoutRows, MaskSite, type MaskSource, siteOf } from "./dropout.js";
import { Scratch } from "./scratch.js";

/** The rates a recurrent layer applies inside its time loop (RegularizationConfig). */
export interface LayerRates {
  recurrentDropout: number;
  zoneout: number;
  cellZoneout: number;
}

export function hasLayerRates(rates: Partial<LayerRates>): boolean {
  return (rates.recurrentDropout ?? 0) > 0 || (rates.zoneout ?? 0) > 0 || (rates.cellZoneout ?? 0) > 0;
}

/** Recurrent dropout and zoneout of one layer (and direction), for RecurrentLayer's time loop.
 *  P = H_out (the width of h), H (the width of c).
 *  - Recurrent dropout (Gal & Ghahramani 2016), one inverted mask m [B×P] per sequence, on h_{t−1}
 *    where it enters W_hh (training only):
 *      A_t += (m ⊙ h_{t−1}) W_hhᵀ;   dh_{t−1} += (dA_t W_hh) ⊙ m,   dW_hh += Σ_t dA_tᵀ (m ⊙ h_{t−1}).
 *  - Zoneout (Krueger et al. 2017), d ~ Bernoulli(p) fresh per step and unit (evaluation: d = p):
 *      h_t = d ⊙ h_{t−1} + (1 − d) ⊙ h̃_t;   dh̃_t = (1 − d) ⊙ dh_t,   dh_{t−1} += d ⊙ dh_t,
 *    and the same for c with its own d (LSTM). The cell writes h̃_t, c̃_t here, not into the states,
 *    and its backward reads them back (h̃ = o ⊙ tanh c̃ in the LSTM: the paper's form). With a
 *    projection, h̃_t = m_t W_hrᵀ and dW_hr += Σ_t dh̃_tᵀ m_t. */
export class LayerRegularizer {
  private readonly scratch: Scratch;
  readonly zoneH: boolean;
  readonly zoneC: boolean;
  /** Whether the pass begun last draws recurrent dropout (training only). */
  recurrentOn = false;
  recurrentMask!: Buf; // [B×P]
  hDropped!: Buf; // [T·B×P]  m ⊙ h_{t−1} of every step
  private recurrentGrad!: Buf; // [B×P]  dA_t W_hh before the mask
  keepH!: Buf; // [T·B×P]  zoneout's d for h
  keepC!: Buf; // [T·B×H]
  hTilde!: Buf; // [T·B×P]  h̃_t
  hTildeGrad!: Buf; // [T·B×P]  dh̃_t
  cTilde!: Buf; // [T·B×H]  c̃_t
  cTildeGrad!: Buf; // [B×H]   dc̃_t of the step in backward (the cell makes it the total)
  /** Per-step views (index t = 1..T; 0 unused), remade only when (T, B) changes. */
  hDroppedAt: Buf[] = [];
  hTildeAt: Buf[] = [];
  hTildeGradAt: Buf[] = [];
  cTildeAt: Buf[] = [];
  private T = 0;
  private B = 0;

  constructor(
    readonly rates: LayerRates,
    private readonly source: MaskSource,
    /** k·D + d: the layer and direction, which keys its masks. */
    private readonly index: number,
    private readonly P: number,
    private readonly H: number,
    dtype: DType,
  ) {
    this.scratch = new Scratch(dtype);
    this.zoneH = rates.zoneout > 0;
    this.zoneC = rates.cellZoneout > 0;
  }

  /** Bytes of its buffers now. */
  get bytes(): number {
    return this.scratch.bytes;
  }

  /** Starts a pass of T steps over B rows: views for the shape, and the recurrent mask. */
  begin(T: number, B: number): void {
    if (T !== this.T || B !== this.B) this.use(T, B);
    this.recurrentOn = this.source.training && this.rates.recurrentDropout > 0;
    if (this.recurrentOn) {
      const site = siteOf(MaskSite.recurrent, this.index);
      fillDropoutRows(this.recurrentMask, 0, B, this.P, this.rates.recurrentDropout, this.source, site, 0);
    }
  }

  private use(T: number, B: number): void {
    const { P, H } = this;
    const view = (name: string, size: number) => this.scratch.view(name, size);
    const steps = (buf: Buf, width: number) =>
      Array.from({ length: T + 1 }, (_, t) => buf.subarray(Math.max(0, t - 1) * width, t * width));
    const recurrent = this.rates.recurrentDropout > 0;
    this.recurrentMask = view("recurrentMask", recurrent ? B * P : 0);
    this.hDropped = view("hDropped", recurrent ? T * B * P : 0);
    this.recurrentGrad = view("recurrentGrad", recurrent ? B * P : 0);
    this.keepH = view("keepH", this.zoneH ? T * B * P : 0);
    this.hTilde = view("hTilde", this.zoneH ? T * B * P : 0);
    this.hTildeGrad = view("hTildeGrad", this.zoneH ? T * B * P : 0);
    this.keepC = view("keepC", this.zoneC ? T * B * H : 0);
    this.cTilde = view("cTilde", this.zoneC ? T * B * H : 0);
    this.cTildeGrad = view("cTildeGrad", this.zoneC ? B * H : 0);
    this.hDroppedAt = recurrent ? steps(this.hDropped, B * P) : [];
    this.hTildeAt = this.zoneH ? steps(this.hTilde, B * P) : [];
    this.hTildeGradAt = this.zoneH ? steps(this.hTildeGrad, B * P) : [];
    this.cTildeAt = this.zoneC ? steps(this.cTilde, B * H) : [];
    this.T = T;
    this.B = B;
  }

  /** m ⊙ h_{t−1} into step t's row block of hDropped; returns that view. */
  dropRecurrent(t: number, hPrev: Buf): Buf {
    const out = this.hDroppedAt[t];
    const mask = this.recurrentMask;
    for (let i = 0; i < out.length; i++) out[i] = hPrev[i] * mask[i];
    return out;
  }

  /** dh_{t−1} += (dA_t W_hh) ⊙ m. */
  recurrentBackward(hPrevGrad: Buf, partGrad: Buf, recurrent: PackedOperand, B: number): void {
    const grad = this.recurrentGrad;
    grad.fill(0);
    matmulPacked(grad, partGrad, recurrent, B);
    const mask = this.recurrentMask;
    for (let i = 0; i < grad.length; i++) hPrevGrad[i] += grad[i] * mask[i];
  }

  /** Step t's zoneout: draws d and mixes h_t = d ⊙ h_{t−1} + (1 − d) ⊙ h̃_t (c likewise). */
  zoneout(t: number, hPrev: Buf, h: Buf, cPrev: Buf, c: Buf): void {
    const { B, P, H, source } = this;
    if (this.zoneH) {
      const offset = (t - 1) * B * P;
      fillZoneoutRows(
        this.keepH,
        offset,
        B,
        P,
        this.rates.zoneout,
        source,
        siteOf(MaskSite.zoneoutH, this.index),
        t,
      );
      mix(h, hPrev, this.hTilde, this.keepH, offset, B * P);
    }
    if (this.zoneC) {
      const offset = (t - 1) * B * H;
      const site = siteOf(MaskSite.zoneoutC, this.index);
      fillZoneoutRows(this.keepC, offset, B, H, this.rates.cellZoneout, source, site, t);
      mix(c, cPrev, this.cTilde, this.keepC, offset, B * H);
    }
  }

  /** dh̃_t = (1 − d) ⊙ dh_t into hTildeGradAt[t], dh_{t−1} += d ⊙ dh_t; returns dh̃_t. */
  zoneoutHBackward(t: number, hGrad: Buf, hPrevGrad: Buf): Buf {
    const out = this.hTildeGradAt[t];
    split(out, hPrevGrad, hGrad, this.keepH, (t - 1) * this.B * this.P);
    return out;
  }

  /** dc̃_t = (1 − d) ⊙ dc_t (into cTildeGrad, which the cell then completes), dc_{t−1} += d ⊙ dc_t. */
  zoneoutCBackward(t: number, cGrad: Buf, cPrevGrad: Buf): Buf {
    split(this.cTildeGrad, cPrevGrad, cGrad, this.keepC, (t - 1) * this.B * this.H);
    return this.cTildeGrad;
  }
}

/** out = d ⊙ prev + (1 − d) ⊙ tilde[offset..], for `size` entries. */
function mix(out: Buf, prev: Buf, tilde: Buf, keep: Buf, offset: number, size: number): void {
  for (let i = 0; i < size; i++) {
    const d = keep[offset + i];
    out[i] = d * prev[i] + (1 - d) * tilde[offset + i];
  }
}

/** tildeGrad = (1 − d) ⊙ grad, prevGrad += d ⊙ grad. */
function split(tildeGrad: Buf, prevGrad: Buf, grad: Buf, keep: Buf, offset: number): void {
  for (let i = 0; i < tildeGrad.length; i++) {
    const d = keep[offset + i];
    tildeGrad[i] = (1 - d) * grad[i];
    prevGrad[i] += d * grad[i];
  }
}
