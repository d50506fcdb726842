import type { Buf } from "../tensor.js";

// Dropout masks without a generator's state: every mask entry is a hash of (seed, pass, site,
// global row, step, unit), a counter-based draw. So (a) the same seed and pass give the same masks
// (backward reuses the forward's, a gradient check fixes them across its perturbed forwards), and
// (b) a row's masks do not depend on which rows share its batch or thread: a DataParallel replica
// that holds rows r0..r1 of the batch sets rowOffset = r0 and draws exactly what one thread would.

/** Where a model's masks come from; shared by the model, its stack and its layers. */
export class MaskSource {
  /** Dropout is drawn only in training; evaluation is the identity (zoneout: its expectation). */
  training = true;
  /** The pass the next training forward draws with (then it goes up by one). */
  pass = 0;
  /** The pass of the forward in progress (or the last one): what its backward reuses. */
  current = 0;
  /** Global row of this model's row 0: a DataParallel shard's first row in the whole batch. */
  rowOffset = 0;

  constructor(public seed = 0) {}

  /** Called at the start of each forward: a training forward takes the next pass. */
  beginPass(): void {
    if (this.training) this.current = this.pass++;
  }
}

/** What draws a mask site: its kind and the layer (or layer·D + direction) it belongs to. */
export const MaskSite = {
  between: 1,
  input: 2,
  recurrent: 3,
  zoneoutH: 4,
  zoneoutC: 5,
  output: 6,
} as const;

export function siteOf(kind: number, index: number): number {
  return kind * 0x10000 + index;
}

/** lowbias32 (Chris Wellons' integer hash): a bijection on uint32 with good avalanche. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The key of one (row, step) of a site: each unit's draw is then uniformOf(key, unit). */
export function rowKey(source: MaskSource, site: number, row: number, step: number): number {
  let h = mix32(source.seed ^ 0x3c6ef372);
  h = mix32(h ^ source.current);
  h = mix32(h ^ site);
  h = mix32(h ^ (source.rowOffset + row));
  return mix32(h ^ step);
}

/** Units draw 16 bits each, two units per hash: u = bits / 2^16, and u < p is a drop, so p is
 *  resolved to 1/65536 (the cost per unit is half a hash, about 2 ns). */
const UNIT_BITS = 65536;

/** The 32 random bits of units 2i and 2i + 1 of a row (low half, high half). */
function pairBits(key: number, pair: number): number {
  let h = (key + Math.imul(pair + 1, 0x9e3779b9)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** u ∈ [0, 1) of unit j of the row with this key. */
export function uniformOf(key: number, unit: number): number {
  const bits = pairBits(key, unit >>> 1);
  return ((unit & 1) === 0 ? bits & 0xffff : bits >>> 16) / UNIT_BITS;
}

/** Fills W units of one row: out[at + j] = dropped if u_j < p, else kept. */
function fillRow(
  out: Buf,
  at: number,
  W: number,
  key: number,
  p: number,
  dropped: number,
  kept: number,
): void {
  const threshold = Math.round(p * UNIT_BITS); // u < p  ⇔  bits < p·2^16
  let j = 0;
  for (; j + 1 < W; j += 2) {
    const bits = pairBits(key, j >>> 1);
    out[at + j] = (bits & 0xffff) < threshold ? dropped : kept;
    out[at + j + 1] = bits >>> 16 < threshold ? dropped : kept;
  }
  if (j < W) out[at + j] = (pairBits(key, j >>> 1) & 0xffff) < threshold ? dropped : kept;
}

/** Inverted dropout mask rows: out[offset + b·W + j] = 1/(1 − p) with probability 1 − p, else 0,
 *  for B rows of W units, drawn at (site, row b, step). */
export function fillDropoutRows(
  out: Buf,
  offset: number,
  B: number,
  W: number,
  p: number,
  source: MaskSource,
  site: number,
  step: number,
): void {
  const scale = 1 / (1 - p);
  for (let b = 0; b < B; b++) fillRow(out, offset + b * W, W, rowKey(source, site, b, step), p, 0, scale);
}

/** Zoneout keep-mask rows: d = 1 (keep the previous value) with probability p, else 0; in
 *  evaluation d = p, the expectation. */
export function fillZoneoutRows(
  out: Buf,
  offset: number,
  B: number,
  W: number,
  p: number,
  source: MaskSource,
  site: number,
  step: number,
): void {
  if (!source.training) {
    out.fill(p, offset, offset + B * W);
    return;
  }
  for (let b = 0; b < B; b++) fillRow(out, offset + b * W, W, rowKey(source, site, b, step), p, 1, 0);
}

/** Runs `fn` with the model in evaluation mode and puts its previous mode back after: what every
 *  inference path (evaluation, sampling, beam search, a loaded checkpoint's analyses) runs in. */
export function inEvalMode<R>(model: { training: boolean; train(mode?: boolean): unknown }, fn: () => R): R {
  const was = model.training;
  model.train(false);
  try {
    return fn();
  } finally {
    model.train(was);
  }
}
