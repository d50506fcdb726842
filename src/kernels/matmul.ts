import type { Buf } from "../tensor.js";

// Matrix products on row-major buffers. Every form accumulates into `out` (+=), so callers zero
// `out` when they want a plain product and can sum contributions (gradients) without scratch.
// The loops are ordered so the innermost index walks contiguous memory of both operands.

/** out[M×N] += a[M×K] · b[K×N] */
export function matmul(out: Buf, a: Buf, b: Buf, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const outRow = i * N;
    const aRow = i * K;
    for (let k = 0; k < K; k++) {
      const aik = a[aRow + k];
      if (aik === 0) continue;
      const bRow = k * N;
      for (let j = 0; j < N; j++) out[outRow + j] += aik * b[bRow + j];
    }
  }
}

/** out[M×N] += a[M×K] · bᵀ, with b stored as [N×K] (PyTorch's weight layout: y = x Wᵀ). */
export function matmulTransB(out: Buf, a: Buf, b: Buf, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const aRow = i * K;
    const outRow = i * N;
    for (let j = 0; j < N; j++) {
      const bRow = j * K;
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[aRow + k] * b[bRow + k];
      out[outRow + j] += sum;
    }
  }
}

/** out[M×N] += aᵀ · b, with a stored as [K×M] and b as [K×N] (weight gradients: dW += dYᵀ X). */
export function matmulTransA(out: Buf, a: Buf, b: Buf, M: number, K: number, N: number): void {
  for (let k = 0; k < K; k++) {
    const aRow = k * M;
    const bRow = k * N;
    for (let i = 0; i < M; i++) {
      const aki = a[aRow + i];
      if (aki === 0) continue;
      const outRow = i * N;
      for (let j = 0; j < N; j++) out[outRow + j] += aki * b[bRow + j];
    }
  }
}

/** The definition, index by index: the reference every matmul form is tested against. */
export function matmulReference(
  out: Buf,
  a: Buf,
  b: Buf,
  M: number,
  K: number,
  N: number,
  transA: boolean,
  transB: boolean,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const aik = transA ? a[k * M + i] : a[i * K + k];
        const bkj = transB ? b[j * K + k] : b[k * N + j];
        sum += aik * bkj;
      }
      out[i * N + j] += sum;
    }
  }
}
