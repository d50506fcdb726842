// Blocking parameters and the packing scratch shared by the float64 and float32 matrix kernels
// (gemm-f64.ts, gemm-f32.ts). See matmul.ts for the design.

// The micro-tile is 4×4 (written out in gemm-f64.ts): 4 rows × 4 columns of the output summed in
// 16 local variables. Larger tiles (4×8, 8×4, 4×6, 2×8) spill in V8's register allocator and were
// slower on every shape measured.

/** K block: one packed A panel (KC·MR) and one B panel (KC·NR) of float64 stay in L1. */
export const KC = 256;
/** M block: a packed A block (MC·KC float64, 128 KiB) stays in L2. */
export const MC = 64;
/** N block: a packed B block (KC·NC float64, 1 MiB). */
export const NC = 512;
/** Products with fewer multiply-adds than this run the direct (unpacked) kernel: below it, packing
 *  and the per-tile overhead cost more than the 4×4 tile saves (measured crossover 512 to 1024). */
export const DIRECT_MAX_WORK = 1024;
/** ...as do products whose 4×4 tiles would be mostly padding: the direct kernel runs at a bit more
 *  than half the packed one's speed, so pack only when at least this fraction of the padded tiles'
 *  outputs is real (M = 5, N = 9: 45 of 96, direct). */
export const PACKED_MIN_FILL = 0.55;

/** The packed panels are float64 for both dtypes (see packScratch). */
export type Scratch = Float64Array;

let scratch: Scratch = new Float64Array(0);

/** The packing scratch, at least `size` float64 long. Grown (never shrunk) on demand, so the
 *  training loop allocates nothing after its first step. Both dtypes pack into float64: the
 *  micro-kernel then reads one array type only, and float32 inputs are widened once at packing
 *  rather than at every multiply-add. JavaScript is single-threaded and no kernel calls out while
 *  it holds the scratch, so sharing one buffer is safe (each worker has its own module instance). */
export function packScratch(size: number): Scratch {
  if (scratch.length < size) scratch = new Float64Array(size);
  return scratch;
}
