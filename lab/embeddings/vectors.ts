import { matmulTransB } from "../../src/kernels/index.js";

// Pairwise geometry of word vectors: Gram matrices with the library's matmul, cosines, Euclidean
// distances, nearest neighbours.

/** Rows of `table` [rows×width] picked by `ids`, in float64 ([ids.length×width]). */
export function pickRows(table: ArrayLike<number>, width: number, ids: readonly number[]): Float64Array {
  const out = new Float64Array(ids.length * width);
  for (const [n, id] of ids.entries())
    for (let j = 0; j < width; j++) out[n * width + j] = table[id * width + j];
  return out;
}

/** The table minus its mean row (over rows `from`..end): removes the direction every vector shares. */
export function centerRows(table: ArrayLike<number>, rows: number, width: number, from = 0): Float64Array {
  const out = Float64Array.from(table);
  const mean = new Float64Array(width);
  for (let r = from; r < rows; r++) for (let j = 0; j < width; j++) mean[j] += out[r * width + j];
  for (let j = 0; j < width; j++) mean[j] /= rows - from;
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) out[r * width + j] -= mean[j];
  return out;
}

export interface PairGeometry {
  n: number;
  /** Cosine similarity [n×n]. */
  cosine: Float64Array;
  /** Euclidean distance [n×n]. */
  distance: Float64Array;
}

/** Cosines and distances between every pair of the n vectors `x` [n×width] (Gram matrix x xᵀ). */
export function pairGeometry(x: Float64Array, n: number, width: number): PairGeometry {
  const gram = new Float64Array(n * n);
  matmulTransB(gram, x, x, n, width, n);
  const cosine = new Float64Array(n * n);
  const distance = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const gii = gram[i * n + i];
      const gjj = gram[j * n + j];
      cosine[i * n + j] = gram[i * n + j] / Math.sqrt(gii * gjj);
      distance[i * n + j] = Math.sqrt(Math.max(0, gii + gjj - 2 * gram[i * n + j]));
    }
  }
  return { n, cosine, distance };
}

/** Cosine of row `id` with every row of `table` [rows×width] (NaN for a zero row). */
export function cosinesTo(table: ArrayLike<number>, rows: number, width: number, id: number): Float64Array {
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < width; j++) s += table[r * width + j] ** 2;
    norms[r] = Math.sqrt(s);
  }
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < width; j++) s += table[r * width + j] * table[id * width + j];
    out[r] = s / (norms[r] * norms[id]);
  }
  return out;
}

export interface Neighbour {
  id: number;
  cosine: number;
}

/** Every other row (ids from `from`), most similar first. */
export function rankByCosine(cosines: Float64Array, id: number, from = 0): Neighbour[] {
  const out: Neighbour[] = [];
  for (let r = from; r < cosines.length; r++) if (r !== id) out.push({ id: r, cosine: cosines[r] });
  return out.sort((a, b) => b.cosine - a.cosine || a.id - b.id);
}

/** The range of distances and cosines over the n(n − 1)/2 distinct pairs. */
export interface DistanceSpread {
  minDistance: number;
  maxDistance: number;
  minCosine: number;
  maxCosine: number;
  pairs: number;
}

export function distanceSpread(g: PairGeometry): DistanceSpread {
  const spread = {
    minDistance: Number.POSITIVE_INFINITY,
    maxDistance: 0,
    minCosine: Number.POSITIVE_INFINITY,
    maxCosine: Number.NEGATIVE_INFINITY,
    pairs: (g.n * (g.n - 1)) / 2,
  };
  for (let i = 0; i < g.n; i++) {
    for (let j = i + 1; j < g.n; j++) {
      const d = g.distance[i * g.n + j];
      const c = g.cosine[i * g.n + j];
      spread.minDistance = Math.min(spread.minDistance, d);
      spread.maxDistance = Math.max(spread.maxDistance, d);
      spread.minCosine = Math.min(spread.minCosine, c);
      spread.maxCosine = Math.max(spread.maxCosine, c);
    }
  }
  return spread;
}

/** Mean cosine over the distinct pairs. */
export function meanOffDiagonal(g: PairGeometry): number {
  let s = 0;
  for (let i = 0; i < g.n; i++) for (let j = i + 1; j < g.n; j++) s += g.cosine[i * g.n + j];
  return s / ((g.n * (g.n - 1)) / 2);
}

/** The cosine matrix as rows of plain numbers (JSON-able). */
export function cosineMatrix(g: PairGeometry): number[][] {
  return Array.from({ length: g.n }, (_, i) => Array.from(g.cosine.subarray(i * g.n, (i + 1) * g.n)));
}
