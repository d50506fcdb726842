// Small dense linear algebra for the Q3 experiments, in float64: square matrices are row-major
// Float64Array of H·H entries (W[i·H + j] = W_ij, PyTorch's weight_hh layout), vectors Float64Array.

import type { Rng } from "../../src/index.js";

/** y = A x for A [H×H]. */
export function matVec(A: Float64Array, x: ArrayLike<number>, H: number): Float64Array {
  const y = new Float64Array(H);
  for (let i = 0; i < H; i++) {
    let s = 0;
    for (let j = 0; j < H; j++) s += A[i * H + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** y = Aᵀ x for A [H×H]. */
export function matTVec(A: Float64Array, x: ArrayLike<number>, H: number): Float64Array {
  const y = new Float64Array(H);
  for (let i = 0; i < H; i++) {
    const xi = x[i];
    for (let j = 0; j < H; j++) y[j] += A[i * H + j] * xi;
  }
  return y;
}

/** C = A B for square [H×H] matrices. */
export function matMul(A: Float64Array, B: Float64Array, H: number): Float64Array {
  const C = new Float64Array(H * H);
  for (let i = 0; i < H; i++) {
    for (let k = 0; k < H; k++) {
      const a = A[i * H + k];
      if (a === 0) continue;
      for (let j = 0; j < H; j++) C[i * H + j] += a * B[k * H + j];
    }
  }
  return C;
}

export function transpose(A: Float64Array, H: number): Float64Array {
  const At = new Float64Array(H * H);
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) At[j * H + i] = A[i * H + j];
  return At;
}

export function identity(H: number): Float64Array {
  const I = new Float64Array(H * H);
  for (let i = 0; i < H; i++) I[i * H + i] = 1;
  return I;
}

/** ‖x‖₂, scaled by the largest entry so that tiny vectors (gradients of 1e-200 and below) do not
 *  underflow when squared, nor huge ones overflow. */
export function norm2(x: ArrayLike<number>, from = 0, to = x.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(x[i]));
  if (m === 0 || !Number.isFinite(m)) return m;
  let s = 0;
  for (let i = from; i < to; i++) {
    const v = x[i] / m;
    s += v * v;
  }
  return m * Math.sqrt(s);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** cos(a, b) = a·b / (‖a‖ ‖b‖); NaN when either is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = norm2(a);
  const nb = norm2(b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] / na) * (b[i] / nb);
  return s;
}

/** ‖a − b‖₂ / ‖b‖₂ (‖a − b‖₂ when b = 0). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const diff = Float64Array.from(a, (v, i) => v - b[i]);
  const n = norm2(b);
  return n > 0 ? norm2(diff) / n : norm2(diff);
}

/** Eigenvalues of a symmetric matrix S [n×n] by cyclic Jacobi rotations (accurate to round-off). */
export function symmetricEigenvalues(S: Float64Array, n: number): Float64Array {
  const a = S.slice();
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i] ** 2;
      for (let j = i + 1; j < n; j++) off += a[i * n + j] ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const eig = new Float64Array(n);
  for (let i = 0; i < n; i++) eig[i] = a[i * n + i];
  return eig;
}

/** The spectral norm ‖A‖₂ = largest singular value (square root of AᵀA's largest eigenvalue). */
export function spectralNorm(A: Float64Array, H: number): number {
  if (H === 1) return Math.abs(A[0]);
  const eig = symmetricEigenvalues(matMul(transpose(A, H), A, H), H);
  let max = 0;
  for (const e of eig) max = Math.max(max, e);
  return Math.sqrt(max);
}

export function frobeniusNorm(A: Float64Array): number {
  return norm2(A);
}

export function maxAbsEntry(A: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < A.length; i++) m = Math.max(m, Math.abs(A[i]));
  return m;
}

/** The matrix norms the bound may be read with: the seed writes only |W|. */
export type MatrixNorm = "spectral" | "frobenius" | "max-abs-entry";

export function matrixNorm(A: Float64Array, H: number, kind: MatrixNorm): number {
  if (kind === "spectral") return spectralNorm(A, H);
  if (kind === "frobenius") return frobeniusNorm(A);
  return maxAbsEntry(A);
}

/** A Gaussian H×H matrix scaled to spectral norm exactly `norm` (up to round-off). */
export function randomMatrixWithNorm(rng: Rng, H: number, norm: number): Float64Array {
  const G = new Float64Array(H * H);
  for (let i = 0; i < G.length; i++) G[i] = rng.normal();
  const s = spectralNorm(G, H);
  for (let i = 0; i < G.length; i++) G[i] *= norm / s;
  return G;
}

/** norm · P with P a random signed permutation matrix: orthogonal, so every power has spectral norm
 *  norm^k exactly, and W·(½·1) has entries ±norm/2, exact in floating point. */
export function signedPermutation(rng: Rng, H: number, norm: number): Float64Array {
  const perm = Array.from({ length: H }, (_, i) => i);
  for (let i = H - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const P = new Float64Array(H * H);
  for (let i = 0; i < H; i++) P[i * H + perm[i]] = rng.uniform() < 0.5 ? -norm : norm;
  return P;
}

/** The q-quantile (0..1) of the values, by linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Geometric mean of positive values (NaN for an empty list). */
export function geometricMean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += Math.log(v);
  return Math.exp(s / values.length);
}
