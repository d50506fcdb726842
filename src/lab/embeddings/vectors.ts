import { matmulTransB } from "../../kernels/matmul.js";

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
  const out = Float64Array.from(table as ArrayLike<number>);
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
