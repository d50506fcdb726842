// Micro-benchmark of the matrix kernels (src/kernels/matmul.ts) on the shapes one training step of
// the recurrent layer uses (B = 32, T = 64, E = 64, V = 65), against the original naive loops kept
// below as the "before" column. GFLOP/s counts a multiply-add as 2 flops.
//
//   npx tsc bench/kernels.ts --outDir /tmp/kbench --rootDir . --module nodenext --target es2022 \
//     --types node --skipLibCheck && echo '{"type":"module"}' > /tmp/kbench/package.json
//   node /tmp/kbench/bench/kernels.js [--dtype float32,float64] [--hidden 128,512]
//        [--cell lstm,rnn] [--ms 300] [--only new|old] [--square 512] [--wasm f64|f32|off]
//
// --wasm: float32 products through the WebAssembly SIMD kernel with float64 sums (f64, the
// default), with float32 sums (f32), or not at all (off: the TypeScript kernels).
//
// Each dtype is best measured in its own process (`--dtype float32`, then `--dtype float64`), as a
// training run uses one dtype throughout.

import { setWasmGemmEnabled, setWasmGemmSums, wasmGemmAvailable } from "../src/kernels/gemm-wasm.js";
import { matmul, matmulTransA, matmulTransB } from "../src/kernels/matmul.js";
import type { Buf } from "../src/tensor.js";

type Form = "nn" | "tn" | "nt";
type Kernel = (out: Buf, a: Buf, b: Buf, M: number, K: number, N: number) => void;

interface Shape {
  label: string;
  form: Form;
  M: number;
  K: number;
  N: number;
  /** calls per training step */
  perStep: number;
}

// ---- the original kernels (commit 43203a6), the "before" column ----

function oldMatmul(out: Buf, a: Buf, b: Buf, M: number, K: number, N: number): void {
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

function oldMatmulTransB(out: Buf, a: Buf, b: Buf, M: number, K: number, N: number): void {
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

function oldMatmulTransA(out: Buf, a: Buf, b: Buf, M: number, K: number, N: number): void {
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

const kernels: Record<"old" | "new", Record<Form, Kernel>> = {
  old: { nn: oldMatmul, tn: oldMatmulTransA, nt: oldMatmulTransB },
  new: { nn: matmul, tn: matmulTransA, nt: matmulTransB },
};

// ---- shapes ----

function layerShapes(cell: string, H: number): Shape[] {
  const G = cell === "lstm" ? 4 : cell === "gru" ? 3 : 1;
  const B = 32;
  const T = 64;
  const E = 64;
  const V = 65;
  const GH = G * H;
  const TB = T * B;
  const tag = `${cell} H=${H}`;
  return [
    { label: `${tag} input proj x·W_ihᵀ`, form: "nt", M: TB, K: E, N: GH, perStep: 1 },
    { label: `${tag} recurrent h·W_hhᵀ`, form: "nt", M: B, K: H, N: GH, perStep: T },
    { label: `${tag} dW_hh += dGᵀ·h`, form: "tn", M: GH, K: B, N: H, perStep: T },
    { label: `${tag} dh += dG·W_hh`, form: "nn", M: B, K: GH, N: H, perStep: T },
    { label: `${tag} dW_ih += dGᵀ·X`, form: "tn", M: GH, K: TB, N: E, perStep: 1 },
    { label: `${tag} dX = dG·W_ih`, form: "nn", M: TB, K: GH, N: E, perStep: 1 },
    { label: `${tag} readout h·W_outᵀ`, form: "nt", M: TB, K: H, N: V, perStep: 1 },
    { label: `${tag} dW_out += dYᵀ·h`, form: "tn", M: V, K: TB, N: H, perStep: 1 },
    { label: `${tag} dh += dY·W_out`, form: "nn", M: TB, K: V, N: H, perStep: 1 },
  ];
}

// ---- timing ----

function fill(buf: Buf, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < buf.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    buf[i] = s / 2 ** 32 - 0.5;
  }
}

/** CPU seconds of this process: unlike wall time, not inflated when other processes share the
 *  cores (the kernels are single-threaded; V8's helper threads are idle in steady state). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Median CPU seconds per call over `windows` windows of at least `ms` milliseconds each. */
function time(kernel: Kernel, shape: Shape, dtype: string, ms: number, windows: number): number {
  const { M, K, N, form } = shape;
  const Ctor = dtype === "float64" ? Float64Array : Float32Array;
  const a = new Ctor(M * K);
  const b = new Ctor(K * N);
  const out = new Ctor(M * N);
  fill(a, 1);
  fill(b, 2);
  void form;
  const flops = 2 * M * K * N;
  // Calls per window so a window lasts about `ms` (at least one call).
  let reps = 1;
  for (;;) {
    const t0 = cpuSeconds();
    for (let r = 0; r < reps; r++) kernel(out, a, b, M, K, N);
    const dt = (cpuSeconds() - t0) * 1000;
    if (dt >= ms / 4) {
      reps = Math.max(1, Math.ceil((reps * ms) / Math.max(dt, 1e-3)));
      break;
    }
    reps *= 2;
    if (reps * flops > 1e12) break;
  }
  const results: number[] = [];
  for (let w = 0; w < windows; w++) {
    out.fill(0);
    const t0 = cpuSeconds();
    for (let r = 0; r < reps; r++) kernel(out, a, b, M, K, N);
    results.push((cpuSeconds() - t0) / reps);
  }
  results.sort((x, y) => x - y);
  return results[results.length >> 1];
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function main(): void {
  const dtypes = arg("dtype", "float32,float64").split(",");
  const hiddens = arg("hidden", "128,512").split(",").map(Number);
  const cells = arg("cell", "lstm,rnn").split(",");
  const ms = Number(arg("ms", "300"));
  const only = arg("only", "");
  const impls = (only ? [only] : ["old", "new"]) as ("old" | "new")[];
  const square = Number(arg("square", "512"));
  const windows = 5;
  const wasm = arg("wasm", "f64");
  setWasmGemmEnabled(wasm !== "off");
  setWasmGemmSums(wasm === "f32" ? "float32" : "float64");

  const shapes: Shape[] = [];
  for (const cell of cells) {
    for (const H of hiddens) {
      if (cell === "rnn" && H !== hiddens[0]) continue; // one RNN size is enough
      shapes.push(...layerShapes(cell, H));
    }
  }
  // Thin and tiny products (direct kernel): sampling with one sequence (B = 1), a regression
  // readout (one output), odd small shapes.
  const H0 = hiddens[0];
  shapes.push(
    { label: `edge B=1 h·W_hhᵀ (lstm H=${H0})`, form: "nt", M: 1, K: H0, N: 4 * H0, perStep: 0 },
    { label: `edge B=1 dh += dG·W_hh (lstm H=${H0})`, form: "nn", M: 1, K: 4 * H0, N: H0, perStep: 0 },
    { label: `edge N=1 readout h·W_outᵀ (H=${H0})`, form: "nt", M: 2048, K: H0, N: 1, perStep: 0 },
    { label: `edge N=1 dW_out += dYᵀ·h (H=${H0})`, form: "tn", M: 1, K: 2048, N: H0, perStep: 0 },
    { label: "edge 3×100×50", form: "nn", M: 3, K: 100, N: 50, perStep: 0 },
    { label: "edge 5×200×9", form: "nn", M: 5, K: 200, N: 9, perStep: 0 },
    { label: "edge 16×16×16", form: "nn", M: 16, K: 16, N: 16, perStep: 0 },
  );
  if (square > 0) {
    shapes.push({ label: `square ${square}`, form: "nn", M: square, K: square, N: square, perStep: 0 });
    shapes.push({ label: `square ${square}`, form: "nt", M: square, K: square, N: square, perStep: 0 });
    shapes.push({ label: `square ${square}`, form: "tn", M: square, K: square, N: square, perStep: 0 });
  }

  const formName: Record<Form, string> = { nn: "matmul", tn: "matmulTransA", nt: "matmulTransB" };
  const wasmNote = wasm === "off" || !wasmGemmAvailable() ? "TypeScript kernels" : `WebAssembly ${wasm} sums`;
  console.log(
    `node ${process.version}, ${impls.join(" vs ")}, float32 via ${wasmNote}, GFLOP/s (2 flops per multiply-add)`,
  );
  for (const dtype of dtypes) {
    console.log(`\n${dtype}`);
    const header = ["shape", "form", "M", "K", "N", ...impls.map((i) => `${i} GF/s`)];
    if (impls.length === 2) header.push("speedup");
    console.log(header.join("\t"));
    // Per training step: seconds spent in these kernels, per cell and H.
    const stepSeconds = new Map<string, Record<string, number>>();
    const stepFlops = new Map<string, number>();
    for (const shape of shapes) {
      const row: string[] = [shape.label, formName[shape.form], `${shape.M}`, `${shape.K}`, `${shape.N}`];
      const gf: number[] = [];
      const key = shape.label.split(" ").slice(0, 2).join(" ");
      for (const impl of impls) {
        const seconds = time(kernels[impl][shape.form], shape, dtype, ms, windows);
        const g = (2 * shape.M * shape.K * shape.N) / seconds / 1e9;
        gf.push(g);
        row.push(g.toFixed(2));
        if (shape.perStep > 0) {
          const rec = stepSeconds.get(key) ?? {};
          rec[impl] = (rec[impl] ?? 0) + seconds * shape.perStep;
          stepSeconds.set(key, rec);
        }
      }
      if (shape.perStep > 0 && impls.length > 0) {
        stepFlops.set(key, (stepFlops.get(key) ?? 0) + 2 * shape.M * shape.K * shape.N * shape.perStep);
      }
      if (gf.length === 2) row.push(`${(gf[1] / gf[0]).toFixed(1)}x`);
      console.log(row.join("\t"));
    }
    for (const [key, rec] of stepSeconds) {
      const flops = stepFlops.get(key) ?? 0;
      const parts = impls.map(
        (impl) =>
          `${impl} ${(rec[impl] * 1000).toFixed(1)} ms/step = ${(flops / rec[impl] / 1e9).toFixed(2)} GF/s`,
      );
      console.log(`per training step, ${key} (matrix products only): ${parts.join(", ")}`);
    }
  }
}

main();
