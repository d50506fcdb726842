import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import type { GpuContext, Plan } from "../../src/gpu/context.js";
import { encodeMatmul, encodeMatmulReference, type MatmulOptions } from "../../src/gpu/kernels/matmul.js";
import { matmulReference } from "../../src/kernels/matmul.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";
import { randomFloats } from "../helpers/gpu-compare.js";
import { fixedShapes } from "../helpers/matmul-shapes.js";

// Both WebGPU kernels against the CPU matmulReference in float64. Tolerance per element of C:
// |gpu − cpu| ≤ 1e-5 + 1e-4 · (|C₀| + |bias_j| + Σ_k |A_ik·B_kj|), the magnitude f32 rounding
// scales with (a plain relative error would be meaningless where the sum cancels).
const REL = 1e-4;
const ABS = 1e-5;

/** [M, N, K]: the brief's shapes, K = 0, thin ones, several 64×64 tiles with ragged edges, a long K
 *  (a weight gradient over T·B rows), and a few of the CPU kernels' shapes (stored there as M, K, N). */
const shapes: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [17, 5, 33],
  [33, 65, 17],
  [70, 40, 300],
  [4, 3, 0],
  [33, 1, 64],
  [1, 29, 2],
  [129, 67, 37],
  [12, 5, 1000],
  ...[fixedShapes[4], fixedShapes[18], fixedShapes[20]].map(([M, K, N]): [number, number, number] => [
    M,
    N,
    K,
  ]),
];

/** Rounds to f32 and back, so the CPU computes with exactly the GPU's inputs. */
function f32(values: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(values));
}

interface Case {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  bias: boolean;
  accumulate: boolean;
}

/** One product on the GPU: A, B and bias in one shared "parameter" buffer at odd offsets, C at an
 *  offset in its own buffer between guard values that must survive. */
class Run {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly biasValues: Float64Array;
  readonly c0: Float64Array;
  readonly cOffset = 5;
  readonly cLength: number;
  private readonly cTiled: GPUBuffer;
  private readonly cReference: GPUBuffer;
  readonly c: Case;
  readonly options: (c: GPUBuffer) => MatmulOptions;

  constructor(gpu: GpuContext, c: Case, seed: number) {
    this.c = c;
    const { M, N, K } = c;
    this.a = f32(randomFloats(M * K, seed));
    this.b = f32(randomFloats(K * N, seed + 1));
    this.biasValues = f32(randomFloats(N, seed + 2));
    this.cLength = M * N + 2 * this.cOffset;
    this.c0 = f32(randomFloats(this.cLength, seed + 3));
    const aOffset = 3;
    const bOffset = aOffset + M * K + 2;
    const biasOffset = bOffset + K * N + 1;
    const params = new Float32Array(biasOffset + N + 4);
    params.set(this.a, aOffset);
    params.set(this.b, bOffset);
    params.set(this.biasValues, biasOffset);
    const shared = gpu.upload(params, "params");
    this.cTiled = gpu.upload(Float32Array.from(this.c0), "C tiled");
    this.cReference = gpu.upload(Float32Array.from(this.c0), "C reference");
    this.options = (cBuffer) => ({
      M,
      N,
      K,
      a: { buffer: shared, offset: aOffset },
      transA: c.transA,
      b: { buffer: shared, offset: bOffset },
      transB: c.transB,
      c: { buffer: cBuffer, offset: this.cOffset },
      accumulate: c.accumulate,
      bias: c.bias ? { buffer: shared, offset: biasOffset } : null,
    });
  }

  encode(plan: Plan): void {
    encodeMatmul(plan, this.options(this.cTiled));
    encodeMatmulReference(plan, this.options(this.cReference));
  }

  /** The CPU's C (guards included) and each element's error scale. */
  expected(): { want: Float64Array; scale: Float64Array } {
    const { M, N, K, transA, transB } = this.c;
    const product = new Float64Array(M * N);
    matmulReference(product, this.a, this.b, M, K, N, transA, transB);
    const magnitude = new Float64Array(M * N);
    matmulReference(magnitude, this.a.map(Math.abs), this.b.map(Math.abs), M, K, N, transA, transB);
    const want = Float64Array.from(this.c0);
    const scale = new Float64Array(this.cLength);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const e = i * N + j;
        const before = this.c.accumulate ? this.c0[this.cOffset + e] : 0;
        const bias = this.c.bias ? this.biasValues[j] : 0;
        want[this.cOffset + e] = before + bias + product[e];
        scale[this.cOffset + e] = Math.abs(before) + Math.abs(bias) + magnitude[e];
      }
    }
    return { want, scale };
  }

  async results(gpu: GpuContext): Promise<{ tiled: Float32Array; reference: Float32Array }> {
    return {
      tiled: await gpu.read(this.cTiled, this.cLength),
      reference: await gpu.read(this.cReference, this.cLength),
    };
  }
}

/** The worst |got − want| / (ABS + REL·scale) over C and its guards (scale 0): ≤ 1 passes. */
function worstError(got: Float32Array, want: Float64Array, scale: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i] - want[i]);
    worst = Math.max(worst, error / (ABS + REL * scale[i]));
  }
  return worst;
}

function describeCase(c: Case): string {
  return `${c.M}×${c.N}×${c.K} ${c.transA ? "Aᵀ" : "A"}·${c.transB ? "Bᵀ" : "B"}${c.bias ? " + bias" : ""}${c.accumulate ? " +=" : ""}`;
}

function allCases(): Case[] {
  const cases: Case[] = [];
  for (const [M, N, K] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [bias, accumulate] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ]) {
          cases.push({ M, N, K, transA, transB, bias, accumulate });
        }
      }
    }
  }
  return cases;
}

describe.skipIf(skipGpuTests())("WebGPU matmul", () => {
  it("encodeMatmul and encodeMatmulReference(transA, transB, bias, accumulate) match matmulReference", async () => {
    const gpu = await gpuContext();
    const runs = allCases().map((c, i) => new Run(gpu, c, 1000 + 10 * i));
    const plan = gpu.plan("matmul cases");
    await gpu.checked(() => {
      for (const run of runs) run.encode(plan);
    });
    gpu.run(plan);
    const failures: string[] = [];
    let worstSeen = 0;
    for (const run of runs) {
      const { want, scale } = run.expected();
      const { tiled, reference } = await run.results(gpu);
      for (const [name, got] of [
        ["tiled", tiled],
        ["reference", reference],
      ] as const) {
        const worst = worstError(got, want, scale);
        worstSeen = Math.max(worstSeen, worst);
        if (!(worst <= 1)) failures.push(`${name} ${describeCase(run.c)}: ${worst} of the tolerance`);
      }
    }
    expect(failures).toEqual([]);
    expect(worstSeen).toBeGreaterThan(0);
  });

  it("encodeMatmul(M = 65537 rows; K = 5000 with transA, accumulate) spans 1025 row tiles; 625 K steps", async () => {
    const gpu = await gpuContext();
    const runs = [
      new Run(gpu, { M: 65537, N: 3, K: 2, transA: false, transB: true, bias: true, accumulate: false }, 7),
      new Run(gpu, { M: 2, N: 3, K: 5000, transA: true, transB: false, bias: false, accumulate: true }, 8),
    ];
    const plan = gpu.plan("tall");
    await gpu.checked(() => {
      for (const run of runs) run.encode(plan);
    });
    gpu.run(plan);
    for (const run of runs) {
      const { want, scale } = run.expected();
      const { tiled, reference } = await run.results(gpu);
      expect(worstError(tiled, want, scale)).toBeLessThanOrEqual(1);
      expect(worstError(reference, want, scale)).toBeLessThanOrEqual(1);
    }
  });

  it("encodeMatmul(M over 65535 tiles of 64 rows) throws a ConfigError", async () => {
    const gpu = await gpuContext();
    const a = gpu.buffer(1, "a");
    const c = gpu.buffer(1, "c");
    const options: MatmulOptions = {
      M: 65535 * 64 + 1,
      N: 1,
      K: 1,
      a: { buffer: a, offset: 0 },
      transA: false,
      b: { buffer: a, offset: 0 },
      transB: false,
      c: { buffer: c, offset: 0 },
      accumulate: false,
    };
    expect(() => encodeMatmul(gpu.plan(), options)).toThrow(ConfigError);
    expect(() => encodeMatmul(gpu.plan(), { ...options, c: { buffer: a, offset: 0 }, M: 1 })).toThrow(
      ConfigError,
    );
  });
});
