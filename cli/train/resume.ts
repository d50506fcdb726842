import { ConfigError } from "../../src/errors.js";
import type { Checkpoint } from "../../src/io/checkpoint.js";
import { storedThreadCount } from "../../src/run/text-run.js";
import {
  extendSchedule,
  type LrScheduleSpec,
  makeLrSchedule,
  restartSchedule,
  scheduleEnd,
} from "../../src/train/schedules.js";
import { UserError } from "../errors.js";
import type { TrainSpec } from "./spec.js";

// What `rnnlab train --resume` must keep for the resumed run to continue the stopped one exactly:
// the thread count (a step's gradient is summed over the threads' shards, so its float rounding
// depends on how many there are; thread-independent fixed shards cost 7 % of a step at 1 thread and
// 8 % at 2: tools/shard-cost.mjs), and the lr schedule's end, which --steps may not pass silently.

/** storedThreadCount of the checkpoint, its error as --resume's one line. */
export function storedThreads(checkpoint: Checkpoint, dir: string): number | null {
  try {
    return storedThreadCount(checkpoint);
  } catch (error) {
    if (error instanceof ConfigError) throw new UserError(`--resume ${dir}: ${error.message}`);
    throw error;
  }
}

/** The threads a resumed run trains on: the stored count, unless --threads gives another one, which
 *  is refused (`given`: --threads when the user gave it, resolved; null when left out). A checkpoint
 *  without a stored count takes any. */
export function resumedThreads(
  stored: number | null,
  given: number | null,
  fallback: number | "auto",
  dir: string,
): number | "auto" {
  if (stored === null) return given ?? fallback;
  if (given === null || given === stored) return stored;
  throw new UserError(
    `--resume ${dir}: the run trains on ${stored} thread(s), and a step's gradient is summed over the threads' shards, so its rounding depends on their number: --threads ${given} would not continue it as an unbroken run would; leave --threads out or give --threads ${stored}`,
  );
}

/** How the user asked to go on past the schedule's end: --extend-schedule, --restart-schedule. */
export interface ScheduleChoice {
  extend: boolean;
  restart: boolean;
}

/** The lr schedule of a run resumed at `step` with the budget of `spec`: the stored one, unless
 *  --steps goes past its end, which needs --extend-schedule (the schedule stretched to end at the
 *  new --steps) or --restart-schedule (a new one from `step` to --steps); refused otherwise, since
 *  the steps past the end would all take the schedule's last lr. */
export function resumedSchedule(
  spec: TrainSpec,
  step: number,
  choice: ScheduleChoice,
  dir: string,
): LrScheduleSpec {
  const schedule = spec.lrSchedule;
  const end = scheduleEnd(schedule);
  const flag = choice.extend ? "--extend-schedule" : choice.restart ? "--restart-schedule" : null;
  if (choice.extend && choice.restart) {
    throw new UserError("--extend-schedule and --restart-schedule exclude each other: give one of them");
  }
  if (end === null) {
    if (flag) {
      throw new UserError(
        `${flag} applies to a run whose lr schedule ends (cosine, onecycle); ${dir}'s is ${schedule.kind}: drop ${flag}`,
      );
    }
    return schedule;
  }
  const what = `the run's ${schedule.kind} schedule ends at step ${end}`;
  if (spec.steps === null) {
    throw new UserError(
      `--resume ${dir}: ${what}, and --minutes could train past it at its last lr: give --steps instead (past ${end} with --extend-schedule or --restart-schedule)`,
    );
  }
  const target = spec.steps;
  if (flag === null) {
    if (target <= end) return schedule;
    const last = makeLrSchedule(schedule, spec.optimizer.lr)(end);
    throw new UserError(
      `--resume ${dir}: ${what}; --steps ${target} would train ${target - Math.max(step, end)} steps at its last lr (${last}): give --extend-schedule (stretch it to end at step ${target}) or --restart-schedule (a new one from step ${step} to ${target})`,
    );
  }
  if (target <= step) {
    throw new UserError(
      `${flag} needs --steps beyond the checkpoint's step ${step} (the schedule's new end), got --steps ${target}`,
    );
  }
  const changed = choice.extend ? extendSchedule(schedule, target) : restartSchedule(schedule, step, target);
  try {
    makeLrSchedule(changed, spec.optimizer.lr); // its checks: a onecycle needs 2 steps or more, say
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UserError(`${flag} to step ${target}: ${error.message}; give a larger --steps`);
  }
  return changed;
}
