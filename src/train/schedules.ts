import { ConfigError } from "../errors.js";

// Learning-rate schedules as functions of the step index: schedule(step) is the learning rate of
// update number step + 1 (step counts from 0, like PyTorch's last_epoch when stepped once per update).

export type LrSchedule = (step: number) => number;

/** OneCycleLR's options besides the step count (PyTorch's names and defaults in comments). */
export interface OneCycleOptions {
  /** The peak (max_lr); by default the optimizer's lr. */
  maxLr?: number;
  /** The fraction of the steps spent rising (pct_start, 0.3). */
  pctStart?: number;
  /** How each phase moves (anneal_strategy, "cos"). */
  anneal?: "cos" | "linear";
  /** The first lr is maxLr / divFactor (div_factor, 25). */
  divFactor?: number;
  /** The last lr is maxLr / (divFactor·finalDivFactor) (final_div_factor, 1e4). */
  finalDivFactor?: number;
}

/** A JSON-able schedule; `warmup` wraps it in linearWarmup(warmup, ·) (not with onecycle, which
 *  warms up itself). A cosine or onecycle schedule has an end: it runs from step `start` (0 unless
 *  restarted, see restartSchedule) for totalSteps steps, then holds its last lr. */
export type LrScheduleSpec = (
  | { kind: "constant" }
  | { kind: "step"; stepSize: number; gamma: number }
  | { kind: "cosine"; totalSteps: number; minLr?: number; start?: number }
  | ({ kind: "onecycle"; totalSteps: number; start?: number } & OneCycleOptions)
  | { kind: "exponential"; gamma: number }
  | { kind: "multistep"; milestones: number[]; gamma?: number }
  | { kind: "cosine-restarts"; period: number; periodMult?: number; minLr?: number }
) & { warmup?: number };

export function constantLr(base: number): LrSchedule {
  checkLr("base", base);
  return () => base;
}

/** PyTorch StepLR, closed form: base·γ^⌊step / stepSize⌋. */
export function stepLr(base: number, stepSize: number, gamma: number): LrSchedule {
  checkLr("base", base);
  checkCount("stepSize", stepSize, 1);
  checkGamma("step", gamma);
  return (step) => base * gamma ** Math.floor(step / stepSize);
}

/** PyTorch CosineAnnealingLR, closed form: min + (base − min)·(1 + cos(π·step / total)) / 2, then
 *  held at min after `totalSteps` (PyTorch's formula would rise again: it is periodic). */
export function cosineLr(base: number, totalSteps: number, minLr = 0): LrSchedule {
  checkLr("base", base);
  checkCount("totalSteps", totalSteps, 1);
  if (!(minLr >= 0 && minLr <= base)) {
    throw new ConfigError(`cosine schedule: minLr must be in [0, base lr = ${base}], got ${minLr}`);
  }
  return (step) =>
    step >= totalSteps ? minLr : minLr + ((base - minLr) * (1 + Math.cos((Math.PI * step) / totalSteps))) / 2;
}

/** PyTorch ExponentialLR, closed form: base·γ^step. */
export function exponentialLr(base: number, gamma: number): LrSchedule {
  checkLr("base", base);
  checkGamma("exponential", gamma);
  return (step) => base * gamma ** step;
}

/** PyTorch MultiStepLR, closed form: base·γ^(the number of milestones <= step); a milestone given
 *  twice counts twice, as in PyTorch's Counter. */
export function multiStepLr(base: number, milestones: readonly number[], gamma = 0.1): LrSchedule {
  checkLr("base", base);
  checkGamma("multistep", gamma);
  if (!Array.isArray(milestones) || milestones.length === 0) {
    throw new ConfigError(
      "multistep schedule: milestones must be a non-empty list of steps, e.g. [1000, 2000]",
    );
  }
  for (const milestone of milestones) checkCount("milestone", milestone, 1);
  const sorted = [...milestones].sort((a, b) => a - b);
  return (step) => base * gamma ** sorted.filter((milestone) => milestone <= step).length;
}

/** PyTorch CosineAnnealingWarmRestarts stepped once per update: the i-th cycle lasts
 *  T_i = period·periodMult^i steps, and within it, at t_cur steps since its start,
 *  lr = min + (base − min)·(1 + cos(π·t_cur / T_i)) / 2. */
export function cosineRestartsLr(base: number, period: number, periodMult = 1, minLr = 0): LrSchedule {
  checkLr("base", base);
  checkCount("period", period, 1);
  checkCount("periodMult", periodMult, 1);
  checkLr("cosine-restarts schedule: min", minLr);
  return (step) => {
    let length = period;
    let since = periodMult === 1 ? step % period : step;
    while (since >= length) {
      since -= length;
      length *= periodMult;
    }
    return minLr + ((base - minLr) * (1 + Math.cos((Math.PI * since) / length))) / 2;
  };
}

/** PyTorch OneCycleLR (two phases, no momentum cycling: cycle_momentum=False). With
 *  a = maxLr / divFactor and z = a / finalDivFactor, and the phase ends e1 = pctStart·total − 1 and
 *  e2 = total − 1 (floats, as PyTorch computes them): step s <= e1 anneals from a to maxLr with
 *  pct = s / e1, later steps from maxLr to z with pct = (s − e1) / (e2 − e1), where
 *  cos: end + (start − end)·(1 + cos(π·pct)) / 2, linear: start + (end − start)·pct.
 *  Held at z from step `total` on (PyTorch refuses to step past it). */
export function oneCycleLr(base: number, totalSteps: number, options: OneCycleOptions = {}): LrSchedule {
  const { maxLr = base, pctStart = 0.3, anneal = "cos", divFactor = 25, finalDivFactor = 1e4 } = options;
  checkLr("onecycle schedule: max", maxLr);
  checkCount("totalSteps", totalSteps, 2);
  const rise = pctStart * totalSteps - 1;
  if (!(pctStart > 0 && pctStart < 1) || !(rise > 0)) {
    throw new ConfigError(
      `onecycle schedule: pctStart must be in (0, 1) with pctStart·totalSteps > 1 (both phases at least a step), got ${pctStart} with totalSteps ${totalSteps}`,
    );
  }
  if (anneal !== "cos" && anneal !== "linear") {
    throw new ConfigError(
      `onecycle schedule: anneal must be "cos" or "linear", got ${JSON.stringify(anneal)}`,
    );
  }
  for (const [name, factor] of [
    ["divFactor", divFactor],
    ["finalDivFactor", finalDivFactor],
  ] as const) {
    if (!(factor > 0) || !Number.isFinite(factor)) {
      throw new ConfigError(`onecycle schedule: ${name} must be a finite number > 0, got ${factor}`);
    }
  }
  const initial = maxLr / divFactor;
  const final = initial / finalDivFactor;
  const end = totalSteps - 1;
  const interpolate =
    anneal === "cos"
      ? (from: number, to: number, pct: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (from: number, to: number, pct: number) => (to - from) * pct + from;
  return (step) => {
    if (step >= totalSteps) return final;
    if (step <= rise) return interpolate(initial, maxLr, step / rise);
    return interpolate(maxLr, final, (step - rise) / (end - rise));
  };
}

/** inner(step) · min(1, (step + 1) / warmupSteps): ramps up linearly over the first warmupSteps updates. */
export function linearWarmup(warmupSteps: number, inner: LrSchedule): LrSchedule {
  checkCount("warmup", warmupSteps, 0);
  if (warmupSteps === 0) return inner;
  return (step) => inner(step) * Math.min(1, (step + 1) / warmupSteps);
}

/** The schedule a spec describes, starting from `baseLr` (the optimizer's lr). */
export function makeLrSchedule(spec: LrScheduleSpec, baseLr: number): LrSchedule {
  const inner = startedAt(innerSchedule(spec, baseLr), finiteStart(spec));
  return spec.warmup === undefined ? inner : linearWarmup(spec.warmup, inner);
}

/** The registry of schedule kinds, each with the keys its spec may hold; the run config's schema
 *  and the CLI's --lr-schedule choices follow from it. */
export const lrScheduleKeys = {
  constant: ["kind", "warmup"],
  step: ["kind", "warmup", "stepSize", "gamma"],
  cosine: ["kind", "warmup", "totalSteps", "minLr", "start"],
  onecycle: ["kind", "totalSteps", "start", "maxLr", "pctStart", "anneal", "divFactor", "finalDivFactor"],
  exponential: ["kind", "warmup", "gamma"],
  multistep: ["kind", "warmup", "milestones", "gamma"],
  "cosine-restarts": ["kind", "warmup", "period", "periodMult", "minLr"],
} as const satisfies Record<LrScheduleSpec["kind"], readonly string[]>;

export type LrScheduleKind = keyof typeof lrScheduleKeys;
export const lrScheduleKinds: readonly LrScheduleKind[] = Object.freeze(
  Object.keys(lrScheduleKeys) as LrScheduleKind[],
);

const isLrScheduleKind = (kind: unknown): kind is LrScheduleKind =>
  lrScheduleKinds.some((known) => known === kind);

function innerSchedule(spec: LrScheduleSpec, baseLr: number): LrSchedule {
  const kind = typeof spec === "object" && spec !== null ? spec.kind : undefined;
  if (!isLrScheduleKind(kind)) {
    const known = lrScheduleKinds.map((k) => JSON.stringify(k)).join(", ");
    throw new ConfigError(`lr schedule kind must be one of ${known}, got ${JSON.stringify(kind)}`);
  }
  const allowed: readonly string[] = lrScheduleKeys[kind];
  const unknown = Object.keys(spec).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw new ConfigError(
      `${kind} schedule: unknown option "${unknown}"; the options are ${allowed.join(", ")}`,
    );
  }
  switch (spec.kind) {
    case "constant":
      return constantLr(baseLr);
    case "step":
      return stepLr(baseLr, spec.stepSize, spec.gamma);
    case "cosine":
      return cosineLr(baseLr, spec.totalSteps, spec.minLr);
    case "onecycle": {
      const { kind: _, totalSteps, start: __, ...options } = spec;
      return oneCycleLr(baseLr, totalSteps, options);
    }
    case "exponential":
      return exponentialLr(baseLr, spec.gamma);
    case "multistep":
      return multiStepLr(baseLr, spec.milestones, spec.gamma);
    case "cosine-restarts":
      return cosineRestartsLr(baseLr, spec.period, spec.periodMult, spec.minLr);
  }
}

/** The step where a schedule with an end (cosine, onecycle) reaches its last lr and holds it; null
 *  for the others, which go on changing (or not) for ever. */
export function scheduleEnd(spec: LrScheduleSpec): number | null {
  return spec.kind === "cosine" || spec.kind === "onecycle" ? finiteStart(spec) + spec.totalSteps : null;
}

/** The same schedule stretched to end at step `end` (> its start): as if it had been made for that
 *  many steps. */
export function extendSchedule(spec: LrScheduleSpec, end: number): LrScheduleSpec {
  if (spec.kind !== "cosine" && spec.kind !== "onecycle") return spec;
  return { ...spec, totalSteps: end - finiteStart(spec) };
}

/** A new run of the same schedule from step `from` to step `end`: its step 0 is the run's step `from`. */
export function restartSchedule(spec: LrScheduleSpec, from: number, end: number): LrScheduleSpec {
  if (spec.kind !== "cosine" && spec.kind !== "onecycle") return spec;
  return { ...spec, start: from, totalSteps: end - from };
}

function finiteStart(spec: LrScheduleSpec): number {
  const start = spec.kind === "cosine" || spec.kind === "onecycle" ? (spec.start ?? 0) : 0;
  checkCount("start", start, 0);
  return start;
}

/** inner moved to begin at step `start` (before it: inner's first lr). */
function startedAt(inner: LrSchedule, start: number): LrSchedule {
  return start === 0 ? inner : (step) => inner(Math.max(0, step - start));
}

function checkLr(name: string, lr: number): void {
  if (!(lr >= 0) || !Number.isFinite(lr)) {
    throw new ConfigError(`${name} learning rate must be a finite number >= 0, got ${lr}`);
  }
}

function checkGamma(kind: string, gamma: number): void {
  if (!(gamma > 0) || !Number.isFinite(gamma)) {
    throw new ConfigError(`${kind} schedule: gamma must be a finite number > 0 (e.g. 0.5), got ${gamma}`);
  }
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(
      `lr schedule: ${name} must be an integer >= ${min} (a number of steps), got ${value}`,
    );
  }
}
