import { KC, MC, NC } from "../../src/kernels/gemm-blocking.js";

// Shapes reaching every path. Tile: 4×4; blocks: KC (K), MC (M), NC (N); DIRECT_MAX_WORK.
export const fixedShapes: [number, number, number][] = [
  // tiny and thin: the direct kernel, and its transposed use (M > N)
  [1, 1, 1],
  [1, 7, 1],
  [3, 1, 5],
  [2, 3, 4],
  [7, 13, 5],
  [5, 200, 9],
  [1, 64, 33],
  [33, 64, 1],
  [3, 50, 70],
  [70, 50, 3],
  // just below and above the packed path's thresholds
  [4, 8, 4],
  [8, 15, 8],
  [8, 16, 8],
  [4, 64, 4],
  [5, 64, 5],
  [6, 40, 7],
  // edge tiles in M and N (≡ 1, 2, 3 mod 4), K odd
  [9, 9, 9],
  [17, 9, 13],
  [33, 64, 31],
  [30, 31, 29],
  [13, 1, 11],
  // block boundaries: K around KC, M around MC, N around NC
  [8, KC - 1, 8],
  [8, KC, 12],
  [9, KC + 1, 7],
  [12, 2 * KC + 3, 10],
  [MC - 1, 20, 16],
  [MC, 20, 16],
  [MC + 1, 20, 17],
  [2 * MC + 5, 11, 6],
  [8, 10, NC - 1],
  [8, 10, NC],
  [7, 10, NC + 1],
  [5, 6, 2 * NC + 3],
  [MC + 3, KC + 5, NC + 7],
];
