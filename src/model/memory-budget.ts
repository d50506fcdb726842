import { formatBytes } from "./byte-size.js";
import { MAX_TYPED_ARRAY_LENGTH, type MemoryEstimate } from "./memory.js";

// The budget a run's estimate (memory.ts) must fit, and the one line that refuses a run over it:
// the estimate, the budget, and a value of the run's size options that would fit.

/** A browser's budget: a page cannot ask how much memory the machine has, and a tab that
 *  allocates past what the browser allows is killed without a word, so 1 GiB, which a desktop
 *  browser gives a tab (and a 32-bit WebAssembly memory stays under). */
export const BROWSER_MEMORY_BUDGET = 2 ** 30;

export interface MemoryBudget {
  bytes: number;
  /** Where it comes from, for the message: "half of this machine's 8.0 GiB", "--max-memory 2G". */
  source: string;
}

/** A size option of the run, the first ones cut first: --batch, then --seq-len. */
export interface SizeKnob {
  flag: string;
  value: number;
}

/** The estimate with the knobs at these values (in the knobs' order). */
export type EstimateAt = (values: readonly number[]) => MemoryEstimate;

/** What the line says where the knobs alone do not: the passes' shape ("--batch 64 × 120 steps",
 *  default the knobs' values) and the fix when no knob value fits (default: the model is too large). */
export interface BudgetWords {
  shape?: string;
  noFit?: string;
}

/** null when the run fits the budget (and V8's longest array); else one line saying what it needs,
 *  the budget, and what would fit: the largest value of the first knob, else of the second with the
 *  first at 1, ..., else that the model itself is too large. `raise` ends it ("raise --max-memory"). */
export function overBudget(
  estimateAt: EstimateAt,
  knobs: readonly SizeKnob[],
  budget: MemoryBudget,
  raise: string,
  words: BudgetWords = {},
): string | null {
  const values = knobs.map((k) => k.value);
  const estimate = estimateAt(values);
  const fits = (e: MemoryEstimate) => e.total <= budget.bytes && e.largest.length <= MAX_TYPED_ARRAY_LENGTH;
  if (fits(estimate)) return null;
  const fix = fittingValues(estimateAt, knobs, fits) ?? words.noFit ?? MODEL_TOO_LARGE;
  if (estimate.total <= budget.bytes) {
    return `this run needs one array of ${estimate.largest.length} values (${estimate.largest.name}), more than the ${MAX_TYPED_ARRAY_LENGTH} a JavaScript typed array can hold: ${fix}`;
  }
  const shape =
    words.shape ??
    [...knobs]
      .reverse()
      .map((k) => `${k.flag} ${k.value}`)
      .join(" × ");
  return `this run needs about ${formatBytes(estimate.total)} (${largestPart(estimate, shape)}), over the budget of ${formatBytes(budget.bytes)} (${budget.source}): ${fix}, or ${raise}`;
}

const MODEL_TOO_LARGE = "the model itself is too large: use a smaller --hidden or fewer --layers";

/** "use --batch 1024 or less", "use --batch 1 and --seq-len 300 or less", or null: none fits. */
function fittingValues(
  estimateAt: EstimateAt,
  knobs: readonly SizeKnob[],
  fits: (e: MemoryEstimate) => boolean,
): string | null {
  const values = knobs.map((k) => k.value);
  for (let i = 0; i < knobs.length; i++) {
    const at = (v: number) => fits(estimateAt(values.map((x, j) => (j < i ? 1 : j === i ? v : x))));
    const best = largestFitting(at, knobs[i].value - 1);
    if (best === 0) continue;
    const before = knobs.slice(0, i).map((k) => `${k.flag} 1 and `);
    return `use ${before.join("")}${knobs[i].flag} ${best}${best > 1 ? " or less" : ""}`;
  }
  return null;
}

/** The largest v in 1..high with fits(v) (fits is monotone: true up to some v), or 0. */
function largestFitting(fits: (v: number) => boolean, high: number): number {
  let lo = 0;
  let hi = high;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** What most of it is: "activations 8.1 GiB for --seq-len 128 × --batch 4096", or the model's state. */
function largestPart(e: MemoryEstimate, shape: string): string {
  const perPass = e.activations + e.threads + e.kernels + e.generated;
  const state = e.params + e.grads + e.optimizer + e.checkpoint;
  if (perPass >= state) return `activations ${formatBytes(perPass)} for ${shape}`;
  return `parameters, gradients and optimizer state ${formatBytes(state)}`;
}
