// The feeding modes as the Q4 claims name them, and their resolution into the library's FeedMode for
// a budget: scheduled sampling is named by the eps it ends the budget with.

import { checkEpsSchedule, type EpsSchedule, epsAt, type FeedMode } from "../../src/index.js";

export type FeedSpec =
  | { kind: "teacher-forcing" }
  | { kind: "free-running"; prefix: number }
  | { kind: "scheduled-sampling"; schedule: ScheduleSpec; pick: "sample" | "argmax" };

export const TEACHER_FORCING = { kind: "teacher-forcing" } as const;

/** Bengio et al.'s three decays, each from eps_0 = 1 (or `constant`), its constants chosen so that
 *  eps at the last step is `endEps`: linear eps_i = max(endEps, 1 − c·i) with c = (1 − endEps)/steps;
 *  exponential eps_i = k^i with k = endEps^(1/steps); inverse sigmoid eps_i = k/(k + exp(i/k)) with
 *  k solving k/(k + exp(steps/k)) = endEps. */
export type ScheduleSpec =
  | { kind: "linear"; endEps: number }
  | { kind: "exponential"; endEps: number }
  | { kind: "inverse-sigmoid"; endEps: number }
  | { kind: "constant"; eps: number };

export function resolveSchedule(spec: ScheduleSpec, steps: number): EpsSchedule {
  switch (spec.kind) {
    case "constant":
      return checkEpsSchedule({ kind: "constant", eps: spec.eps });
    case "linear":
      return checkEpsSchedule({ kind: "linear", k: 1, c: (1 - spec.endEps) / steps, min: spec.endEps });
    case "exponential":
      return checkEpsSchedule({ kind: "exponential", k: spec.endEps ** (1 / steps) });
    case "inverse-sigmoid":
      return checkEpsSchedule({ kind: "inverse-sigmoid", k: inverseSigmoidK(spec.endEps, steps) });
  }
}

/** k with k/(k + exp(steps/k)) = endEps, by bisection (the left side increases with k >= 1). */
function inverseSigmoidK(endEps: number, steps: number): number {
  const at = (k: number) => k / (k + Math.exp(steps / k));
  let lo = 1;
  let hi = Math.max(2, steps);
  while (at(hi) < endEps) hi *= 2;
  if (at(lo) >= endEps) return 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid) < endEps) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function resolveFeed(spec: FeedSpec, steps: number): FeedMode {
  if (spec.kind !== "scheduled-sampling") return spec;
  return { kind: "scheduled-sampling", schedule: resolveSchedule(spec.schedule, steps), pick: spec.pick };
}

/** A short name for the text and tables, ε in TeX (legends take it through texToText). */
export function feedLabel(spec: FeedSpec): string {
  switch (spec.kind) {
    case "teacher-forcing":
      return "teacher forcing";
    case "free-running":
      return `free running (prefix ${spec.prefix})`;
    case "scheduled-sampling": {
      const s = spec.schedule;
      const tail = s.kind === "constant" ? `$\\varepsilon = ${s.eps}$` : `to $\\varepsilon = ${s.endEps}$`;
      return `scheduled sampling, ${s.kind} ${tail}${spec.pick === "argmax" ? ", argmax" : ""}`;
    }
  }
}

/** ε_i over the budget, for the figure of the schedules. */
export function epsCurve(spec: ScheduleSpec, steps: number): number[] {
  const schedule = resolveSchedule(spec, steps);
  return Array.from({ length: steps }, (_, i) => epsAt(schedule, i));
}
