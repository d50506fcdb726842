import { ConfigError } from "../errors.js";

// Learning-rate schedules as functions of the step index: schedule(step) is the learning rate of
// update number step + 1 (step counts from 0, like PyTorch's last_epoch when stepped once per update).

export type LrSchedule = (step: number) => number;

/** A JSON-able schedule; `warmup` wraps it in linearWarmup(warmup, ·). */
export type LrScheduleSpec = (
  | { kind: "constant" }
  | { kind: "step"; stepSize: number; gamma: number }
  | { kind: "cosine"; totalSteps: number; minLr?: number }
) & { warmup?: number };

export function constantLr(base: number): LrSchedule {
  checkLr("base", base);
  return () => base;
}

/** PyTorch StepLR, closed form: base·γ^⌊step / stepSize⌋. */
export function stepLr(base: number, stepSize: number, gamma: number): LrSchedule {
  checkLr("base", base);
  checkCount("stepSize", stepSize, 1);
  if (!(gamma > 0) || !Number.isFinite(gamma)) {
    throw new ConfigError(`step schedule: gamma must be a finite number > 0 (e.g. 0.5), got ${gamma}`);
  }
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

/** inner(step) · min(1, (step + 1) / warmupSteps): ramps up linearly over the first warmupSteps updates. */
export function linearWarmup(warmupSteps: number, inner: LrSchedule): LrSchedule {
  checkCount("warmup", warmupSteps, 0);
  if (warmupSteps === 0) return inner;
  return (step) => inner(step) * Math.min(1, (step + 1) / warmupSteps);
}

/** The schedule a spec describes, starting from `baseLr` (the optimizer's lr). */
export function makeLrSchedule(spec: LrScheduleSpec, baseLr: number): LrSchedule {
  const inner = innerSchedule(spec, baseLr);
  return spec.warmup === undefined ? inner : linearWarmup(spec.warmup, inner);
}

/** The registry of schedule kinds, each with the keys its spec may hold; the run config's schema
 *  and the CLI's --lr-schedule choices follow from it. */
export const lrScheduleKeys = {
  constant: ["kind", "warmup"],
  step: ["kind", "warmup", "stepSize", "gamma"],
  cosine: ["kind", "warmup", "totalSteps", "minLr"],
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
  }
}

function checkLr(name: string, lr: number): void {
  if (!(lr >= 0) || !Number.isFinite(lr)) {
    throw new ConfigError(`${name} learning rate must be a finite number >= 0, got ${lr}`);
  }
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(
      `lr schedule: ${name} must be an integer >= ${min} (a number of steps), got ${value}`,
    );
  }
}
