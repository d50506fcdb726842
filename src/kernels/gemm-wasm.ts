import { GEMM_WASM_BASE64, GEMM_WASM_RELAXED_BASE64 } from "./gemm-wasm-module.js";

// The WebAssembly SIMD (f32x4) float32 matrix kernel, compiled from assembly/gemm-f32.ts and
// embedded as base64 (gemm-wasm-module.ts). WebAssembly reads only its own memory, so each call
// copies out, a and b into the instance's memory (typed-array set: a memcpy), runs the packed,
// register-tiled kernel there and copies out back. By default its sums are float32 (f32x4), as in
// PyTorch's BLAS: error up to about K float32 roundings (test/kernels-wasm.test.ts). With
// setWasmGemmSums("float64") they are float64 (f64x2, about half as fast), as in the TypeScript
// kernels, and meet their tighter tolerance (one rounding per K block). The TypeScript kernels stay
// the reference and the fallback where WebAssembly or its SIMD is missing.
//
// The module is compiled synchronously on first use from the embedded bytes, so the core needs
// neither Node nor a bundler; where that is refused (a page's main thread in some engines), ready()
// (kernel-path.ts) compiles it asynchronously. Where it does not load at all, the TypeScript kernels
// run and one console.warn line says why, once per process. lib ES2022 does not declare WebAssembly,
// atob or console, hence the minimal declarations below.

declare const WebAssembly:
  | undefined
  | {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
      compile(bytes: Uint8Array): Promise<object>;
    };
declare const atob: undefined | ((data: string) => string);
declare const console: { warn(message: string): void };

interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface Kernel {
  memory: WasmMemory;
  gemm: (...args: number[]) => void;
  gemm64: (...args: number[]) => void;
  gemmPacked: (...args: number[]) => void;
  packBAll: (...args: number[]) => void;
  packedBytes: (K: number, N: number) => number;
  exports: Record<string, unknown>;
  base: number;
  work: number;
}

let kernel: Kernel | null | undefined; // undefined: not tried yet; null: unavailable
let enabled = true;
let sums32 = true;
let f32: Float32Array = new Float32Array(0);
let i32: Int32Array = new Int32Array(0);
let f64: Float64Array = new Float64Array(0);

function decodeBase64(text: string): Uint8Array {
  const binary = atob!(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export type WasmVariant = "relaxed" | "simd";
/** The build loaded ("relaxed": fused multiply-add), null before loading or where none loads. */
let variant: WasmVariant | null = null;
let preferRelaxed = true;

/** The module built with relaxed SIMD where this engine compiles it (and it is preferred), else
 *  the SIMD one. */
function compile(): object {
  try {
    if (!preferRelaxed) throw new Error("the SIMD build was asked for");
    const module = new WebAssembly!.Module(decodeBase64(GEMM_WASM_RELAXED_BASE64));
    variant = "relaxed";
    return module;
  } catch {
    // CompileError: relaxed SIMD is off (Node 20 without --experimental-wasm-relaxed-simd)
    const module = new WebAssembly!.Module(decodeBase64(GEMM_WASM_BASE64));
    variant = "simd";
    return module;
  }
}

/** Which build of the module runs: "relaxed" (fused multiply-add), "simd", or null (none). */
export function wasmKernelVariant(): WasmVariant | null {
  return wasmGemmAvailable() ? variant : null;
}

/** Loads the module again, preferring `preferred` (tests and benchmarks compare the builds; the
 *  relaxed one loads only where the engine has relaxed SIMD). Every packed operand is stale after.
 *  Returns the build now loaded. */
export function reloadWasmKernel(preferred: WasmVariant): WasmVariant | null {
  forgetWasmKernel(preferred);
  return wasmKernelVariant();
}

/** Drops the loaded module (the next product, or loadWasmKernels, loads it again, preferring
 *  `preferred`); every packed operand is stale after. */
export function forgetWasmKernel(preferred: WasmVariant = "relaxed"): void {
  preferRelaxed = preferred === "relaxed";
  kernel = undefined;
  variant = null;
  poolEnd = 0;
  poolGeneration++;
  views.clear();
  f32 = new Float32Array(0);
  i32 = new Int32Array(0);
  f64 = new Float64Array(0);
}

let fallbackReported = false;

/** Says that float32 work runs the TypeScript kernels, and why: one line, the first time only. */
function reportFallback(reason: string): void {
  if (fallbackReported) return;
  fallbackReported = true;
  console.warn(`rnnlab: the WebAssembly kernels did not load (${reason}); running the TypeScript kernels`);
}

/** Why this runtime cannot load the module at all, or null. */
function missingRuntime(): string | null {
  if (typeof WebAssembly === "undefined") return "this runtime has no WebAssembly";
  if (typeof atob === "undefined") return "this runtime has no atob to decode them";
  return null;
}

/** What a failed compile says, on one line: CompileError where SIMD is not supported, RangeError
 *  where a page's main thread refuses to compile a module this size synchronously. */
function refusal(error: unknown, how: "synchronously" | "asynchronously"): string {
  const hint = how === "synchronously" && error instanceof RangeError ? "; await ready() first" : "";
  return `compiling them ${how} failed: ${String(error).split("\n")[0]}${hint}`;
}

function load(): Kernel | null {
  const missing = missingRuntime();
  if (missing !== null) {
    reportFallback(missing);
    return null;
  }
  try {
    return instantiate(compile());
  } catch (error) {
    reportFallback(refusal(error, "synchronously"));
    return null;
  }
}

function instantiate(module: object): Kernel {
  const { exports } = new WebAssembly!.Instance(module, {});
  const memory = exports.memory as WasmMemory;
  const base = (((exports.heapBase as () => number)() + 63) >> 6) << 6;
  const work = (exports.workBytes as () => number)();
  const gemm = exports.gemm as (...args: number[]) => void;
  const gemm64 = exports.gemm64 as (...args: number[]) => void;
  const gemmPacked = exports.gemmPacked as (...args: number[]) => void;
  const packBAll = exports.packBAll as (...args: number[]) => void;
  const packedBytes = exports.packedBytes as (K: number, N: number) => number;
  return { memory, gemm, gemm64, gemmPacked, packBAll, packedBytes, exports, base, work };
}

/** Compiles the module asynchronously and keeps it for every later product: for a page's main
 *  thread, where browsers may refuse to compile a module of this size synchronously (the kernels
 *  would then fall back to TypeScript). Anywhere else the first product loads it synchronously, so
 *  calling this is optional. Resolves to the build loaded, or null where none loads. ready()
 *  (kernel-path.ts) is the documented form: it resolves to every kernel's path. */
export async function loadWasmKernels(): Promise<WasmVariant | null> {
  if (kernel) return variant;
  const missing = missingRuntime();
  if (missing !== null) {
    kernel = null;
    reportFallback(missing);
    return null;
  }
  let failure: unknown = null;
  for (const [build, base64] of [
    ["relaxed", GEMM_WASM_RELAXED_BASE64],
    ["simd", GEMM_WASM_BASE64],
  ] as const) {
    if (build === "relaxed" && !preferRelaxed) continue;
    try {
      const module = await WebAssembly!.compile(decodeBase64(base64));
      // A product during the await may have loaded it synchronously: keep that instance (its pool
      // holds packed operands).
      if (kernel) return variant;
      kernel = instantiate(module);
      variant = build;
      return variant;
    } catch (error) {
      failure = error; // this build does not compile here: try the next
    }
  }
  kernel = null;
  reportFallback(refusal(failure, "asynchronously"));
  return null;
}

/** Whether the WebAssembly kernel loads here (WebAssembly with 128-bit SIMD). */
export function wasmGemmAvailable(): boolean {
  if (kernel === undefined) kernel = load();
  return kernel !== null;
}

/** Turns the WebAssembly kernel on or off (on by default where available); off, float32 products
 *  run the TypeScript kernels. Returns the previous setting. */
export function setWasmGemmEnabled(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** The WebAssembly kernel's sums: "float32" (the default, as in PyTorch's BLAS) or "float64" (as in
 *  the TypeScript kernels: half as fast, more accurate). Returns the previous setting. */
export function setWasmGemmSums(dtype: "float32" | "float64"): "float32" | "float64" {
  const previous = sums32 ? "float32" : "float64";
  sums32 = dtype === "float32";
  return previous;
}

export function wasmGemmEnabled(): boolean {
  return enabled && wasmGemmAvailable();
}

/** Whether products with a packed right operand run here: the kernel on, with float32 sums. */
export function wasmPackedEnabled(): boolean {
  return sums32 && wasmGemmEnabled();
}

function align16(bytes: number): number {
  return (bytes + 15) & ~15;
}

// Memory above the module's heap base: the pool of packed operands (bump-allocated), then each
// call's scratch (out, a, b, the kernel's work area), placed after the pool's current end.
// Operands packed into the pool stay until it is full; then the pool starts over and every slot
// from before is stale (its owner packs again from its source, which has not changed).
let poolBytes = 64 << 20;
let poolEnd = 0;
let poolGeneration = 0;

/** Sets the pool's size (tests make it small to exercise its starting over); returns the previous
 *  size. Every slot packed before is stale afterwards. */
export function setPackedPoolBytes(bytes: number): number {
  const previous = poolBytes;
  poolBytes = bytes;
  poolEnd = 0;
  poolGeneration++;
  return previous;
}

/** Where a packed right operand lives in the pool, and the pool generation it belongs to. */
export interface PackedSlot {
  offset: number;
  bytes: number;
  generation: number;
}

export function slotIsCurrent(slot: PackedSlot | null): slot is PackedSlot {
  return slot !== null && slot.generation === poolGeneration;
}

/** Packs B(k, j) = b[k·brs + j·bcs] (K×N) into the pool, into `slot` when it is current and large
 *  enough, else into a new slot; returns the slot. Call only when wasmPackedEnabled(). */
export function wasmPackB(
  slot: PackedSlot | null,
  b: Float32Array,
  K: number,
  N: number,
  brs: number,
  bcs: number,
): PackedSlot {
  const k = kernel!;
  const bytes = align16(k.packedBytes(K, N));
  if (!slotIsCurrent(slot) || slot.bytes < bytes) {
    if (poolEnd + bytes > Math.max(poolBytes, bytes)) {
      poolEnd = 0;
      poolGeneration++;
    }
    slot = { offset: k.base + poolEnd, bytes, generation: poolGeneration };
    poolEnd += bytes;
  }
  const bOff = wasmScratchBase();
  const mem = memoryFor(bOff + align16(4 * K * N));
  mem.set(b.length === K * N ? b : b.subarray(0, K * N), bOff >> 2);
  k.packBAll(slot.offset, bOff, K, N, brs, bcs);
  return slot;
}

/** out[M×N] += A·B, A(i, k) = a[i·ars + k·acs], B packed in `slot` (current). The caller has checked
 *  the lengths. */
export function gemmWasmPackedF32(
  out: Float32Array,
  a: Float32Array,
  slot: PackedSlot,
  M: number,
  K: number,
  N: number,
  ars: number,
  acs: number,
): void {
  const k = kernel!;
  const mn = M * N;
  const mk = M * K;
  const cOff = wasmScratchBase();
  const aOff = cOff + align16(4 * mn);
  const wOff = aOff + align16(4 * mk);
  const mem = memoryFor(wOff + k.work);
  mem.set(out.length === mn ? out : out.subarray(0, mn), cOff >> 2);
  mem.set(a.length === mk ? a : a.subarray(0, mk), aOff >> 2);
  k.gemmPacked(cOff, aOff, slot.offset, M, K, N, ars, acs, wOff);
  out.set(memoryView(cOff, mn));
}

/** The module's exports (the pointwise kernels of pointwise-wasm.ts live in it too), or null where
 *  it does not load. */
export function wasmExports(): Record<string, unknown> | null {
  return wasmGemmAvailable() ? kernel!.exports : null;
}

/** The byte address where a call's scratch starts: after the pool of packed operands. */
export function wasmScratchBase(): number {
  return kernel!.base + poolEnd;
}

/** The module's memory as float32, grown to at least `end` bytes. */
export function memoryFor(end: number): Float32Array {
  const memory = kernel!.memory;
  if (memory.buffer.byteLength < end) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
  if (f32.buffer !== memory.buffer) {
    f32 = new Float32Array(memory.buffer);
    i32 = new Int32Array(memory.buffer);
    f64 = new Float64Array(memory.buffer);
    views.clear();
  }
  return f32;
}

/** The module's memory as int32 (after memoryFor). */
export function memoryInt32(): Int32Array {
  return i32;
}

/** The module's memory as float64 (after memoryFor). */
export function memoryFloat64(): Float64Array {
  return f64;
}

const views = new Map<number, Map<number, Float32Array>>();

/** `length` floats of the module's memory from byte `offset` (after memoryFor): one view per
 *  (offset, length) until the memory grows, so copying results out allocates nothing. */
export function memoryView(offset: number, length: number): Float32Array {
  let byLength = views.get(offset);
  if (!byLength) {
    byLength = new Map();
    views.set(offset, byLength);
  }
  let view = byLength.get(length);
  if (!view) {
    view = new Float32Array(f32.buffer, offset, length);
    byLength.set(length, view);
  }
  return view;
}

/** out[M×N] += A·B with A(i, k) = a[i·ars + k·acs], B(k, j) = b[k·brs + j·bcs], in WebAssembly.
 *  Call only when wasmGemmEnabled(). The caller has checked the lengths. */
export function gemmWasmF32(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  M: number,
  K: number,
  N: number,
  ars: number,
  acs: number,
  brs: number,
  bcs: number,
): void {
  const k = kernel!;
  const mn = M * N;
  const mk = M * K;
  const kn = K * N;
  const cOff = wasmScratchBase();
  const aOff = cOff + align16(4 * mn);
  const bOff = aOff + align16(4 * mk);
  const wOff = bOff + align16(4 * kn);
  const mem = memoryFor(wOff + k.work);
  mem.set(out.length === mn ? out : out.subarray(0, mn), cOff >> 2);
  mem.set(a.length === mk ? a : a.subarray(0, mk), aOff >> 2);
  mem.set(b.length === kn ? b : b.subarray(0, kn), bOff >> 2);
  (sums32 ? k.gemm : k.gemm64)(cOff, aOff, bOff, M, K, N, ars, acs, brs, bcs, wOff);
  out.set(memoryView(cOff, mn));
}
