import { ConfigError } from "../errors.js";
import { RUN_CONFIG_LIMITS, type RunConfig } from "./run-config.js";
import { type LrScheduleSpec, scheduleEnd } from "./schedules.js";

// A schedule with an end (cosine, onecycle) in a run budgeted in minutes: its length in steps is
// what the minutes hold at this machine's pace, timed on a few passes before training starts, so
// the learning rate reaches its end with the budget. The run then stops at that step (or at the
// minutes, whichever comes first) and stores it as its --steps: resuming it, or rerunning it with
// --steps, gives the same steps.

/** A bound on the steps `minutes` can hold (each step takes a millisecond or more, and a run has
 *  at most RUN_CONFIG_LIMITS.steps): the length a schedule carries until it is fitted, so that its
 *  checks (onecycle's phases, say) can run. */
export function horizonBound(minutes: number): number {
  return Math.min(RUN_CONFIG_LIMITS.steps, Math.max(2, Math.ceil(minutes * 60_000)));
}

/** The default schedule: cosine over the budget (the steps, or the minutes once fitted), constant
 *  for a run with no budget (a web run trained until stopped). */
export function defaultLrSchedule(steps: number | null, minutes: number | null): LrScheduleSpec {
  if (steps !== null) return { kind: "cosine", totalSteps: steps, minLr: 0, warmup: 0 };
  if (minutes !== null) return { kind: "cosine", totalSteps: horizonBound(minutes), minLr: 0, warmup: 0 };
  return { kind: "constant", warmup: 0 };
}

/** Whether the run's schedule must be fitted to its minutes before it starts. */
export function needsFitting(spec: RunConfig): boolean {
  return spec.steps === null && spec.minutes !== null && scheduleEnd(spec.lrSchedule) !== null;
}

/** What a step and an evaluation cost here, in milliseconds. */
export interface Pace {
  msPerStep: number;
  msPerEval: number;
}

/** The steps that fit in `remainingMs` at `pace`, an evaluation every `evalEvery` steps:
 *  n·msPerStep + (n / evalEvery)·msPerEval = remainingMs (at most a run's limit). */
export function fittedSteps(remainingMs: number, pace: Pace, evalEvery: number): number {
  const perStep = pace.msPerStep + pace.msPerEval / evalEvery;
  return Math.min(RUN_CONFIG_LIMITS.steps, Math.floor(remainingMs / perStep));
}

/** The spec with its schedule fitted: `steps` steps in all, the schedule ending at the last. A
 *  ConfigError when the budget holds too few steps for the schedule. */
export function fitSchedule<S extends RunConfig>(spec: S, steps: number): S {
  const schedule = spec.lrSchedule;
  const least = schedule.kind === "onecycle" ? 2 : 1;
  if (steps < least || (schedule.kind !== "cosine" && schedule.kind !== "onecycle")) {
    throw new ConfigError(
      `--minutes ${spec.minutes} holds ${steps} step(s) at this machine's pace, too few for a ${schedule.kind} schedule: give more --minutes or --steps`,
    );
  }
  return { ...spec, steps, lrSchedule: { ...schedule, totalSteps: steps } };
}

/** Milliseconds per call of `work`, the median of `rounds` after one untimed call (first-call
 *  costs: compiling, growing buffers). */
export function medianMs(work: () => void, now: () => number, rounds = 3): number {
  work();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = now();
    work();
    times.push(now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
