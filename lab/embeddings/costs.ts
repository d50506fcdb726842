import type { Rng } from "../../src/index.js";
import { matmulTransB } from "../../src/kernels/index.js";

// What a word costs as a one-hot vector and as an embedding, measured for a range of vocabulary sizes V:
// bytes, parameter counts, and the time per token of turning a token into the first layer's input
// (the H-wide W_ih x that enters the cell).
//
// - one-hot, dense: x = e_i stored as V float32 numbers, multiplied by W_ih [H×V] with the library's
//   matmul (matmulTransB, PyTorch's layout y = x W_ihᵀ); a batch of `productRows` rows per call.
// - one-hot, index: the same product exploited: W_ih e_i is column i of W_ih, so it is read from
//   W_ihᵀ [V×H] (stored row by row, as an embedding table is) by a row copy.
// - embedding: x = E[i], a row copy from the table [V×E] (the lookup alone), and the lookup followed
//   by W_ih [H×E] x, which ends where the one-hot product ends (an H-wide input to the cell).
// Lookups are timed over `lookupRows` random tokens per call (so cache misses on a large table are
// averaged in); every time is the best of `trials` runs, each repeating the operation for at least
// `minMs` ms (the machine is shared: the best run is the least disturbed one).

export interface CostSweepSpec {
  /** The vocabulary sizes V measured. */
  vocabSizes: number[];
  /** H: the width of the first layer's input product (rows of W_ih for a vanilla RNN). */
  hiddenSize: number;
  /** E: the embedding width. */
  embeddingSize: number;
  /** Bytes per stored number (float32). */
  bytesPerNumber: number;
  /** Bytes of a token id (int32). */
  bytesPerIndex: number;
  /** Rows of the dense one-hot product per call: capped so the largest (V·H·rows multiply-adds)
   *  stays within the time budget. */
  productRows: number;
  /** Random tokens per lookup call. */
  lookupRows: number;
  /** Each timing repeats the operation for at least this long (ms), full run and quick run. */
  minMs: { full: number; quick: number };
  /** Best of this many timings, full run and quick run. */
  trials: { full: number; quick: number };
}

/** Time per token (µs) of each way to turn a token into the H-wide input of the first layer. */
export interface TokenTimes {
  oneHotDense: number;
  oneHotIndex: number;
  embeddingLookup: number;
  embeddingLookupProduct: number;
}

export interface CostPoint {
  V: number;
  /** Bytes of one token's input: the dense one-hot vector, the one-hot as an index, the embedding vector. */
  tokenBytes: { oneHotVector: number; oneHotIndex: number; embeddingVector: number };
  /** Input-side parameters: one-hot W_ih [H×V]; embedding table [V×E] plus W_ih [H×E]. */
  params: { oneHot: number; embedding: number; embeddingTable: number };
  micros: TokenTimes;
  /** Multiply-adds per token of the dense one-hot product, and how many of them touch a non-zero. */
  denseMacs: number;
  usefulMacs: number;
}

export interface CostSweep {
  points: CostPoint[];
  seconds: number;
}

/** Least-squares slope of log y against log x: the exponent p of y ∝ x^p. */
export function logLogSlope(xs: readonly number[], ys: readonly number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const n = lx.length;
  const mx = lx.reduce((s, v) => s + v, 0) / n;
  const my = ly.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

/** Fills a large buffer with small random values quickly: 4096 draws, tiled. */
function fillTiled(buf: Float32Array, rng: Rng): void {
  const tile = Math.min(4096, buf.length);
  for (let i = 0; i < tile; i++) buf[i] = 0.1 * rng.normal();
  for (let filled = tile; filled < buf.length; filled *= 2)
    buf.copyWithin(filled, 0, Math.min(filled, buf.length - filled));
}

/** Milliseconds per call of `op`: best of `trials`, each repeating it for at least `minMs`. */
function timeCall(op: () => void, minMs: number, trials: number): number {
  op(); // warm-up: compiled code, touched memory
  let best = Number.POSITIVE_INFINITY;
  for (let trial = 0; trial < trials; trial++) {
    let reps = 0;
    const started = performance.now();
    let elapsed = 0;
    do {
      op();
      reps++;
      elapsed = performance.now() - started;
    } while (elapsed < minMs);
    best = Math.min(best, elapsed / reps);
  }
  return best;
}

/** The four ways from a token to the H-wide input, on random weights for vocabulary size V. */
interface TokenPaths {
  dense(): void;
  index(): void;
  lookup(): void;
  lookupProduct(): void;
}

function tokenPaths(V: number, spec: CostSweepSpec, rng: Rng): TokenPaths {
  const { hiddenSize: H, embeddingSize: E, productRows: R, lookupRows: L } = spec;
  const weight = new Float32Array(H * V); // W_ih [H×V]
  const weightT = new Float32Array(V * H); // W_ihᵀ [V×H]: column i of W_ih is row i here
  const table = new Float32Array(V * E); // embedding [V×E]
  const weightE = new Float32Array(H * E); // W_ih [H×E] after an embedding
  fillTiled(weight, rng);
  fillTiled(table, rng);
  fillTiled(weightE, rng);
  for (let h = 0; h < H; h++) for (let v = 0; v < V; v++) weightT[v * H + h] = weight[h * V + v];
  const productTokens = Int32Array.from({ length: R }, () => rng.int(V));
  const lookupTokens = Int32Array.from({ length: L }, () => rng.int(V));
  const x = new Float32Array(R * V);
  for (let r = 0; r < R; r++) x[r * V + productTokens[r]] = 1;
  const [outDense, outIndex, xE, outE] = [R * H, L * H, L * E, L * H].map((n) => new Float32Array(n));
  const copyRows = (out: Float32Array, from: Float32Array, width: number) => {
    for (let n = 0; n < L; n++) {
      const t = lookupTokens[n];
      out.set(from.subarray(t * width, (t + 1) * width), n * width);
    }
  };
  const paths: TokenPaths = {
    dense() {
      outDense.fill(0);
      matmulTransB(outDense, x, weight, R, V, H);
    },
    index: () => copyRows(outIndex, weightT, H),
    lookup: () => copyRows(xE, table, E),
    lookupProduct() {
      copyRows(xE, table, E);
      outE.fill(0);
      matmulTransB(outE, xE, weightE, L, E, H);
    },
  };
  // The index path must give what the dense product gives (it is the same function).
  paths.dense();
  for (let r = 0; r < R; r++) {
    for (let h = 0; h < H; h++) {
      if (Math.abs(outDense[r * H + h] - weightT[productTokens[r] * H + h]) > 1e-6)
        throw new Error(`one-hot product and column lookup disagree at V = ${V}`);
    }
  }
  return paths;
}

/** Measures every V of the spec (largest buffers: 2·H·V + V·E float32 numbers at once). */
export function measureCosts(spec: CostSweepSpec, quick: boolean, rng: Rng): CostSweep {
  const started = performance.now();
  const { hiddenSize: H, embeddingSize: E, productRows: R, lookupRows: L } = spec;
  const minMs = quick ? spec.minMs.quick : spec.minMs.full;
  const trials = quick ? spec.trials.quick : spec.trials.full;
  const micros = (op: () => void, rows: number) => (1000 * timeCall(op, minMs, trials)) / rows;
  const points = spec.vocabSizes.map((V): CostPoint => {
    const paths = tokenPaths(V, spec, rng);
    return {
      V,
      tokenBytes: {
        oneHotVector: V * spec.bytesPerNumber,
        oneHotIndex: spec.bytesPerIndex,
        embeddingVector: E * spec.bytesPerNumber,
      },
      params: { oneHot: H * V, embedding: V * E + H * E, embeddingTable: V * E },
      micros: {
        oneHotDense: micros(paths.dense, R),
        oneHotIndex: micros(paths.index, L),
        embeddingLookup: micros(paths.lookup, L),
        embeddingLookupProduct: micros(paths.lookupProduct, L),
      },
      denseMacs: H * V,
      usefulMacs: H,
    };
  });
  return { points, seconds: (performance.now() - started) / 1000 };
}
